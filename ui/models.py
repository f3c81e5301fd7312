"""Item models over the core: the incident list and the paged timeline.

``data()`` only looks things up: rows are built when a page is read, with their
display texts already formatted, so scrolling never waits on the database or
on Babel.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING

from warroom.clock import Clock
from warroom.domain import EntryKind, Severity, Status
from warroom.text.durations import duration_text
from warroom.text.timefmt import TimeFormatter
from ui.qt import QAbstractTableModel, QBrush, QColor, QFont, QModelIndex, Qt, plain_tip

if TYPE_CHECKING:  # imported for real once the database is open (see ui.lazy)
    from warroom.services.incidents import IncidentView
    from warroom.services.timeline import EntryView, TimelineQuery
    from warroom.store import Store

SEVERITY_COLORS = {
    Severity.SEV1: QColor("#c62828"),
    Severity.SEV2: QColor("#ef6c00"),
    Severity.SEV3: QColor("#f9a825"),
    Severity.SEV4: QColor("#607d8b"),
}
STATUS_COLORS = {
    Status.INVESTIGATING: QColor("#c62828"),
    Status.IDENTIFIED: QColor("#ef6c00"),
    Status.MITIGATED: QColor("#f9a825"),
    Status.MONITORING: QColor("#1565c0"),
    Status.RESOLVED: QColor("#2e7d32"),
}
KIND_COLORS = {
    EntryKind.STATUS_CHANGE: QColor("#1565c0"),
    EntryKind.SEVERITY_CHANGE: QColor("#c62828"),
    EntryKind.DECISION: QColor("#6a1b9a"),
    EntryKind.ACTION: QColor("#2e7d32"),
    EntryKind.EXTERNAL: QColor("#795548"),
    EntryKind.PUBLISHED: QColor("#00838f"),
    EntryKind.DELIVERY: QColor("#e65100"),
}

#: Item data role carrying the row's id (an incident or entry UUID).
IdRole = Qt.ItemDataRole.UserRole + 1


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class IncidentListModel(QAbstractTableModel):
    """All incidents, active first. Small enough to hold in memory."""

    COLUMNS = ("Sev", "Ref", "Status", "Title", "Open for")
    SEV, REF, STATUS, TITLE, AGE = range(5)

    def __init__(self, clock: Clock, parent=None) -> None:
        super().__init__(parent)
        self.clock = clock
        self._rows: list[IncidentView] = []
        self._bold = _bold()
        self._sev_brushes = {s: QBrush(c) for s, c in SEVERITY_COLORS.items()}
        self._white = QBrush(QColor("white"))
        self._muted = QBrush(QColor("#8a8a8a"))

    def set_incidents(self, rows: list[IncidentView]) -> None:
        if [r.id for r in rows] == [r.id for r in self._rows]:
            self._rows = list(rows)
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.COLUMNS) - 1))
            return
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def incident(self, row: int) -> IncidentView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, incident_id: uuid.UUID) -> int | None:
        for i, r in enumerate(self._rows):
            if r.id == incident_id:
                return i
        return None

    def tick(self) -> None:
        """Time moved on: the age column changes."""
        if self._rows:
            self.dataChanged.emit(self.index(0, self.AGE), self.index(len(self._rows) - 1, self.AGE),
                                  [Qt.ItemDataRole.DisplayRole])

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == self.AGE:
                return "Time since detection (until resolution)"
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.SEV:
                return r.severity.value
            if col == self.REF:
                return r.ref
            if col == self.STATUS:
                return r.status.label
            if col == self.TITLE:
                prefix = ("EXERCISE · " if r.exercise else "") + ("🔒 " if r.confidential else "")
                return prefix + r.title
            if col == self.AGE:
                end = r.resolved_at or self.clock.now()
                return duration_text(end - r.detected_at)
            return None
        if role == Qt.ItemDataRole.BackgroundRole and col == self.SEV and r.active:
            return self._sev_brushes[r.severity]
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.SEV and r.active:
                return self._white
            if not r.active:
                return self._muted
            return None
        if role == Qt.ItemDataRole.FontRole and col in (self.SEV, self.REF) and r.active:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.SEV:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(f"{r.ref} · {r.severity.value} · {r.status.label}\n{r.title}")
        if role == IdRole:
            return r.id
        return None


class TimelineModel(QAbstractTableModel):
    """One incident's timeline, read from the store a page at a time.

    Holds at most ``MAX_PAGES`` pages of prepared rows; a page is read by offset
    from the nearer end, or by key after a cached neighbour when scrolling on.
    """

    COLUMNS = ("UTC", "Local", "Kind", "Author", "Entry")
    UTC, LOCAL, KIND, AUTHOR, TEXT = range(5)
    PAGE = 200
    MAX_PAGES = 64

    def __init__(self, store: Store | None, utc: TimeFormatter, local: TimeFormatter, parent=None, *,
                 viewer: str) -> None:
        super().__init__(parent)
        self.store = store
        #: Who reads: the store refuses a confidential timeline to anyone else.
        self.viewer = viewer
        self.utc = utc
        self.local = local
        self.incident_id: uuid.UUID | None = None
        self.kind: EntryKind | None = None
        self.search: str | None = None
        self._query: TimelineQuery | None = None
        self._count = 0
        self._pages: OrderedDict[int, list[tuple]] = OrderedDict()
        self._tail: uuid.UUID | None = None
        self._bold = _bold()
        self._kind_brushes = {k: QBrush(c) for k, c in KIND_COLORS.items()}
        self.COLUMNS = ("UTC", f"Local ({local.zone_label()})", "Kind", "Author", "Entry")

    # -- what is shown ---------------------------------------------------------

    def set_incident(self, incident_id: uuid.UUID | None) -> None:
        self.incident_id = incident_id
        self._reload()

    def set_filter(self, kind: EntryKind | None = None, search: str | None = None) -> None:
        search = (search or "").strip() or None
        if kind == self.kind and search == self.search:
            return
        self.kind, self.search = kind, search
        self._reload()

    def prepare(self, kind: EntryKind | None, search: str | None) -> TimelineQuery | None:
        """Build and run a query for this incident; safe to call off the GUI thread
        (a search over a long timeline can take longer than a frame)."""
        if self.incident_id is None or self.store is None:
            return None
        from warroom.services.timeline import TimelineQuery

        query = TimelineQuery(self.store, self.incident_id, viewer=self.viewer, kind=kind,
                              search=(search or "").strip() or None)
        query.count()
        return query

    def set_query(self, query: TimelineQuery | None) -> None:
        """Show a prepared query (from :meth:`prepare`)."""
        self.beginResetModel()
        self._pages.clear()
        self._query = query
        if query is None:
            self._count, self._tail = 0, None
        else:
            self.incident_id, self.kind, self.search = query.incident_id, query.kind, query.search
            self._count = query.count()
            self._tail = self._tail_id()
        self.endResetModel()

    def _reload(self) -> None:
        self.set_query(self.prepare(self.kind, self.search))

    def _tail_id(self) -> uuid.UUID | None:
        if not self._count or self._query is None:
            return None
        last = self._query.page(self._count - 1, 1)
        return last[0].id if last else None

    def refresh(self) -> int:
        """Re-read after a change. New rows at the end are inserted (the view keeps
        its place); anything else resets. Returns how many rows were appended."""
        if self._query is None:
            return 0
        old_count, old_tail = self._count, self._tail
        self._query.invalidate()
        new_count = self._query.count()
        appended = 0
        if new_count >= old_count and old_count and self._position_ok(old_count - 1, old_tail):
            self._pages.clear()
            self.dataChanged.emit(self.index(0, 0), self.index(old_count - 1, len(self.COLUMNS) - 1))
            if new_count > old_count:
                self.beginInsertRows(QModelIndex(), old_count, new_count - 1)
                self._count = new_count
                self.endInsertRows()
                appended = new_count - old_count
            self._tail = self._tail_id()
        else:
            self.beginResetModel()
            self._pages.clear()
            self._count = new_count
            self._tail = self._tail_id()
            self.endResetModel()
            appended = new_count if old_count == 0 else 0
        return appended

    def _position_ok(self, row: int, entry_id: uuid.UUID | None) -> bool:
        assert self._query is not None
        found = self._query.page(row, 1)
        return bool(found) and found[0].id == entry_id

    # -- rows ----------------------------------------------------------------------

    def entry(self, row: int) -> EntryView | None:
        prepared = self._row(row)
        return prepared[-1] if prepared else None

    def _row(self, row: int) -> tuple | None:
        if not 0 <= row < self._count:
            return None
        page_no, offset = divmod(row, self.PAGE)
        page = self._pages.get(page_no)
        if page is None:
            page = self._load(page_no)
        else:
            self._pages.move_to_end(page_no)
        return page[offset] if offset < len(page) else None

    def _load(self, page_no: int) -> list[tuple]:
        assert self._query is not None
        before = self._pages.get(page_no - 1)
        if before and len(before) == self.PAGE and not self.search:
            entries = self._query.page_after(before[-1][-1], self.PAGE)
        else:
            entries = self._query.page(page_no * self.PAGE, self.PAGE)
        page = [self._prepare(e) for e in entries]
        self._pages[page_no] = page
        while len(self._pages) > self.MAX_PAGES:
            self._pages.popitem(last=False)
        return page

    def _prepare(self, e: EntryView) -> tuple:
        text = e.text if "\n" not in e.text else " ⏎ ".join(e.text.splitlines())
        if e.edited_at:
            text += "  (edited)"
        return (self.utc.stamp(e.occurred_at), self.local.stamp(e.occurred_at), e.kind.label, e.author, text, e)

    # -- Qt ------------------------------------------------------------------------

    @property
    def truncated(self) -> bool:
        """A search matched more than it shows (see TimelineQuery.MAX_HITS)."""
        return bool(self._query and self._query.truncated)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            row = self._row(index.row())
            return row[index.column()] if row else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if index.column() == self.KIND or self._is_system(index):
                row = self._row(index.row())
                return self._kind_brushes.get(row[-1].kind) if row else None
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._bold if self._is_system(index) and index.column() == self.TEXT else None
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.TEXT:
            row = self._row(index.row())
            if row:
                e: EntryView = row[-1]
                edited = f"\nedited {self.local.full(e.edited_at)}" if e.edited_at else ""
                return plain_tip(f"{e.text}\n\n— {e.author}, {self.local.full(e.occurred_at)}{edited}")
            return None
        if role == IdRole:
            row = self._row(index.row())
            return row[-1].id if row else None
        return None

    def _is_system(self, index: QModelIndex) -> bool:
        row = self._row(index.row())
        return bool(row) and row[-1].kind in (EntryKind.STATUS_CHANGE, EntryKind.SEVERITY_CHANGE,
                                              EntryKind.PUBLISHED)

    def position_of(self, entry_id: uuid.UUID) -> int | None:
        return self._query.position(entry_id) if self._query else None
