"""The ``warroom`` program: screenshot, refusing a second window, bad databases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from warroom.services import incidents
from ui import app as app_module
from ui.qt import QLockFile, QMessageBox, QtGui


@pytest.mark.parametrize("view", ["timeline", "templates"])
def test_screenshot_from_the_installed_program(tmp_path, store, seeded, view):
    out = tmp_path / "shot.png"
    exe = shutil.which("warroom", path=str(Path(sys.executable).parent))
    assert exe, "the gui-script entry point is installed"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([exe, "--db", str(store.path), "--screenshot", str(out), "--size", "1200x800",
                             "--view", view], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    # not a blank picture: many distinct colours
    colours = {image.pixel(x, y) for x in range(0, 1200, 7) for y in range(0, 800, 7)}
    assert len(colours) > 20


def test_a_second_window_on_the_same_database_is_refused(qapp, store, seeded, monkeypatch):
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: messages.append(text))
    holder = QLockFile(str(store.path) + ".lock")
    assert holder.tryLock(100)
    try:
        assert app_module.main(["--db", str(store.path)]) == 2
    finally:
        holder.unlock()
    assert "already open" in messages[0]


def test_a_foreign_file_is_refused_with_a_message(qapp, tmp_path, monkeypatch, capsys):
    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: messages.append(text))
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    assert app_module.main(["--db", str(path)]) == 2
    assert "not a War room database" in messages[0]
    assert path.read_text() == "hello"


def test_exit_after_paint_reports_first_paint(store, seeded):
    # In a child process: a finished app.exec() would end this process's event loop for later tests.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "ui.app", "--db", str(store.path), "--exit-after-paint"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    first, ready = result.stdout.split("\n")[:2]
    assert first.startswith("first-paint ") and ready.startswith("ready ")
    assert 0 < float(first.split()[1]) <= float(ready.split()[1]) < 30
    assert incidents.count(store) == 1


def test_the_window_paints_before_sqlalchemy_is_imported():
    """Start-up: the window module does not pull in the database layer."""
    script = ("import sys, ui.app, ui.mainwindow, ui.models, ui.widgets\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'jinja2',"
              " 'detect_secrets') or m.startswith(('warroom.store', 'warroom.services', 'warroom.text.lint'))))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.stdout.strip() == "[]", result.stderr
