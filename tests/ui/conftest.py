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
def open_window(qtbot, monkeypatch):
    """The one way tests open the main window: on ``store``, as ``actor``, with synchronous
    operations, times in ``zone``, no polling, and errors recorded in ``w.errors``
    instead of modal boxes. Every window made is closed before the database is."""
    from ui.mainwindow import MainWindow
    from ui.ops import Operations
    from ui.qt import qt_alive
    from warroom.timefmt import TimeFormatter

    made = []

    def make(store, actor: str = "Tess Tester", *, zone: str = "Europe/Berlin", active: bool = False, **kwargs):
        w = MainWindow(store, actor, ops=Operations(synchronous=True), local=TimeFormatter("en_GB", zone),
                       poll_ms=100_000, **kwargs)
        errors: list[BaseException] = []
        monkeypatch.setattr(w, "show_error", errors.append)  # no modal boxes in tests
        w.errors = errors
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        if active:
            w.activateWindow()
            qtbot.waitActive(w)  # shortcuts go to the active window
        made.append(w)
        return w

    yield make
    for w in made:
        if qt_alive(w):
            w.close()


@pytest.fixture
def window(open_window, store, seeded):
    return open_window(store)


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
