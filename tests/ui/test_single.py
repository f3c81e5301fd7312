"""One window per database: a second launch hands its files to the open window,
which comes forward and opens them (an archive verified, a scenario offered as an
exercise); anything else on its socket is ignored."""

from __future__ import annotations

import subprocess
import sys

from tests.unit.exercise.conftest import FACILITATOR, SMALL
from ui import single
from ui.qt import QMessageBox
from warroom.exercise import run

TELL = ("import sys\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "app = QCoreApplication(sys.argv[:1])\n"
        "from ui import single\n"
        "sys.exit(0 if single.tell(sys.argv[1], sys.argv[2:]) else 1)\n")


def _launch(name: str, *files) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", TELL, name, *map(str, files)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_each_database_and_user_has_its_own_name(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert single.server_name(a) == single.server_name(tmp_path / "." / "a.db")
    assert single.server_name(a) != single.server_name(b)


def test_a_second_launch_hands_its_files_to_the_open_window(qtbot, tmp_path):
    listener = single.Listener(single.server_name(tmp_path / "w.db"))
    assert listener.listen()
    archive = tmp_path / "INC-1.warroom.zip"
    try:
        with qtbot.waitSignal(listener.asked, timeout=10_000) as got:
            proc = _launch(listener.name, archive)
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=10_000)
    finally:
        listener.close()
    _out, err = proc.communicate(timeout=10)
    assert got.args == [[str(archive.resolve())]]
    assert proc.returncode == 0, err


def test_no_window_open_means_the_launch_is_told_so(qapp, tmp_path):
    proc = _launch(single.server_name(tmp_path / "none.db"))
    proc.communicate(timeout=30)
    assert proc.returncode == 1


def test_a_flood_or_a_foreign_message_is_dropped(qtbot, tmp_path):
    from PySide6.QtNetwork import QLocalSocket

    listener = single.Listener(single.server_name(tmp_path / "x.db"))
    assert listener.listen()
    asked = []
    listener.asked.connect(asked.append)
    try:
        for payload in (b"x" * (single.MAX_MESSAGE + 10), b'{"open": "/etc/passwd"}\n', b"not json\n"):
            sock = QLocalSocket()
            sock.connectToServer(listener.name)
            assert sock.waitForConnected(2000)
            sock.write(payload)
            sock.flush()
            qtbot.waitUntil(lambda s=sock: s.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=5000)
    finally:
        listener.close()
    assert asked == []


def test_an_archive_opened_this_way_is_verified(window, seeded, tmp_path, memory_keyring):
    out = tmp_path / "INC-1.warroom.zip"
    window.export_archive(out)
    single.open_files(window, [str(out)])
    assert window.last_report.ok and "is intact" in window.last_report.headline.text()
    window.last_report.close()


def test_a_scenario_opened_this_way_starts_an_exercise_once_agreed(open_window, store, tmp_path, memory_keyring,
                                                                   monkeypatch):
    from ui.exercise import start_from_file

    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    window = open_window(store, FACILITATOR)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    single.open_files(window, [str(path)], lambda p: start_from_file(window, p))
    assert run.list_exercises(store, viewer=FACILITATOR) == []      # said no
    single.open_files(window, [str(path)], lambda p: start_from_file(window, p))
    [started] = run.list_exercises(store, viewer=FACILITATOR)
    assert window.tabs.currentWidget() is window.facilitator
    assert f"Exercise {started.ref} started" in window.statusBar().currentMessage()


def test_something_else_is_not_opened(window, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    single.open_files(window, [str(path)])
    assert "does not open notes.txt" in window.statusBar().currentMessage()
