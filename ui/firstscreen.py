"""The window's first screen before the store is open.

Right after the window's first paint, :func:`show` fills the incident list, the
header and the end of the first incident's timeline from
:mod:`warroom.firstscreen` (plain ``sqlite3``, no SQLAlchemy), so they are on
screen before the database layer is imported. Nothing can be changed yet:
the quick entry and the header's buttons wait for ``MainWindow.attach``, which
reads the same rows through the store and takes over.
"""

from __future__ import annotations

import time
from pathlib import Path

from warroom import firstscreen
from ui.qt import QEvent, QObject

#: The benchmark's watcher: a Python event filter must be referenced from Python to stay alive.
_watching: list[QObject] = []


class TimelineShown(QObject):
    """Prints ``timeline-shown <seconds>`` (for the start-up benchmark) the first
    time the timeline's rows are painted, however they were read."""

    def __init__(self, window, started: float) -> None:
        super().__init__(window)
        self.started = started
        self.model = window.timeline_model
        self.done = False
        window.timeline_view.viewport().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if not self.done and event.type() == QEvent.Type.Paint and self.model.rowCount() > 0:
            self.done = True
            print(f"timeline-shown {time.perf_counter() - self.started:.4f}", flush=True)
        return False


def watch(window, started: float) -> None:
    """Print ``timeline-shown`` when the timeline's rows are first painted."""
    _watching.append(TimelineShown(window, started))


def show(window, db: Path, actor: str) -> bool:
    """Show the first screen of ``db`` as ``actor`` sees it; False when it must wait
    for the store (see :func:`warroom.firstscreen.read`)."""
    screen = firstscreen.read(db, actor, page=window.timeline_model.PAGE)
    if screen is None:
        return False
    window.incident_model.set_incidents(screen.incidents)
    incident = screen.incident
    window.header.show_incident(incident, [])
    window.header.severity_button.setEnabled(False)
    window.header.status_button.setEnabled(False)
    if incident is not None:
        # Current without telling the window (it would read the timeline from the store,
        # which is not open yet); take_over() reads it once the store is.
        selection = window.incident_view.selectionModel()
        selection.blockSignals(True)
        try:
            window.incident_view.setCurrentIndex(window.incident_model.index(0, 0))
        finally:
            selection.blockSignals(False)
        window.timeline_model.show_first_screen(incident.id, screen.count, screen.first, screen.entries)
        window.scroll_to_end()
    return True


def take_over(window) -> None:
    """After ``window.attach(store)``: the timeline of the first screen is read anew
    through the store (the incident shown then, should the list have changed)."""
    model = window.timeline_model
    if not model.from_first_screen or model.store is None:
        return
    current = window.incident_model.incident(window.incident_view.currentIndex().row())
    window.timeline.set_incident(current.id if current is not None else None)
