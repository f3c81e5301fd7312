"""Who uses the window: a person the register does not know sees why, and is asked who
they are, instead of a traceback and an empty window."""

from __future__ import annotations

from warroom.services import incidents
from ui import person


def test_a_person_not_in_the_register_is_told_and_asked(qtbot, open_window, world, monkeypatch):
    incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV2", category="application")
    asked = []

    def ask_name(window, names, current):
        asked.append((list(names), current))
        return "Dana"
    monkeypatch.setattr(person, "ask_name", ask_name)
    w = open_window(world, "Nobody Known", remember_layout=True)
    assert "'Nobody Known' is not in the people register" in w.header.title.text()
    assert w.incident_model.rowCount() == 0
    assert "Switch person" in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: bool(asked))               # asked once the window is up
    names, current = asked[0]
    assert names[0] == current == "Nobody Known" and "Dana" in names
    assert w.actor == "Dana" and w.incident_model.rowCount() == 1
    assert "Checkout failing" in w.header.title.text()


def test_a_screenshot_or_a_benchmark_is_not_asked(qtbot, open_window, world, monkeypatch):
    monkeypatch.setattr(person, "ask_name", lambda *a: (_ for _ in ()).throw(AssertionError("asked")))
    w = open_window(world, "Nobody Known", remember_layout=False)
    qtbot.wait(50)
    assert "not in the people register" in w.header.title.text()


def answered(qtbot, *steps):
    """What the chooser showed once it was up (its title, whether its field had the focus, the
    names offered and the one chosen); then ``steps`` sent to the field: a text typed, or a
    (key, modifier) pair."""
    from ui.common.ask import AskDialog
    from ui.qt import QApplication, QTimer

    seen = []

    def act():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, AskDialog) or QApplication.focusWidget() is None:
            QTimer.singleShot(10, act)
            return
        field = dialog.field
        seen.append((dialog.windowTitle(), QApplication.focusWidget() is field,
                     [field.itemText(i) for i in range(field.count())], field.currentText()))
        for step in steps:
            if isinstance(step, str):
                qtbot.keyClicks(field, step)
            else:
                qtbot.keyClick(field, *step)

    QTimer.singleShot(0, act)
    return seen


def test_the_chooser_offers_the_register_and_takes_a_typed_name(qtbot, open_window, world):
    from ui.qt import Qt

    w = open_window(world, "Nobody Known", remember_layout=False, active=True)
    no = Qt.KeyboardModifier.NoModifier
    seen = answered(qtbot, (Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier), "  Mia   Lindqvist ",
                    (Qt.Key.Key_Return, no))
    w.choose_person()
    title, focused, names, current = seen[0]
    assert title == "Who are you?" and focused
    assert names[0] == current == "Nobody Known" and "Mia Lindqvist" in names    # the person first, then the register
    assert w.actor == "Mia Lindqvist"                                             # spaces collapsed


def test_escape_keeps_the_person(qtbot, open_window, world):
    from ui.qt import Qt

    w = open_window(world, "Mia Lindqvist", remember_layout=False, active=True)
    seen = answered(qtbot, "Somebody Else", (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier))
    w.choose_person()
    assert seen[0][3] == "Mia Lindqvist" and w.actor == "Mia Lindqvist"
