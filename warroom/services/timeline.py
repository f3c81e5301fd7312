"""The incident timeline: log, edit, list, search, and page through it.

:class:`TimelineQuery` is the paging source behind the window's timeline view
and the benchmarks: it reads one page at a time, by offset from the nearer end
or by key from a neighbouring page, so an incident with a million entries opens
and scrolls at once. Search uses SQLite FTS5.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text as sql_text, tuple_
from sqlalchemy.orm import Session

from warroom import inputs
from warroom.domain import WRITTEN_KINDS, EntryKind
from warroom.errors import InputError
from warroom.ids import uuid7
from warroom.services import access, refs
from warroom.services.access import Action
from warroom.services.incidents import check_past, find, find_row
from warroom.store import Store, Tx
from warroom.store.models import Incident, TimelineCount, TimelineEntry

#: Characters that are not text: C0 controls except tab and newlines, DEL, C1 controls.

#: The longest entry: a timeline is a log, long documents belong elsewhere.
MAX_TEXT = 20_000

_T = TimelineEntry.__table__
_C = TimelineCount.__table__
_COLUMNS = (_T.c.id, _T.c.kind, _T.c.text, _T.c.author, _T.c.occurred_at, _T.c.recorded_at, _T.c.edited_at)


@dataclass(frozen=True, slots=True)
class EntryView:
    id: uuid.UUID
    incident_id: uuid.UUID
    kind: EntryKind
    text: str
    author: str
    occurred_at: datetime
    recorded_at: datetime
    edited_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "incident_id": str(self.incident_id), "kind": self.kind.value,
                "text": self.text, "author": self.author, "occurred_at": self.occurred_at,
                "recorded_at": self.recorded_at, "edited_at": self.edited_at}


def clean_text(text: str) -> str:
    if not isinstance(text, str):
        raise InputError("An entry must be text.")
    if len(text) > MAX_TEXT:
        raise InputError(f"The entry is {len(text):,} characters; the limit is {MAX_TEXT:,}. "
                         "Log a summary and keep long documents elsewhere.")
    inputs.check_plain(text, field="text", what="The entry", multiline=True)
    text = text.strip()
    if not text:
        raise InputError("The entry is empty: type what happened.")
    return text


def log(store: Store, actor: str, incident: str | uuid.UUID, text: str, *,
        kind: str | EntryKind = EntryKind.NOTE, at: datetime | None = None) -> EntryView:
    """Log one entry; ``at`` back-dates it (never into the future)."""
    text = clean_text(text)
    with store.write(actor) as tx:
        return log_in(tx, find_row(tx.session, incident), text, kind=kind, at=at)


def log_in(tx: Tx, row: Incident, text: str, *, kind: str | EntryKind = EntryKind.NOTE,
           at: datetime | None = None) -> EntryView:
    """:func:`log` inside a transaction the caller holds, with the same checks (a
    source that logs one change on several incidents at once, all or none)."""
    text = clean_text(text)
    kind = EntryKind.parse(kind)
    if kind not in WRITTEN_KINDS:
        raise InputError(f"{kind.label} entries are written by status and severity changes: change the "
                         "incident's status or severity instead.", field="kind")
    access.require(tx, Action.LOG, row)
    when = check_past(at, tx.now, "entry time") if at is not None else tx.now
    entry = TimelineEntry(id=uuid7(), incident_id=row.id, kind=kind.value, text=text, author=tx.actor,
                          occurred_at=when, recorded_at=tx.now, edited_at=None)
    tx.session.add(entry)
    tx.record("timeline.logged", {"entry_id": entry.id, "kind": kind, "text": text, "occurred_at": when},
              incident_id=row.id)
    tx.session.flush()
    return _entry_view(entry)


def edit(store: Store, actor: str, entry_id: uuid.UUID | str, text: str) -> EntryView:
    """Change an entry's text; the journal keeps what it said before."""
    text = clean_text(text)
    with store.write(actor) as tx:
        entry = refs.by_prefix(tx.session, "entry", entry_id, where=" (timeline --ids shows them)")
        access.require(tx, Action.LOG, find_row(tx.session, entry.incident_id))
        if EntryKind(entry.kind) not in WRITTEN_KINDS:
            raise InputError("Status and severity entries record what happened; they cannot be edited.")
        if entry.text == text:
            return _entry_view(entry)
        previous = entry.text
        entry.text = text
        entry.edited_at = tx.now
        tx.record("timeline.edited", {"entry_id": entry.id, "previous_text": previous, "text": text},
                  incident_id=entry.incident_id)
        tx.session.flush()
        return _entry_view(entry)


def bulk_log(store: Store, actor: str, incident_id: uuid.UUID,
             items: Iterable[tuple[EntryKind, str, datetime]], *, batch: int = 5000) -> int:
    """Log many entries, each journaled, in transactions of ``batch`` entries (demo and scale tests)."""
    done = 0
    chunk: list[tuple[EntryKind, str, datetime]] = []

    def flush() -> None:
        nonlocal done
        with store.write(actor, warn_ms=None) as tx:
            access.require(tx, Action.LOG, find_row(tx.session, incident_id))
            rows = []
            for kind, text, when in chunk:
                entry_id = uuid7()
                rows.append({"id": entry_id, "incident_id": incident_id, "kind": kind.value, "text": text,
                             "author": actor, "occurred_at": when, "recorded_at": tx.now, "edited_at": None})
                tx.record("timeline.logged", {"entry_id": entry_id, "kind": kind, "text": text,
                                              "occurred_at": when}, incident_id=incident_id)
            tx.session.execute(insert(TimelineEntry), rows)
        done += len(chunk)
        chunk.clear()

    for item in items:
        chunk.append(item)
        if len(chunk) >= batch:
            flush()
    if chunk:
        flush()
    return done


def _entry_view(row: Any, incident_id: uuid.UUID | None = None) -> EntryView:
    return EntryView(id=row.id, incident_id=incident_id or row.incident_id, kind=EntryKind(row.kind),
                     text=row.text, author=row.author, occurred_at=row.occurred_at,
                     recorded_at=row.recorded_at, edited_at=row.edited_at)


_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query: every word must appear,
    the last one as a prefix (so results narrow while typing). None if no words."""
    words = _WORD.findall(text or "")
    if not words:
        return None
    parts = [f'"{w}"' for w in words]
    parts[-1] += "*"
    return " ".join(parts)


class EntryList(list):
    """Entries, and whether a search was cut at :attr:`TimelineQuery.MAX_HITS`."""

    truncated = False


def entries(store: Store, incident: str | uuid.UUID, *, viewer: str, kind: str | EntryKind | None = None,
            search: str | None = None, limit: int | None = None) -> EntryList:
    """The timeline in time order (for the command line and exports)."""
    query = TimelineQuery(store, incident, viewer=viewer, kind=kind, search=search)
    total = query.count()
    out = EntryList()
    out.truncated = query.truncated
    if limit is not None:
        out.extend(query.page(max(0, total - limit), limit))
        return out
    step = 5000
    for offset in range(0, total, step):
        out.extend(query.page(offset, step))
    return out


class TimelineQuery:
    """One incident's timeline, optionally filtered by kind or a search, read in pages.

    Order is (occurred_at, id). Without a search the rows are read straight from
    the index; with one, the matching rowids are found once through FTS5 and
    held in order (matches are few beside the whole log).
    """

    #: A search shows at most this many matches, the most recently recorded ones
    #: (a word in every tenth entry of a million-entry log is not worth a wait).
    MAX_HITS = 20_000

    def __init__(self, store: Store, incident: str | uuid.UUID, *, viewer: str,
                 kind: str | EntryKind | None = None, search: str | None = None) -> None:
        self.store = store
        with store.read() as session:
            self.incident_id = find(session, incident, viewer).id
        self.kind = EntryKind.parse(kind) if kind else None
        self.search = (search or "").strip() or None
        self._match = fts_query(self.search) if self.search else None
        self._hits: list[int] | None = None
        self._count: int | None = None
        #: True when a search matched more than MAX_HITS entries and shows only the newest.
        self.truncated = False

    def _where(self, stmt):
        stmt = stmt.where(_T.c.incident_id == self.incident_id)
        if self.kind is not None:
            stmt = stmt.where(_T.c.kind == self.kind.value)
        return stmt

    def _load_hits(self, session: Session) -> list[int]:
        if self._hits is None:
            if self._match is None:  # punctuation only: nothing can match
                self._hits = []
            else:
                # The full-text index first (CROSS JOIN fixes the order; the other order
                # walks the whole incident probing FTS per row), newest hits first, at
                # most MAX_HITS of them; then those few put in time order.
                inner = ("SELECT e.rowid AS r, e.occurred_at AS t, e.id AS i FROM timeline_fts "
                         "CROSS JOIN timeline_entry AS e ON e.rowid = timeline_fts.rowid "
                         "WHERE timeline_fts MATCH ? AND e.incident_id = ?")
                params: tuple[Any, ...] = (self._match, self.incident_id.hex)
                if self.kind is not None:
                    inner += " AND e.kind = ?"
                    params += (self.kind.value,)
                inner += " ORDER BY timeline_fts.rowid DESC LIMIT ?"
                params += (self.MAX_HITS + 1,)
                sql = f"SELECT r FROM ({inner}) ORDER BY t, i"
                # Straight through the driver's cursor: thousands of hits, one integer each,
                # need no result objects (a third of the time otherwise).
                cursor = session.connection().connection.dbapi_connection.cursor()
                try:
                    hits = [r[0] for r in cursor.execute(sql, params)]
                finally:
                    cursor.close()
                self.truncated = len(hits) > self.MAX_HITS
                if self.truncated:  # drop the oldest-recorded one beyond the cap
                    oldest = min(hits)
                    hits.remove(oldest)
                self._hits = hits
        return self._hits

    def count(self) -> int:
        if self._count is None:
            with self.store.read() as session:
                if self.search:
                    self._count = len(self._load_hits(session))
                elif session.get_bind().dialect.name == "sqlite":
                    stmt = select(func.coalesce(func.sum(_C.c.n), 0)).where(_C.c.incident_id == self.incident_id)
                    if self.kind is not None:
                        stmt = stmt.where(_C.c.kind == self.kind.value)
                    self._count = session.scalar(stmt) or 0
                else:
                    self._count = session.scalar(self._where(select(func.count()).select_from(_T))) or 0
        return self._count

    def invalidate(self) -> None:
        self._count = None
        self._hits = None

    def page(self, offset: int, limit: int) -> list[EntryView]:
        """Rows ``offset`` .. ``offset+limit`` in time order."""
        if limit <= 0 or offset < 0:
            return []
        with self.store.read() as session:
            if self.search:
                hits = self._load_hits(session)[offset:offset + limit]
                if not hits:
                    return []
                rows = session.execute(
                    select(sql_text("timeline_entry.rowid"), *_COLUMNS).where(sql_text("timeline_entry.rowid IN "
                                                                                       f"({','.join(map(str, hits))})"))
                ).all()
                by_rowid = {r[0]: r for r in rows}
                return [self._view(by_rowid[h][1:]) for h in hits if h in by_rowid]
            total = self.count()
            if offset >= total:
                return []
            limit = min(limit, total - offset)
            if offset > total // 2:
                # Nearer the end: read backwards from the end, which skips fewer index entries.
                skip = total - offset - limit
                stmt = (self._where(select(*_COLUMNS)).order_by(_T.c.occurred_at.desc(), _T.c.id.desc())
                        .limit(limit).offset(skip))
                rows = list(reversed(session.execute(stmt).all()))
            else:
                stmt = self._where(select(*_COLUMNS)).order_by(_T.c.occurred_at, _T.c.id).limit(limit).offset(offset)
                rows = session.execute(stmt).all()
        return [self._view(r) for r in rows]

    def page_after(self, entry: EntryView, limit: int) -> list[EntryView]:
        """The ``limit`` rows after ``entry`` (keyset paging for scrolling on)."""
        if self.search:
            raise ValueError("keyset paging is for unfiltered text")
        with self.store.read() as session:
            stmt = (self._where(select(*_COLUMNS))
                    .where(tuple_(_T.c.occurred_at, _T.c.id) > tuple_(entry.occurred_at, entry.id))
                    .order_by(_T.c.occurred_at, _T.c.id).limit(limit))
            return [self._view(r) for r in session.execute(stmt)]

    def page_before(self, entry: EntryView, limit: int) -> list[EntryView]:
        if self.search:
            raise ValueError("keyset paging is for unfiltered text")
        with self.store.read() as session:
            stmt = (self._where(select(*_COLUMNS))
                    .where(tuple_(_T.c.occurred_at, _T.c.id) < tuple_(entry.occurred_at, entry.id))
                    .order_by(_T.c.occurred_at.desc(), _T.c.id.desc()).limit(limit))
            return [self._view(r) for r in reversed(session.execute(stmt).all())]

    def position(self, entry_id: uuid.UUID) -> int | None:
        """Row number of an entry in this view, or None if it is not in it."""
        with self.store.read() as session:
            row = session.execute(select(_T.c.occurred_at, _T.c.id, _T.c.kind, sql_text("timeline_entry.rowid"))
                                  .where(_T.c.id == entry_id, _T.c.incident_id == self.incident_id)).first()
            if row is None:
                return None
            if self.search:
                try:
                    return self._load_hits(session).index(row[3])
                except ValueError:
                    return None
            if self.kind is not None and row[2] != self.kind.value:
                return None
            stmt = self._where(select(func.count()).select_from(_T)).where(
                tuple_(_T.c.occurred_at, _T.c.id) < tuple_(row[0], row[1]))
            return session.scalar(stmt) or 0

    def _view(self, r: Sequence[Any]) -> EntryView:
        return EntryView(id=r[0], incident_id=self.incident_id, kind=EntryKind(r[1]), text=r[2], author=r[3],
                         occurred_at=r[4], recorded_at=r[5], edited_at=r[6])
