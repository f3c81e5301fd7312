"""Who uses the window: a person the register does not know sees why, and is asked who
they are, instead of a traceback and an empty window."""

from __future__ import annotations

from warroom.services import incidents
from ui import person


def test_a_person_not_in_the_register_is_told_and_asked(qtbot, open_window, world, monkeypatch):
    incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV2", category="application")
    asked = []

    def get_item(parent, title, label, names, current, editable):
        asked.append(list(names))
        return "Dana", True
    monkeypatch.setattr(person.QInputDialog, "getItem", get_item)
    w = open_window(world, "Nobody Known", remember_layout=True)
    assert "'Nobody Known' is not in the people register" in w.header.title.text()
    assert w.incident_model.rowCount() == 0
    assert "Switch person" in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: bool(asked))               # asked once the window is up
    assert asked[0][0] == "Nobody Known" and "Dana" in asked[0]
    assert w.actor == "Dana" and w.incident_model.rowCount() == 1
    assert "Checkout failing" in w.header.title.text()


def test_a_screenshot_or_a_benchmark_is_not_asked(qtbot, open_window, world, monkeypatch):
    monkeypatch.setattr(person.QInputDialog, "getItem", lambda *a: (_ for _ in ()).throw(AssertionError("asked")))
    w = open_window(world, "Nobody Known", remember_layout=False)
    qtbot.wait(50)
    assert "not in the people register" in w.header.title.text()
