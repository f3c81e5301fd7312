"""Follow-up actions: what the team committed to do after an incident, who owns
each one and by when. Listed on the incident, in its export and in post-incident
reports (outsiders see the commitment and the date, never the owner's name).

A follow-up is named like an update: ``INC-1/F2`` is the second follow-up added
to INC-1 (its place in the order they were added; computed, never stored), or by
its id or a unique beginning of it.

Who may: the incident commander (any, and the incident's own) and communications
owners add and change follow-ups; the follow-up's owner may also mark their own
done or open again. Every change is one journal event, applied on other laptops
by :mod:`warroom.sync.apply_followups`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom import inputs
from warroom.clock import UTC
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.ids import uuid7
from warroom.services import access, incidents, refs
from warroom.services.access import Action
from warroom.store import Store
from warroom.store.models import Followup, Incident, Person
from warroom.text.timeparse import parse_when

#: The longest follow-up text: one commitment, said in a sentence or two.
MAX_TEXT = 1_000
#: Due dates outside these years are typing mistakes.
FIRST_YEAR, LAST_YEAR = 2000, 2100

_REF = re.compile(r"^\s*(?:INC-)?(\d{1,9})\s*/\s*F(\d{1,9})\s*$", re.IGNORECASE | re.ASCII)
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$", re.ASCII)


@dataclass(frozen=True, slots=True)
class FollowupView:
    """A plain snapshot of one follow-up action, safe to pass between threads."""

    id: uuid.UUID
    incident_id: uuid.UUID
    #: ``INC-1/F2``: the incident's reference and the follow-up's place among its follow-ups.
    ref: str
    text: str
    owner: str
    due: date
    done_at: datetime | None
    done_by: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    #: The due date has passed and it is not done (as of the time the list was read).
    overdue: bool = False

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def overdue_on(self, today: date) -> bool:
        """Not done, and ``today`` is after the due date."""
        return self.done_at is None and today > self.due

    def as_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "ref": self.ref, "incident_id": str(self.incident_id), "text": self.text,
                "owner": self.owner, "due": self.due.isoformat(), "done": self.done, "done_at": self.done_at,
                "done_by": self.done_by, "overdue": self.overdue, "created_by": self.created_by,
                "created_at": self.created_at, "updated_at": self.updated_at}


def today_of(now: datetime) -> date:
    """The date a due date is compared with: today in UTC (the same on every laptop)."""
    return now.astimezone(UTC).date()


def _view(row: Followup, ref: str, now: datetime | None) -> FollowupView:
    view = FollowupView(row.id, row.incident_id, ref, row.text, row.owner, row.due, row.done_at, row.done_by,
                        row.created_by, row.created_at, row.updated_at)
    if now is None:
        return view
    return replace(view, overdue=view.overdue_on(today_of(now)))


# -- reading ----------------------------------------------------------------------------

def _numbers(session: Session, incident: Incident) -> dict[uuid.UUID, str]:
    rows = session.scalars(select(Followup.id).where(Followup.incident_id == incident.id)
                           .order_by(Followup.created_at, Followup.id))
    return {fid: f"{incident.ref}/F{n}" for n, fid in enumerate(rows, 1)}


def list_followups(session_or_store: Session | Store, incident: str | uuid.UUID, *, viewer: str,
                   now: datetime | None = None) -> list[FollowupView]:
    """An incident's follow-ups in the order they were added, when ``viewer`` may
    see the incident (a confidential one is not found otherwise). ``overdue`` is
    worked out as of ``now`` (a store's clock when given a store; without either,
    every follow-up reads as not overdue: see :meth:`FollowupView.overdue_on`)."""
    if isinstance(session_or_store, Store):
        now = now or session_or_store.clock.now()
        with session_or_store.read() as session:
            return _list(session, incident, viewer, now)
    return _list(session_or_store, incident, viewer, now)


def _list(session: Session, key: str | uuid.UUID, viewer: str, now: datetime | None) -> list[FollowupView]:
    row = incidents.find(session, key, viewer)
    numbers = _numbers(session, row)
    found = session.scalars(select(Followup).where(Followup.incident_id == row.id)
                            .order_by(Followup.created_at, Followup.id))
    return [_view(f, numbers[f.id], now) for f in found]


def get(store: Store, key: str | uuid.UUID, *, viewer: str) -> FollowupView:
    """One follow-up by ``INC-1/F2`` or its id, when ``viewer`` may see its incident."""
    with store.read() as session:
        row = find_row(session, key)
        incident = incidents.find(session, row.incident_id, viewer)
        return _view(row, _numbers(session, incident)[row.id], store.clock.now())


def find_row(session: Session, key: str | uuid.UUID) -> Followup:
    """The follow-up row by ``INC-n/Fm``, its id or a unique beginning of it (unchecked:
    the caller checks who may see or change it)."""
    m = _REF.match(key) if isinstance(key, str) else None
    if m is None:
        return refs.by_prefix(session, "followup", key, field="followup",
                              where=", or INC-1/F2 (the follow-up list shows them)")
    ref, number = f"INC-{int(m.group(1))}", int(m.group(2))
    incident_id = session.scalar(select(Incident.id).where(Incident.ref == ref))
    rows = [] if incident_id is None else list(session.scalars(
        select(Followup).where(Followup.incident_id == incident_id).order_by(Followup.created_at, Followup.id)))
    if not 1 <= number <= len(rows):
        raise NotFound(f"No follow-up {ref}/F{number}.", field="followup")
    return rows[number - 1]


def overdue(store: Store, *, viewer: str, incident_ids: Iterable[uuid.UUID] | None = None) -> list[FollowupView]:
    """Every follow-up not done whose due date has passed, on the incidents ``viewer``
    may see (or only on ``incident_ids``), the longest overdue first."""
    today = today_of(store.clock.now())
    with store.read() as session:
        w = access.reader(session, viewer)
        stmt = select(Followup, Incident).join(Incident, Incident.id == Followup.incident_id).where(
            Followup.done_at.is_(None), Followup.due < today)
        if incident_ids is not None:
            stmt = stmt.where(Followup.incident_id.in_(list(incident_ids)))
        out = []
        numbers: dict[uuid.UUID, dict[uuid.UUID, str]] = {}
        for f, inc in session.execute(stmt):
            if not access.visible(w, inc):
                continue
            if inc.id not in numbers:
                numbers[inc.id] = _numbers(session, inc)
            out.append(_view(f, numbers[inc.id][f.id], store.clock.now()))
    return sorted(out, key=lambda v: (v.due, v.ref))


# -- checking what people type ------------------------------------------------------------

def clean_text(text: str) -> str:
    if not isinstance(text, str):
        raise InputError("A follow-up must be text.", field="text")
    inputs.check_plain(text, field="text", what="The follow-up", multiline=True)
    text = " ".join(text.split())
    if not text:
        raise InputError("The follow-up is empty: say what will be done.", field="text")
    if len(text) > MAX_TEXT:
        raise InputError(f"The follow-up is {len(text):,} characters; keep it under {MAX_TEXT:,} (one commitment "
                         "per follow-up).", field="text")
    return text


def parse_due(value: date | datetime | str, now: datetime) -> date:
    """A due date: a date, ``2026-12-20``, or what the command line reads as a time
    (``7d``, ``in 2d``, ``2026-12-20T17:00+01:00``: the date it falls on in UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError("The due date's time has no time zone.", field="due")
        day = value.astimezone(UTC).date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise InputError("Give a due date, e.g. 2026-12-20 or 14d.", field="due")
        try:
            if _ISO_DATE.match(text):
                day = date.fromisoformat(text)
            else:
                day = parse_when(text, now=now, future=True).astimezone(UTC).date()
        except (InputError, ValueError, OverflowError):
            raise InputError(f"Cannot read the due date {value!r}: give a date such as 2026-12-20, or 14d for two "
                             "weeks from today.", field="due") from None
    else:
        raise InputError(f"A due date is a date, not {type(value).__name__}.", field="due")
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(f"The due date {day.isoformat()} is not a year anyone plans for: check the year.",
                         field="due")
    return day


def _clean_owner(session: Session, owner: str) -> str:
    if not isinstance(owner, str):
        raise InputError("A follow-up's owner is a person's name.", field="owner")
    inputs.check_plain(owner, field="owner", what="The owner's name")
    name = " ".join(owner.split())
    if not name:
        raise InputError("A follow-up needs an owner: the person who will see it done.", field="owner")
    if access.register_empty(session):
        return name[:200]  # nobody is registered yet: any name will do (a first look at the program)
    if session.scalars(select(Person.id).where(Person.name == name)).first() is None:
        raise InputError(f"{name!r} is not in the people register: a follow-up's owner is someone the team can "
                         "ask about it (person list shows them).", field="owner")
    return name


def due_warning(view: FollowupView) -> str | None:
    """What to tell the person who just set a due date already past (allowed: the
    follow-up may record work owed since then)."""
    if view.overdue:
        return f"{view.ref} is due {view.due.isoformat()}, which has already passed: it shows as overdue."
    return None


# -- changing ----------------------------------------------------------------------------

def add_followup(store: Store, actor: str, incident: str | uuid.UUID, text: str, *, owner: str,
                 due: date | datetime | str) -> FollowupView:
    """Add a follow-up to an incident. A due date already past is allowed (the view
    then reads overdue: :func:`due_warning` says so)."""
    text = clean_text(text)
    with store.write(actor) as tx:
        row = incidents.find_row(tx.session, incident)
        access.require(tx, Action.FOLLOWUPS, row)
        name = _clean_owner(tx.session, owner)
        day = parse_due(due, tx.now)
        f = Followup(id=uuid7(), incident_id=row.id, text=text, owner=name, due=day, done_at=None, done_by=None,
                     created_by=actor, created_at=tx.now, updated_at=tx.now)
        tx.session.add(f)
        tx.record("followup.added", {"followup_id": f.id, "text": text, "owner": name, "due": day.isoformat()},
                  incident_id=row.id)
        tx.session.flush()
        return _view(f, _numbers(tx.session, row)[f.id], tx.now)


def edit_followup(store: Store, actor: str, key: str | uuid.UUID, *, text: str | None = None,
                  owner: str | None = None, due: date | datetime | str | None = None) -> FollowupView:
    """Change a follow-up's text, owner or due date (only those given); the journal
    keeps what they were."""
    text = clean_text(text) if text is not None else None
    with store.write(actor) as tx:
        f = find_row(tx.session, key)
        row = incidents.find_row(tx.session, f.incident_id)
        access.require(tx, Action.FOLLOWUPS, row)
        new = {"text": text, "owner": _clean_owner(tx.session, owner) if owner is not None else None,
               "due": parse_due(due, tx.now) if due is not None else None}
        changes = {}
        for field, value in new.items():
            if value is not None and getattr(f, field) != value:
                old = getattr(f, field)
                changes[field] = [old.isoformat(), value.isoformat()] if field == "due" else [old, value]
                setattr(f, field, value)
        if changes:
            f.updated_at = tx.now
            tx.record("followup.changed", {"followup_id": f.id, "changes": changes}, incident_id=row.id)
        tx.session.flush()
        return _view(f, _numbers(tx.session, row)[f.id], tx.now)


def _require_owner_or_lead(tx, f: Followup, row: Incident, verb: str) -> None:
    """The follow-up's owner may close or reopen their own; otherwise the table's rule."""
    w = access.require_member(tx, row)
    if w.system or w.open_register or tx.actor == f.owner or access.allows(w, Action.FOLLOWUPS, row):
        return
    raise NotPermitted(f"Only the follow-up's owner ({f.owner}) or {access.needed(Action.FOLLOWUPS)} may {verb}; "
                       f"{tx.actor} is neither.", field="actor")


def mark_done(store: Store, actor: str, key: str | uuid.UUID) -> FollowupView:
    """Mark a follow-up done (by its owner, the commander or a communications owner)."""
    return _set_done(store, actor, key, done=True)


def reopen(store: Store, actor: str, key: str | uuid.UUID) -> FollowupView:
    """Open a follow-up marked done again."""
    return _set_done(store, actor, key, done=False)


def _set_done(store: Store, actor: str, key: str | uuid.UUID, *, done: bool) -> FollowupView:
    with store.write(actor) as tx:
        f = find_row(tx.session, key)
        row = incidents.find_row(tx.session, f.incident_id)
        _require_owner_or_lead(tx, f, row, "mark it done" if done else "reopen it")
        if (f.done_at is not None) != done:
            f.done_at, f.done_by = (tx.now, actor) if done else (None, None)
            f.updated_at = tx.now
            tx.record("followup.done" if done else "followup.reopened", {"followup_id": f.id},
                      incident_id=row.id)
        tx.session.flush()
        return _view(f, _numbers(tx.session, row)[f.id], tx.now)
