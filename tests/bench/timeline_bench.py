"""Figure 2: one incident's timeline with a million entries, in this process.

The real ``TimelineModel`` is shown in a real ``QTableView`` set up like the main
window's (``fixed_rows``, its column widths) at 1000x700, offscreen. Times are
medians of several repetitions, in milliseconds, each against a baseline done
side by side in the same run (see :class:`_Plain`): the same SQL through plain
``sqlite3``, and a ``QStandardItemModel`` holding the same screen in a view set
up the same way.
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.bench.common import BenchError, Row, median, ratio_verdict, spread
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

def _setup_view(view, model) -> None:
    from ui.common.tables import fixed_rows

    view.setModel(model)
    fixed_rows(view)  # as the window sets up the timeline
    for col, width in ((0, 150), (1, 150), (2, 110), (3, 130)):
        view.setColumnWidth(col, width)
    view.horizontalHeader().setStretchLastSection(True)
    view.resize(1000, 700)
    view.show()


class _Plain:
    """The baselines: a read-only ``sqlite3`` connection to the same file, and a
    ``QStandardItemModel`` in a view set up like the timeline's."""

    SQL_END = ("SELECT id, kind, text, author, occurred_at FROM timeline_entry WHERE incident_id = ? "
               "ORDER BY occurred_at DESC, id DESC LIMIT ?")

    def __init__(self, db: Path, incident_id: uuid.UUID, app) -> None:
        import sqlite3

        from PySide6.QtGui import QStandardItemModel
        from PySide6.QtWidgets import QTableView

        self.app = app
        self.key = incident_id.hex
        self.con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        self.model = QStandardItemModel(0, 5)
        self.view = QTableView()
        _setup_view(self.view, self.model)
        self.app.processEvents()

    def close(self) -> None:
        self.view.close()
        self.view.deleteLater()
        self.con.close()

    def fill(self, rows: list[tuple]) -> None:
        """The model holds ``rows`` (five texts each), with a colour on the kind column."""
        from PySide6.QtGui import QBrush, QColor, QStandardItem

        brush = QBrush(QColor("#1565c0"))
        self.model.clear()
        self.model.setColumnCount(5)
        for r in rows:
            items = [QStandardItem(str(v)) for v in r[:5]]
            items[2].setForeground(brush)
            self.model.appendRow(items)

    def open_end(self) -> None:
        """Read the last page with the same index the store uses, show it, jump to the end."""
        rows = self.con.execute(self.SQL_END, (self.key, 200)).fetchall()
        self.fill([(r[4], r[4], r[1], r[3], r[2]) for r in reversed(rows)])
        self.view.scrollToBottom()
        self.app.processEvents()

    def search(self, term: str, max_hits: int) -> int:
        """The store's FTS5 query, straight through sqlite3: the matching rowids in time order."""
        from warroom.services.timeline import fts_query

        sql = ("SELECT r FROM (SELECT e.rowid AS r, e.occurred_at AS t, e.id AS i FROM timeline_fts "
               "CROSS JOIN timeline_entry AS e ON e.rowid = timeline_fts.rowid "
               "WHERE timeline_fts MATCH ? AND e.incident_id = ? ORDER BY timeline_fts.rowid DESC LIMIT ?) "
               "ORDER BY t, i")
        return len(self.con.execute(sql, (fts_query(term), self.key, max_hits + 1)).fetchall())

    def page_at(self, offset: int, limit: int) -> int:
        sql = ("SELECT id, kind, text, author, occurred_at, recorded_at, edited_at FROM timeline_entry "
               "WHERE incident_id = ? ORDER BY occurred_at, id LIMIT ? OFFSET ?")
        return len(self.con.execute(sql, (self.key, limit, offset)).fetchall())


class _Scratch:
    """The new-entry baseline: one row inserted with one durable commit (WAL,
    synchronous=FULL, as the store's), appended to a QStandardItemModel, painted."""

    def __init__(self, folder: Path, plain: _Plain) -> None:
        import sqlite3

        self.plain = plain
        self.con = sqlite3.connect(folder / "scratch.db", isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=FULL")
        self.con.execute("CREATE TABLE IF NOT EXISTS entry (id TEXT PRIMARY KEY, at TEXT, text TEXT)")

    def log(self, text: str) -> None:
        from PySide6.QtGui import QStandardItem

        at = time.strftime("%Y-%m-%d %H:%M:%S")
        self.con.execute("BEGIN IMMEDIATE")
        self.con.execute("INSERT INTO entry VALUES (?, ?, ?)", (uuid.uuid4().hex, at, text))
        self.con.execute("COMMIT")
        self.plain.model.appendRow([QStandardItem(v) for v in (at, at, "Note", "bench", text)])
        self.plain.view.scrollToBottom()
        self.plain.app.processEvents()

    def close(self) -> None:
        self.con.close()


class _Bench:
    def __init__(self, db: Path) -> None:
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
        _setup_view(view, self.model)

        class PaintCounter(QObject):
            count = 0

            def eventFilter(self, obj, event) -> bool:
                if event.type() == QEvent.Type.Paint:
                    self.count += 1
                return False

        self.paints = PaintCounter()
        view.viewport().installEventFilter(self.paints)
        self.app.processEvents()
        self.plain = _Plain(db, self.incident_id, self.app)

    def close(self) -> None:
        self.plain.close()
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

    def screen_of_data(self, rows: range, model=None) -> Callable[[], None]:
        """A function making the data() calls one paint of ``rows`` makes."""
        model = model if model is not None else self.model
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
        times, plain = [], []
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
            plain.append(_ms(self.plain.open_end))
        rows = self.visible_rows()
        if rows.stop != self.model.rowCount():
            raise BenchError(f"scrollToBottom shows rows {rows.start}..{rows.stop - 1} of {self.model.rowCount()}")
        return _ratio_row("2a", "Open INC-1 (1M entries) and jump to the end, painted", times, plain,
                          "the last page through sqlite3 into a QStandardItemModel, painted", TARGETS["2a"])

    def screen_warm(self, reps: int) -> tuple[Row, Row]:
        self.reset()
        self.show_end()
        rows = self.visible_rows()
        page = self.screen_of_data(rows)
        page()  # make sure every row on screen is cached
        model = self.model
        self.plain.fill([tuple(model.data(model.index(r, c)) for c in range(5)) for r in rows])
        plain_page = self.screen_of_data(range(len(rows)), self.plain.model)
        times, plain = [], []
        nones = _nones_returned(range(len(rows)), self.plain.model)
        for _ in range(reps):
            times.append(_ms(page))
            plain.append(_ms(plain_page))
            _give_back_none(nones)
        calls = len(rows) * self.model.columnCount() * len(PAINT_ROLES)
        data_row = _ratio_row("2b", f"data() for a screen ({len(rows)} rows x 5 cols x {len(PAINT_ROLES)} roles), "
                                    "cached", times, plain, "a QStandardItemModel holding the same screen",
                              TARGETS["2b"], ".2f",
                              f"{calls} calls, {median(times) * 1000 / calls:.1f} µs each")
        # The same screen as the view paints it (index(), data() via C++, the delegate's drawing).
        self.plain.view.scrollToTop()
        self.app.processEvents()
        repaint, plain_repaint = [], []
        for _ in range(reps):
            repaint.append(_ms(self.view.viewport().repaint))
            plain_repaint.append(_ms(self.plain.view.viewport().repaint))
        paint_row = _ratio_row("2b-paint", "Repaint of that screen by the view, cached", repaint, plain_repaint,
                               "the same screen of a QStandardItemModel, repainted", TARGETS["2b-paint"], ".2f")
        return data_row, paint_row

    def screen_cold(self, reps: int, visible: int) -> Row:
        # A screen inside one page far from the cached ones: its first data() call reads the page.
        start = MIDDLE - MIDDLE % self.model.PAGE + 40
        rows = range(start, start + visible)
        times, plain = [], []
        for _ in range(reps):
            self.reset()
            times.append(_ms(self.screen_of_data(rows)))
            plain.append(_ms(lambda: self.plain.page_at(start - 40, self.model.PAGE)))
        return _ratio_row("2b-cold", f"data() for a screen at row {start:,}, not cached (a page read and "
                                     "formatted)", times, plain, "the same page read through sqlite3", None)

    def middle_page_load(self, reps: int) -> tuple[Row, Row]:
        model = self.model
        times, plain = [], []
        for _ in range(reps):
            self.reset()
            text = None

            def run() -> None:
                nonlocal text
                text = model.data(model.index(MIDDLE, model.TEXT))
            times.append(_ms(run))
            if not isinstance(text, str):
                raise BenchError(f"row {MIDDLE:,} has no text: {text!r}")
            plain.append(_ms(lambda: self.plain.page_at(MIDDLE - MIDDLE % model.PAGE, model.PAGE)))
        load_row = _ratio_row("2e", f"data(index({MIDDLE:,}, 4)) on a cold cache (a page read and formatted)",
                              times, plain, "the same page read through sqlite3", TARGETS["2e"])
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
        drag_row = _ratio_row("2e-scroll", f"Scroll from the end to row {MIDDLE:,}, painted", drag, plain,
                              "the same page read through sqlite3", None)
        return load_row, drag_row

    def search(self, key: str, term: str, reps: int) -> Row:
        from warroom.services.timeline import TimelineQuery

        model = self.model
        times, shown, plain = [], [], []
        for _ in range(reps):
            self.reset()
            self.show_end()
            started = time.perf_counter()
            model.set_filter(search=term)
            filtered = time.perf_counter()
            self.show_end()  # as the window does after filtering: show the newest matches
            times.append((filtered - started) * 1000)
            shown.append((time.perf_counter() - started) * 1000)
            plain.append(_ms(lambda: self.plain.search(term, TimelineQuery.MAX_HITS)))
        matches = model.rowCount()
        # A search of a few matches is all fixed cost (the access check, the count, the last row: a
        # few sessions), which the bare query does not pay: a figure for information.
        extra = f"with the matches painted: median {median(shown):.1f} ms"
        if matches < 1000:
            extra += "; with few matches the search's fixed cost (access check, count, last row) is the figure"
        return _ratio_row(key, f'Search "{term}" ({matches:,} matches)', times, plain,
                          "the same FTS5 query through sqlite3", TARGETS["2c"] if matches >= 1000 else None,
                          ".1f", extra)

    def new_entry(self, reps: int, folder: Path) -> Row:
        from warroom.services import timeline

        self.reset()
        self.show_end()
        scratch = _Scratch(folder, self.plain)
        times, writes, plain = [], [], []
        try:
            for i in range(reps):
                text = f"bench entry {i + 1} {uuid.uuid4().hex[:8]}"
                started = time.perf_counter()
                timeline.log(self.store, "Dana Okafor", self.incident_id, text)  # the demo's commander
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
                plain.append(_ms(lambda: scratch.log(text)))
        finally:
            scratch.close()
        return _ratio_row("2d", "New entry logged until it is the last row, painted", times, plain,
                          "one row inserted with one durable commit, appended to a QStandardItemModel, painted",
                          TARGETS["2d"], ".1f",
                          f"of which the write (timeline.log, with its journal event): median {median(writes):.1f} ms")


def _nones_returned(rows: range, model) -> int:
    """How many of a screen's data() calls on ``model`` give None (counted once, untimed)."""
    count = 0
    for r in rows:
        for c in range(model.columnCount()):
            index = model.index(r, c)
            for role in PAINT_ROLES:
                value = model.data(index, role)
                count += value is None
                del value
    _give_back_none(count)
    return count


def _give_back_none(times: int) -> None:
    """PySide6 (6.x, Python before 3.12) drops a reference to None each time a C++
    model's data() called from Python gives an empty QVariant; without this the
    interpreter aborts after a few thousand calls. Python 3.12 made None immortal."""
    if sys.version_info >= (3, 12) or not times:
        return
    import ctypes

    inc = ctypes.pythonapi.Py_IncRef
    inc.argtypes = [ctypes.py_object]
    for _ in range(times):
        inc(None)


#: Ratio targets against each figure's baseline (None: information only).
TARGETS: dict[str, float | None] = {"2a": 3.0, "2b": 3.0, "2b-paint": 2.0, "2c": 1.5, "2d": 4.0, "2e": 3.0}


def _ratio_row(key: str, figure: str, times: list[float], plain: list[float], baseline: str,
               target: float | None, fmt: str = ".1f", extra: str = "") -> Row:
    med, base = median(times), median(plain)
    note = f"{spread(times, 'ms', fmt)}; baseline, {baseline}: {spread(plain, 'ms', fmt)}"
    return Row(key, figure, "—" if target is None else f"≤ {target:g}x baseline",
               f"{med:{fmt}} ms vs {base:{fmt}} ms", ratio_verdict(med / base, target, "baseline")
               + ("" if target is not None else " — info"), [note + (f"; {extra}" if extra else "")])


def measure(db: Path, reps: int = 5) -> list[Row]:
    bench = _Bench(db)
    try:
        print("  open and jump to the end …", flush=True)
        rows = [bench.open_and_jump_to_end(reps + 2)]
        print("  a screen of data(), cached and not …", flush=True)
        rows.extend(bench.screen_warm(max(50, reps)))
        rows.append(bench.screen_cold(reps, len(bench.visible_rows())))
        print("  searches …", flush=True)
        rows.append(bench.search("2c-rare", "sample 4242", reps))
        rows.append(bench.search("2c-common", "replica", reps))
        print("  a new entry …", flush=True)
        with tempfile.TemporaryDirectory(prefix="warroom-bench-") as tmp:
            rows.append(bench.new_entry(reps + 2, Path(tmp)))
        print("  the middle of the timeline …", flush=True)
        rows.extend(bench.middle_page_load(reps))
    finally:
        bench.close()
    return rows
