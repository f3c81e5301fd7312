"""Figure 2: one incident's timeline with a million entries, in this process.

The real ``TimelineModel`` is shown in a real ``QTableView`` set up like the main
window's (``_fixed_rows``, its column widths) at 1000x700, offscreen. Times are
medians of several repetitions, in milliseconds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.bench.common import BenchError, Row, median, spread, verdict
from warroom.identity import SYSTEM

MIDDLE = 500_000
# The roles QStyledItemDelegate asks of every cell it paints (seen with PySide6 6.12):
# display, decoration, font, alignment, background, foreground, check state.
# They are passed as ints, as the view passes them.
PAINT_ROLES = (0, 1, 6, 7, 8, 9, 10)


def _ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


class _Bench:
    def __init__(self, db: Path) -> None:
        from ui.mainwindow import _fixed_rows
        from ui.models import TimelineModel
        from ui.qt import QApplication, QEvent, QObject, QTableView
        from warroom.services import incidents
        from warroom.store import Store
        from warroom.text.timefmt import TimeFormatter

        self.app = QApplication.instance() or QApplication(["warroom-bench"])
        self.store = Store.open(db)
        self.incident_id: uuid.UUID = incidents.get(self.store, "INC-1", viewer=SYSTEM).id
        self.model = TimelineModel(self.store, TimeFormatter("en_GB", "UTC"), TimeFormatter("en_GB", "Europe/Berlin"), viewer=SYSTEM)
        self.view = view = QTableView()
        view.setModel(self.model)
        _fixed_rows(view)  # as ui/mainwindow.py sets up the timeline
        for col, width in ((0, 150), (1, 150), (2, 110), (3, 130)):
            view.setColumnWidth(col, width)
        view.horizontalHeader().setStretchLastSection(True)
        view.resize(1000, 700)
        view.show()

        class PaintCounter(QObject):
            count = 0

            def eventFilter(self, obj, event) -> bool:
                if event.type() == QEvent.Type.Paint:
                    self.count += 1
                return False

        self.paints = PaintCounter()
        view.viewport().installEventFilter(self.paints)
        self.app.processEvents()

    def close(self) -> None:
        self.view.close()
        self.view.deleteLater()
        self.app.processEvents()
        self.store.close()

    # -- helpers -------------------------------------------------------------

    def show_end(self) -> None:
        self.view.scrollToBottom()
        self.app.processEvents()

    def reset(self) -> None:
        """Open the incident afresh, unfiltered: the model's page cache is empty."""
        self.model.set_filter(None, None)
        self.model.set_incident(self.incident_id)

    def visible_rows(self) -> range:
        first = self.view.rowAt(0)
        last = self.view.rowAt(self.view.viewport().height() - 1)
        if last < 0:
            last = self.model.rowCount() - 1
        return range(first, last + 1)

    def screen_of_data(self, rows: range) -> Callable[[], None]:
        """A function making the data() calls one paint of ``rows`` makes."""
        model = self.model
        indexes = [model.index(r, c) for r in rows for c in range(model.columnCount())]

        def page() -> None:
            for index in indexes:
                for role in PAINT_ROLES:
                    model.data(index, role)
        return page

    def last_text(self) -> str | None:
        model = self.model
        return model.data(model.index(model.rowCount() - 1, model.TEXT))

    # -- the figures --------------------------------------------------------------

    def open_and_jump_to_end(self, reps: int) -> Row:
        times = []
        for _ in range(reps):
            self.model.set_incident(None)
            self.app.processEvents()
            painted = self.paints.count

            def run() -> None:
                self.model.set_incident(self.incident_id)
                self.view.scrollToBottom()
                self.app.processEvents()
            times.append(_ms(run))
            if self.paints.count == painted:
                raise BenchError("opening the incident did not paint the view: the figure would be wrong")
        rows = self.visible_rows()
        if rows.stop != self.model.rowCount():
            raise BenchError(f"scrollToBottom shows rows {rows.start}..{rows.stop - 1} of {self.model.rowCount()}")
        return Row("2a", "Open INC-1 (1M entries) and jump to the end, painted", "< 100 ms",
                   f"{median(times):.1f} ms", verdict(median(times), 100),
                   [spread(times, "ms")])

    def screen_warm(self, reps: int) -> tuple[Row, Row]:
        self.reset()
        self.show_end()
        rows = self.visible_rows()
        page = self.screen_of_data(rows)
        page()  # make sure every row on screen is cached
        times = [_ms(page) for _ in range(reps)]
        calls = len(rows) * self.model.columnCount() * len(PAINT_ROLES)
        data_row = Row("2b", f"data() for a screen ({len(rows)} rows x 5 cols x {len(PAINT_ROLES)} roles), cached",
                       "< 4 ms", f"{median(times):.2f} ms", verdict(median(times), 4),
                       [spread(times, "ms", ".2f") + f"; {calls} calls, "
                        f"{median(times) * 1000 / calls:.1f} µs each"])
        # The same screen as the view paints it (index(), data() via C++, the delegate's drawing).
        viewport = self.view.viewport()
        repaint = [_ms(viewport.repaint) for _ in range(reps)]
        paint_row = Row("2b-paint", "Repaint of that screen by the view, cached (info)", "—",
                        f"{median(repaint):.2f} ms", "info", [spread(repaint, "ms", ".2f")])
        return data_row, paint_row

    def screen_cold(self, reps: int, visible: int) -> Row:
        # A screen inside one page far from the cached ones: its first data() call reads the page.
        start = MIDDLE - MIDDLE % self.model.PAGE + 40
        rows = range(start, start + visible)
        times = []
        for _ in range(reps):
            self.reset()
            times.append(_ms(self.screen_of_data(rows)))
        return Row("2b-cold", f"data() for a screen at row {start:,}, not cached (page load; info)", "—",
                   f"{median(times):.1f} ms", "info",
                   [spread(times, "ms")])

    def middle_page_load(self, reps: int) -> tuple[Row, Row]:
        model = self.model
        times = []
        for _ in range(reps):
            self.reset()
            text = None

            def run() -> None:
                nonlocal text
                text = model.data(model.index(MIDDLE, model.TEXT))
            times.append(_ms(run))
            if not isinstance(text, str):
                raise BenchError(f"row {MIDDLE:,} has no text: {text!r}")
        load_row = Row("2e", f"data(index({MIDDLE:,}, 4)) on a cold cache (page load; info)", "—",
                       f"{median(times):.1f} ms", "info", [spread(times, "ms")])
        # What a user sees when dragging the scroll bar to the middle: scroll, load, paint.
        drag = []
        for _ in range(reps):
            self.reset()
            self.show_end()

            def scroll() -> None:
                self.view.scrollTo(model.index(MIDDLE, 0), self.view.ScrollHint.PositionAtTop)
                self.app.processEvents()
            drag.append(_ms(scroll))
            if abs(self.view.rowAt(0) - MIDDLE) > 1:
                raise BenchError(f"scrolling to row {MIDDLE:,} shows row {self.view.rowAt(0):,} at the top")
        drag_row = Row("2e-scroll", f"Scroll from the end to row {MIDDLE:,}, painted (info)", "—",
                       f"{median(drag):.1f} ms", "info", [spread(drag, "ms")])
        return load_row, drag_row

    def search(self, key: str, term: str, reps: int) -> Row:
        model = self.model
        times, shown = [], []
        for _ in range(reps):
            self.reset()
            self.show_end()
            started = time.perf_counter()
            model.set_filter(search=term)
            filtered = time.perf_counter()
            self.show_end()  # as the window does after filtering: show the newest matches
            times.append((filtered - started) * 1000)
            shown.append((time.perf_counter() - started) * 1000)
        matches = model.rowCount()
        return Row(key, f'Search "{term}" ({matches:,} matches)', "< 50 ms", f"{median(times):.1f} ms",
                   verdict(median(times), 50),
                   [spread(times, "ms") + f"; with the matches painted: median {median(shown):.1f} ms"])

    def new_entry(self, reps: int) -> Row:
        from warroom.services import timeline

        self.reset()
        self.show_end()
        times, writes = [], []
        for i in range(reps):
            text = f"bench entry {i + 1} {uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            timeline.log(self.store, "bench", self.incident_id, text)
            written = time.perf_counter()
            self.model.refresh()
            self.show_end()
            deadline = started + 10
            while self.last_text() != text:
                if time.perf_counter() > deadline:
                    raise BenchError(f"the new entry {text!r} was not the last row after 10 s")
                self.app.processEvents()
            times.append((time.perf_counter() - started) * 1000)
            writes.append((written - started) * 1000)
        return Row("2d", "New entry logged until it is the last row, painted", "< 50 ms",
                   f"{median(times):.1f} ms", verdict(median(times), 50),
                   [spread(times, "ms") + f"; of which the write (timeline.log): median {median(writes):.1f} ms"])


def measure(db: Path, reps: int = 5) -> list[Row]:
    bench = _Bench(db)
    try:
        print("  open and jump to the end …", flush=True)
        rows = [bench.open_and_jump_to_end(reps + 2)]
        print("  a screen of data(), cached and not …", flush=True)
        rows.extend(bench.screen_warm(50))
        rows.append(bench.screen_cold(reps, len(bench.visible_rows())))
        print("  searches …", flush=True)
        rows.append(bench.search("2c-rare", "sample 4242", reps))
        rows.append(bench.search("2c-common", "replica", reps))
        print("  a new entry …", flush=True)
        rows.append(bench.new_entry(reps + 2))
        print("  the middle of the timeline …", flush=True)
        rows.extend(bench.middle_page_load(reps))
    finally:
        bench.close()
    return rows
