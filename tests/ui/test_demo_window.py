"""On the demo, the window lets you act as each of its people, and what they see follows."""

from __future__ import annotations

import pytest

from tests.fakes.keyrings import memory_keyring
from warroom import demo


@pytest.fixture
def demo_window(qtbot, tmp_path):
    import keyring

    from ui.mainwindow import MainWindow
    from ui.ops import Operations
    from warroom.app import open_store
    from warroom.clock import SystemClock

    previous = keyring.get_keyring()
    keyring.set_keyring(memory_keyring())
    store = open_store(tmp_path / "demo.db", clock=SystemClock())
    try:
        demo.create(store)
    finally:
        keyring.set_keyring(previous)
    w = MainWindow(store, "Dana Okafor", ops=Operations(synchronous=True), poll_ms=100_000, remember_layout=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    store.close()


def test_act_as_each_person_of_the_demo(demo_window, monkeypatch):
    from ui import person

    offered: list[list[str]] = []
    choice = {"name": ""}

    def ask_name(window, names, current):
        offered.append(list(names))
        return choice["name"]

    monkeypatch.setattr(person, "ask_name", ask_name)
    secret = "Suspected credential leak in the payroll export"
    for name, _roles, _email, _backups in demo.PEOPLE:
        choice["name"] = name
        demo_window.choose_person()
        assert demo_window.actor == name and demo_window.actor_label.text() == f"as {name}"
        titles = {demo_window.incident_model.incident(r).title for r in range(demo_window.incident_model.rowCount())}
        assert (secret in titles) == (name in ("Ravi Shah", "Priya Nair")), name
        assert "Tabletop: ransomware on the build farm" in titles
        assert demo_window.incident_model.incident(0).ref == "INC-1"  # the outage comes first for everybody
    assert set(offered[0]) == {p[0] for p in demo.PEOPLE}  # everybody is offered
