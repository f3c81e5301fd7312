"""The first screen of the window, read before the database layer is imported.

SQLAlchemy and the models take a few hundred milliseconds to import; the window
need not wait for them to show what a commander looks at first: the incident
list and the end of the first incident's timeline. This module reads exactly
that with the standard library's ``sqlite3`` through a read-only URI, in the
same row shapes and order the services give (``IncidentView`` and its rules are
:mod:`warroom.views`, the services' own; ``EntryView``), and the ORM takes over
once it is loaded. The command line's ``incident list`` reads the same way.

It only reads a database it is sure of: a War room file at the schema revision
this version writes, read by a viewer the access rules know. Anything else
(a new, older, newer or damaged file, an unknown person) gives ``None``, and the
window waits for the store, which says what is wrong.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warroom.domain import DEFAULT_UPDATE_INTERVALS, Category, EntryKind, Impact, Severity, Status
from warroom.identity import is_system
from warroom.views import IncidentView, list_order, next_update_due

#: ``PRAGMA application_id`` of a War room database (see warroom.store.db).
APPLICATION_ID = 0x57524D31
#: How many timeline rows make a screen, and the page size the timeline model reads in.
PAGE = 200

_MIGRATIONS = Path(__file__).resolve().parent / "store" / "migrations" / "versions"


@dataclass(frozen=True, slots=True)
class EntryView:
    """The fields of ``warroom.services.timeline.EntryView`` (a test keeps them alike)."""

    id: uuid.UUID
    incident_id: uuid.UUID
    kind: EntryKind
    text: str
    author: str
    occurred_at: datetime
    recorded_at: datetime
    edited_at: datetime | None


@dataclass(frozen=True)
class FirstScreen:
    """The incident list (active first, as ``incidents.list_incidents`` orders it),
    and for the first of them the timeline's length and its rows from ``first`` to
    the end (``first`` is a multiple of :data:`PAGE`, at least a page before the end)."""

    incidents: list[IncidentView]
    count: int
    first: int
    entries: list[EntryView]

    @property
    def incident(self) -> IncidentView | None:
        return self.incidents[0] if self.incidents else None


def schema_head() -> str | None:
    """The newest migration's revision, from the scripts' file names (no Alembic)."""
    try:
        names = [e.name for e in os.scandir(_MIGRATIONS) if e.name.endswith(".py") and e.name[:4].isdigit()]
    except OSError:
        return None
    return max(names)[:4] if names else None


def read(path: str | Path, viewer: str, *, page: int = PAGE) -> FirstScreen | None:
    """What the window shows first, or None when the store must be asked (see above)."""
    return _with(path, lambda con: _read(con, viewer, page))


def incidents(path: str | Path, viewer: str, *, include_resolved: bool = True) -> list[IncidentView] | None:
    """The incident list as ``incidents.list_incidents`` gives it to ``viewer`` (the
    command line's ``incident list``), or None when the store must be asked."""
    return _with(path, lambda con: _incidents(con, viewer, include_resolved))


def _with(path: str | Path, reading):
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
    except sqlite3.Error:
        return None
    try:
        return reading(con)
    except (sqlite3.Error, ValueError, KeyError, TypeError):
        return None  # not what this version writes: the store will say what it is
    finally:
        con.close()


def _incidents(con: sqlite3.Connection, viewer: str, include_resolved: bool = True) -> list[IncidentView] | None:
    """Every incident ``viewer`` may see, in the list's order; None for a file this
    version does not know or a viewer a closed register does not. Opens the snapshot
    the caller's further reads share."""
    if con.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        return None
    row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    if row is None or row[0] != schema_head():
        return None
    con.execute("BEGIN")  # one snapshot for every read below
    system = is_system(viewer)
    if not system and con.execute("SELECT 1 FROM person WHERE name = ?", (viewer,)).fetchone() is None \
            and con.execute("SELECT 1 FROM person LIMIT 1").fetchone() is not None:
        return None  # not in a closed register: the store refuses, with its message
    intervals = dict(DEFAULT_UPDATE_INTERVALS)
    for sev, seconds in con.execute("SELECT severity, update_interval_s FROM severity_policy"):
        intervals[Severity(sev)] = timedelta(seconds=seconds)
    where, args = ("", ()) if include_resolved else (" WHERE status != ?", (Status.RESOLVED.value,))
    views = [_incident(r, intervals) for r in con.execute(
        "SELECT id, ref, title, category, severity, impact, status, customer_facing, components, commander, "
        "confidential, exercise, detected_at, declared_at, status_changed_at, resolved_at, last_update_at, "
        "updated_at, members FROM incident" + where, args)]
    views = [v for v in views if system or v.visible_to(viewer)]
    views.sort(key=list_order)
    return views


def _read(con: sqlite3.Connection, viewer: str, page: int) -> FirstScreen | None:
    views = _incidents(con, viewer)
    if views is None:
        return None
    if not views:
        return FirstScreen([], 0, 0, [])
    shown = views[0]
    key = shown.id.hex
    count = con.execute("SELECT coalesce(sum(n), 0) FROM timeline_count WHERE incident_id = ?", (key,)).fetchone()[0]
    first = max(0, (count - page) // page * page)
    rows = con.execute(
        "SELECT id, kind, text, author, occurred_at, recorded_at, edited_at FROM timeline_entry "
        "WHERE incident_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?", (key, count - first)).fetchall()
    entries = [EntryView(id=uuid.UUID(r[0]), incident_id=shown.id, kind=EntryKind(r[1]), text=r[2], author=r[3],
                         occurred_at=_time(r[4]), recorded_at=_time(r[5]), edited_at=_time(r[6]))
               for r in reversed(rows)]
    if len(entries) != count - first:
        return None  # the counts and the rows disagree: leave it to the store
    return FirstScreen(views, count, first, entries)


def _time(text: str | None) -> datetime | None:
    """A stored time (UTC without an offset, as warroom.store.models writes it) as aware UTC."""
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _incident(r: tuple, intervals: dict[Severity, timedelta]) -> IncidentView:
    severity, status = Severity(r[4]), Status(r[6])
    declared, last_update = _time(r[13]), _time(r[16])
    assert declared is not None
    due = next_update_due(status, severity, declared, last_update, intervals)
    return IncidentView(
        id=uuid.UUID(r[0]), ref=r[1], title=r[2], category=Category(r[3]), severity=severity, impact=Impact(r[5]),
        status=status, customer_facing=bool(r[7]), components=tuple(json.loads(r[8]) if r[8] else ()),
        commander=r[9], confidential=bool(r[10]), exercise=bool(r[11]), detected_at=_time(r[12]),
        declared_at=declared, status_changed_at=_time(r[14]), resolved_at=_time(r[15]), last_update_at=last_update,
        updated_at=_time(r[17]), next_update_due=due, members=tuple(json.loads(r[18]) if r[18] else ()),
    )
