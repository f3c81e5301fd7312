"""Linux desktop integration: the launcher, the AppStream metainfo and the MIME
types validate with the freedesktop tools, a double-clicked file resolves to War
room's types, and the icon renders at every hicolor size.

The validators come from distribution packages (desktop-file-utils, appstream,
shared-mime-info, glib's gio). CI installs them (.ci/run) and sets
WARROOM_REQUIRE_DESKTOP_TOOLS=1, so there a missing tool fails; elsewhere its
test skips with one line."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
APP_ID = "org.warroom.WarRoom"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("WARROOM_REQUIRE_DESKTOP_TOOLS") == "1":
            pytest.fail(f"{name} is not installed, and this run requires it")
        pytest.skip(f"{name} is not installed (apt-get install desktop-file-utils appstream shared-mime-info)")
    return path


def test_the_desktop_entry_validates_and_opens_our_files():
    result = subprocess.run([tool("desktop-file-validate"), str(LINUX / f"{APP_ID}.desktop")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(LINUX / f"{APP_ID}.desktop", encoding="utf-8")
    group = entry["Desktop Entry"]
    assert group["Exec"] == "warroom %F" and group["Icon"] == APP_ID
    assert set(filter(None, group["MimeType"].split(";"))) == {"application/x-warroom-archive",
                                                                "application/x-warroom-scenario"}
    assert {"GenericName[de]", "Comment[fr]", "Comment[es]"} <= set(group)


def test_the_metainfo_validates():
    result = subprocess.run([tool("appstreamcli"), "validate", "--no-net", "--pedantic",
                             str(LINUX / f"{APP_ID}.metainfo.xml")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (LINUX / f"{APP_ID}.metainfo.xml").read_text()
    assert f"<launchable type=\"desktop-id\">{APP_ID}.desktop</launchable>" in text
    from warroom import __version__

    assert f'<release version="{__version__}"' in text


def test_the_window_names_itself_as_the_desktop_entry_does():
    # Wayland finds the launcher (and its icon) by this name.
    assert f'setDesktopFileName("{APP_ID}")' in (ROOT / "ui" / "app.py").read_text()


def test_double_clicked_files_resolve_to_war_rooms_types(tmp_path):
    share = tmp_path / "share"
    (share / "mime" / "packages").mkdir(parents=True)
    shutil.copy(LINUX / f"{APP_ID}.xml", share / "mime" / "packages")
    subprocess.run([tool("update-mime-database"), str(share / "mime")], check=True, capture_output=True, timeout=60)
    scenario = ROOT / "resources" / "scenarios" / "regional-cloud-outage.scenario.toml"   # as shipped
    archive = tmp_path / "INC-1.warroom.zip"
    archive.write_bytes(b"PK\x03\x04")
    other = tmp_path / "notes.zip"
    other.write_bytes(b"PK\x03\x04")
    env = dict(os.environ, XDG_DATA_DIRS=f"{share}:/usr/share", XDG_DATA_HOME=str(tmp_path / "none"))
    result = subprocess.run([tool("gio"), "info", "-a", "standard::content-type", str(scenario), str(archive),
                             str(other)], capture_output=True, text=True, timeout=60, env=env)
    types = [line.rsplit(" ", 1)[-1].strip() for line in result.stdout.splitlines() if "content-type" in line]
    assert types == ["application/x-warroom-scenario", "application/x-warroom-archive", "application/zip"]


def test_the_icon_renders_at_every_hicolor_size(tmp_path):
    from PySide6.QtGui import QImage

    result = subprocess.run([sys.executable, str(LINUX / "icons.py"), str(tmp_path)], capture_output=True,
                            text=True, timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 0, result.stderr
    for size in (16, 48, 256, 512):
        image = QImage(str(tmp_path / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
        assert (image.width(), image.height()) == (size, size)
        centre = image.pixelColor(size // 2, size // 2)
        corner = image.pixelColor(0, 0)
        assert centre.alpha() == 255 and corner.alpha() < 64   # drawn, with rounded corners
    assert (tmp_path / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
