"""Before the window opens on X11, the libraries Qt's xcb plug-in needs are
checked, and a missing one is named with the package that provides it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ui import xcb


def test_advice_names_the_missing_libraries_and_their_packages():
    lost = xcb.missing(lambda name: name not in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert lost == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    text = xcb.advice(lost)
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in text
    assert "sudo dnf install xcb-util-keysyms xcb-util-wm" in text
    # Not the library Qt's own message names when these two are missing.
    assert "cursor" not in text


def test_nothing_missing_means_no_advice(monkeypatch):
    monkeypatch.setattr(xcb, "missing", lambda: [])
    assert xcb.check({"DISPLAY": ":0"} if sys.platform.startswith("linux") else {}) is None


@pytest.mark.parametrize("env, expected", [
    ({"DISPLAY": ":0"}, True),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
    ({"QT_QPA_PLATFORM": "xcb"}, True),
    ({"QT_QPA_PLATFORM": "xcb:nomitshm"}, True),
    ({}, False),
])
def test_only_x11_is_checked(env, expected):
    assert xcb.on_x11(env) is (expected and sys.platform.startswith("linux"))


def _plugin() -> Path:
    from ui.qt import QtCore

    plugins = Path(QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath))
    return plugins / "platforms" / "libqxcb.so"


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("ldd") is None,
                    reason="the xcb plug-in is Linux's")
def test_the_table_knows_every_library_the_loader_cannot_find():
    """What ``ldd`` says is not found for the real plug-in is what the check says is
    missing, and each has a package to name: the table follows the Qt in use."""
    out = subprocess.run(["ldd", str(_plugin())], capture_output=True, text=True, timeout=30).stdout
    not_found = sorted({line.split()[0] for line in out.splitlines() if "not found" in line})
    assert all(name in xcb.NEEDED for name in not_found), not_found
    assert sorted(xcb.missing()) == not_found
    direct = {line.split()[0] for line in out.splitlines() if "=>" in line}
    x_libs = {n for n in direct if n.startswith(("libxcb", "libX11", "libxkbcommon"))}
    assert x_libs <= set(xcb.NEEDED), x_libs - set(xcb.NEEDED)


def test_make_run_checks_before_it_opens_the_window():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0].splitlines()
    commands = [line.strip() for line in run if line.startswith("\t")]
    assert commands[0] == "$(BIN)/python -m ui.xcb"
    assert commands[-1] == "$(BIN)/warroom"
