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
from warroom.domain import EntryKind
from warroom.text.durations import duration_text
from warroom.text.timefmt import TimeFormatter
from ui.common import palette
from ui.qt import QAbstractTableModel, QBrush, QColor, QFont, QModelIndex, Qt, plain_tip
from ui.i18n import N_, term, tr as _

if TYPE_CHECKING:  # imported for real once the database is open (see ui.lazy)
    from warroom.services.incidents import IncidentView
    from warroom.services.timeline import EntryView, TimelineQuery
    from warroom.store import Store

#: Item data role carrying the row's id (an incident or entry UUID).
IdRole = Qt.ItemDataRole.UserRole + 1

# The roles the timeline answers, as ints (comparing ints is what data() can afford).
_DISPLAY, _FOREGROUND, _FONT, _TOOLTIP = (int(r) for r in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole,
                                                          Qt.ItemDataRole.FontRole, Qt.ItemDataRole.ToolTipRole))
_IDROLE = int(IdRole)
_TIMELINE_ROLES = frozenset((_DISPLAY, _FOREGROUND, _FONT, _TOOLTIP, _IDROLE))
_SYSTEM_KINDS = frozenset((EntryKind.STATUS_CHANGE, EntryKind.SEVERITY_CHANGE, EntryKind.PUBLISHED))


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class IncidentListModel(QAbstractTableModel):
    """All incidents, active first. Small enough to hold in memory."""

    COLUMNS = (N_("Sev"), N_("Ref"), N_("Status"), N_("Title"), N_("Open for"))
    SEV, REF, STATUS, TITLE, AGE = range(5)

    def __init__(self, clock: Clock, parent=None) -> None:
        super().__init__(parent)
        self.clock = clock
        self._rows: list[IncidentView] = []
        self._bold = _bold()

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
                return _(self.COLUMNS[section])
            if role == Qt.ItemDataRole.ToolTipRole and section == self.AGE:
                return _("Time since detection (until resolution)")
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
                return term(r.status)
            if col == self.TITLE:
                prefix = ("EXERCISE · " if r.exercise else "") + ("🔒 " if r.confidential else "")
                return prefix + r.title
            if col == self.AGE:
                end = r.resolved_at or self.clock.now()
                return duration_text(end - r.detected_at)
            return None
        if role == Qt.ItemDataRole.BackgroundRole and col == self.SEV and r.active:
            return palette.brush(palette.SEVERITIES[r.severity])   # the theme's, asked at each paint
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.SEV and r.active:
                return QBrush(QColor(palette.on_tone(palette.SEVERITIES[r.severity])))
            if not r.active:
                return palette.brush(palette.Tone.MUTED)
            return None
        if role == Qt.ItemDataRole.FontRole and col in (self.SEV, self.REF) and r.active:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.SEV:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(f"{r.ref} · {r.severity.value} · {term(r.status)}\n{r.title}")
        if role == IdRole:
            return r.id
        return None


class TimelineModel(QAbstractTableModel):
    """One incident's timeline, read from the store a page at a time.

    Holds at most ``MAX_PAGES`` pages of prepared rows; a page is read by offset
    from the nearer end, or by key after a cached neighbour when scrolling on.
    """

    COLUMNS = (N_("UTC"), N_("Local"), N_("Kind"), N_("Author"), N_("Entry"))
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
        self.COLUMNS = (N_("UTC"), _("Local ({zone})").format(zone=local.zone_label()), N_("Kind"), N_("Author"),
                        N_("Entry"))

    @property
    def shows_local(self) -> bool:
        """The local column says something only where the local zone is not UTC."""
        return not self.local.is_utc

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

    def show_first_screen(self, incident_id: uuid.UUID, count: int, first: int, entries: list) -> None:
        """Rows ``first`` (a page boundary) to the end of a timeline of ``count`` read
        before the store is open (:mod:`warroom.firstscreen`); :meth:`set_incident` reads
        through the store once it is."""
        self.beginResetModel()
        self._pages.clear()
        self._query, self._tail = None, None
        self.incident_id, self.kind, self.search, self._count = incident_id, None, None, count
        for i, e in enumerate(entries):
            self._pages.setdefault((first + i) // self.PAGE, []).append(self._prepare(e))
        self.endResetModel()

    @property
    def from_first_screen(self) -> bool:
        """The rows are those of :meth:`show_first_screen`, not yet read through the store."""
        return self._query is None and self._count > 0

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
            if self._query is None:  # the first screen, before the store is open
                return None
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
        """(the five texts, the kind's tone, whether the program wrote it, the entry)."""
        text = e.text if "\n" not in e.text else " ⏎ ".join(e.text.splitlines())
        if e.edited_at:
            text += "  (edited)"
        return (self.utc.stamp(e.occurred_at), self.local.stamp(e.occurred_at), term(e.kind), e.author, text,
                palette.KINDS.get(e.kind), e.kind in _SYSTEM_KINDS, e)

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
            return _(self.COLUMNS[section])
        return None

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        # Called for every role of every cell painted: ints compared, one row lookup.
        if role not in _TIMELINE_ROLES:
            return None
        row = self._row(index.row())
        if row is None:
            return None
        col = index.column()
        if role == _DISPLAY:
            return row[col]
        if role == _FOREGROUND:
            tone = row[5]
            return palette.brush(tone) if tone is not None and (col == self.KIND or row[6]) else None
        if role == _FONT:
            return self._bold if row[6] and col == self.TEXT else None
        if role == _IDROLE:
            return row[-1].id
        if col in (self.KIND, self.AUTHOR, self.TEXT):  # the tooltip
            return plain_tip(self.describe(row[-1]))
        return None

    def describe(self, e: EntryView) -> str:
        """The whole entry, as its tooltip and the detail under the table show it."""
        edited = f"\nedited {self.local.full(e.edited_at)}" if e.edited_at else ""
        when = self.utc.full(e.occurred_at) + (f" · {self.local.full(e.occurred_at)}" if self.shows_local else "")
        return f"{e.text}\n\n— {e.author}, {when} ({term(e.kind)}){edited}"

    def position_of(self, entry_id: uuid.UUID) -> int | None:
        return self._query.position(entry_id) if self._query else None
