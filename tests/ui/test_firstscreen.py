"""The window shows the first screen before the store is open, and the store takes over."""

from __future__ import annotations

from datetime import timedelta

from ui import firstscreen
from ui.mainwindow import MainWindow
from ui.ops import Operations
from warroom.domain import EntryKind
from warroom.services import timeline
from warroom.text.timefmt import TimeFormatter


def test_first_screen_then_the_store_takes_over(qtbot, store, seeded, clock):
    earlier = clock.now() - timedelta(hours=1)
    timeline.bulk_log(store, "Dana", seeded.id,
                      ((EntryKind.NOTE, f"probe {i}", earlier + timedelta(seconds=i)) for i in range(450)))
    window = MainWindow(None, "Tess Tester", ops=Operations(synchronous=True),
                        local=TimeFormatter("en_GB", "Europe/Berlin"), poll_ms=100_000, remember_layout=False)
    qtbot.addWidget(window)
    assert firstscreen.show(window, store.path, "Tess Tester")
    window.show()
    qtbot.waitExposed(window)
    model = window.timeline_model
    last = model.rowCount() - 1
    assert model.rowCount() == 454 and model.from_first_screen
    assert model.data(model.index(last, model.TEXT)) == "Vendor confirms packet loss"
    assert model.data(model.index(0, model.TEXT)) is None       # far from the end: waits for the store
    assert window.incident_view.currentIndex().row() == 0
    assert seeded.ref in window.header.title.text()
    assert not window.quick.isEnabled() and not window.header.status_button.isEnabled()
    assert window.timeline_view.rowAt(window.timeline_view.viewport().height() - 1) in (last, -1)

    window.attach(store)
    firstscreen.take_over(window)
    assert not model.from_first_screen and model.rowCount() == 454
    assert model.data(model.index(0, model.TEXT)) is not None
    assert model.data(model.index(last, model.TEXT)) == "Vendor confirms packet loss"
    assert window.quick.isEnabled() and window.header.status_button.isEnabled()
    window.quick.submitted.emit(EntryKind.NOTE, "Still failing")
    assert model.data(model.index(model.rowCount() - 1, model.TEXT)) == "Still failing"


def test_nothing_to_show_before_the_store(qtbot, tmp_path):
    window = MainWindow(None, "Tess Tester", poll_ms=100_000, remember_layout=False)
    qtbot.addWidget(window)
    assert not firstscreen.show(window, tmp_path / "new.db", "Tess Tester")
    assert window.timeline_model.rowCount() == 0 and not window.timeline_model.from_first_screen
