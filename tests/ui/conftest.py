"""Window fixtures: a real database, a simulated clock, synchronous operations."""

from __future__ import annotations

import pytest

from warroom.services import incidents, timeline


@pytest.fixture
def seeded(store, clock):
    inc = incidents.open_incident(store, "Dana", title="Checkout failing in Europe", severity="SEV2",
                                  category="application", customer_facing=True, components=["Checkout"])
    for i, text in enumerate(["Error rate at 38%", "Rolled back release 2.4.1", "Vendor confirms packet loss"]):
        clock.advance(60)
        timeline.log(store, "Dana", inc.id, text, kind=["note", "action", "external"][i])
    return inc


@pytest.fixture
def window(qtbot, store, seeded, monkeypatch):
    from ui.mainwindow import MainWindow
    from ui.ops import Operations
    from warroom.text.timefmt import TimeFormatter

    errors: list[BaseException] = []
    ops = Operations(synchronous=True)
    w = MainWindow(store, "Tess Tester", ops=ops, local=TimeFormatter("en_GB", "Europe/Berlin"), poll_ms=100_000)
    monkeypatch.setattr(w, "show_error", errors.append)  # no modal boxes in tests
    w.errors = errors
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture(autouse=True)
def confirmations(monkeypatch):
    """Questions asked before what cannot be undone (publishing): recorded, and
    answered with ``confirmations.answer`` (yes unless a test says otherwise)."""
    import ui.composer

    class Asked(list):
        answer = True

    asked = Asked()

    def confirm(parent, title, text, action):
        asked.append(text)
        return asked.answer

    monkeypatch.setattr(ui.composer, "confirm", confirm)
    return asked
