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
    seen = dict(line.split() for line in result.stdout.splitlines() if line.strip())
    # The first screen is read without the ORM: the timeline is painted with the window.
    assert 0 < float(seen["first-paint"]) <= float(seen["timeline-shown"]) <= float(seen["ready"]) < 30
    assert incidents.count(store) == 1


def test_the_window_paints_before_sqlalchemy_is_imported():
    """Start-up: the window module does not pull in the database layer."""
    script = ("import sys, ui.app, ui.mainwindow, ui.models, ui.widgets\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'jinja2',"
              " 'detect_secrets') or m.startswith(('warroom.store', 'warroom.services', 'warroom.text.lint'))))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.stdout.strip() == "[]", result.stderr


def test_the_window_is_built_before_sqlalchemy_is_imported():
    """Building the window (every tab's frame, the Retrospective's legend included) needs
    no database layer either: the first paint waits for none of it."""
    script = ("import sys\nfrom ui.qt import QApplication\napp = QApplication([])\n"
              "from ui.mainwindow import MainWindow\n"
              "w = MainWindow(None, 'Dana', remember_layout=False, dispatch=False)\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic', 'jinja2')"
              " or m.startswith(('warroom.store', 'warroom.services', 'warroom.retro.figures'))))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize("view", ["reviews", "stakeholders", "declare", "channels"])
def test_screenshot_views_of_the_dialogs(tmp_path, store, seeded, view):
    out = tmp_path / f"{view}.png"
    result = subprocess.run([sys.executable, "-m", "ui.app", "--db", str(store.path), "--screenshot", str(out),
                             "--size", "1280x720", "--view", view],
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    image = QtGui.QImage(str(out))
    assert image.width() > 300 and image.height() > 200
    assert len({image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}) > 5


def _black_share(image) -> float:
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    points = [(x, y) for x in range(0, image.width(), 5) for y in range(0, image.height(), 5)]
    return sum(1 for x, y in points if QtGui.QColor(image.pixel(x, y)).lightness() < 16) / len(points)


@pytest.mark.parametrize("view", ["stakeholders", "declare"])
def test_dialogs_paint_on_a_real_x_server(tmp_path, store, seeded, view):
    """Under Xvfb (a real X server), a dialog the window opens is grabbed once it is on
    screen and painted: its pixels are not black."""
    xvfb_run = shutil.which("xvfb-run")
    if shutil.which("Xvfb") is None or xvfb_run is None:
        if os.environ.get("WARROOM_REQUIRE_DESKTOP_TOOLS") == "1":
            pytest.fail("Xvfb is not installed, and this run requires it")
        pytest.skip("Xvfb is not installed (apt-get install xvfb): the X11 paint check needs it")
    out = tmp_path / f"{view}.png"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", WARROOM_NO_DISPATCH="1")
    result = subprocess.run([xvfb_run, "-a", "-s", "-screen 0 1600x1000x24", sys.executable, "-m", "ui.app",
                             "--db", str(store.path), "--screenshot", str(out), "--size", "1280x720", "--view", view],
                            env=env, capture_output=True, text=True, timeout=120)
    if "cannot open on X11" in result.stderr and os.environ.get("WARROOM_REQUIRE_DESKTOP_TOOLS") != "1":
        pytest.skip(result.stderr.splitlines()[0])   # names the missing libraries
    assert result.returncode == 0, result.stderr
    image = QtGui.QImage(str(out))
    assert not image.isNull() and _black_share(image) < 0.2
