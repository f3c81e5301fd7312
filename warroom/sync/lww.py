"""Two laptops change one field of an incident at the same time: the last writer
wins by a hybrid logical clock, and the losing value is kept on the timeline.

**The clock.** An edit (``incident.updated``) carries ``hlc``: microseconds since
the epoch, the larger of the writer's own time and one more than the largest
stamp of the incident's edits the writer had seen. So an edit made after seeing
another always orders after it, even when the laptop's clock runs behind the
other's; wall time alone (``at``) would let a slow clock's later edit lose to the
one it replaced. Edits written before events carried a stamp order by their time.
Ties are broken by (device, seq), so the order is total and the same everywhere.

**The winner.** A field holds the value of the edit with the largest stamp among
those that set it, whatever order they arrive in: an edit that arrives after a
later-stamped one is recorded but does not change the field.

**The loser, shown.** Two edits of a field conflict when the later-stamped one did
not start from the other's value (its ``old`` is not the other's ``new``). The
earlier-stamped edit's value is then kept in a timeline note, "Ravi changed the
title at the same time: …", written by the applier of whichever of the two
arrives second, with an id made from the losing event's id and the field, so every
laptop writes the same note once.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.journal import lost_entry_id
from warroom.store.models import JournalEvent

KIND = "incident.updated"
#: The incident's status and severity are single values moved by events of their
#: own; they converge the same way (see :func:`resolve_move`).
STATUS_KINDS = ("incident.status_changed", "incident.reopened")
SEVERITY_KINDS = ("incident.severity_changed",)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

#: How a field is named on the timeline.
FIELD_NAMES = {"status": "the status", "severity": "the severity", "title": "the title", "category": "the category", "impact": "the impact",
               "components": "the components", "commander": "the commander", "detected_at": "the detection time",
               "customer_facing": "whether it is customer facing", "confidential": "whether it is confidential",
               "exercise": "whether it is an exercise", "members": "the members"}


def micros(when: datetime) -> int:
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
    delta = when - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _edits(session: Session, incident_id: uuid.UUID, skip: uuid.UUID | None = None,
           kinds: tuple[str, ...] = (KIND,)) -> list[JournalEvent]:
    return [row for row in session.scalars(select(JournalEvent).where(JournalEvent.incident_id == incident_id,
                                                                      JournalEvent.kind.in_(kinds)))
            if row.id != skip]


def _stamp(payload: dict[str, Any], at: datetime) -> int:
    value = payload.get("hlc")
    return int(value) if isinstance(value, int) else micros(at)


def next_stamp(session: Session, incident_id: uuid.UUID, now: datetime, kinds: tuple[str, ...] = (KIND,)) -> int:
    """The stamp of an edit written now, after every edit of the incident seen here."""
    seen = [_stamp(json.loads(row.payload), row.at) for row in _edits(session, incident_id, kinds=kinds)]
    return max([micros(now)] + [s + 1 for s in seen])


def order(payload: dict[str, Any], at: datetime, device_id: uuid.UUID, seq: int) -> tuple[int, str, int]:
    return (_stamp(payload, at), str(device_id), seq)


def shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def lost_text(actor: str, field: str, value: Any) -> str:
    return f"{actor} changed {FIELD_NAMES.get(field, field)} at the same time: {shown(value)} (not kept)"


def resolve(session: Session, ev) -> tuple[dict[str, Any], list[tuple[uuid.UUID, str, str, datetime, str]], datetime]:
    """For an incident edit being applied: the fields it sets (those it wins), the
    notes of values lost to a concurrent edit, as (entry id, author, text, time,
    field), and the time of the last edit by the clock (the incident's ``updated_at``,
    as the service that wrote that edit left it)."""
    mine = order(ev.payload, ev.at, ev.device_id, ev.seq)
    winners: dict[str, tuple[tuple, JournalEvent, list]] = {}
    last = (mine, ev.at)
    for row in _edits(session, ev.incident(), skip=ev.id):
        payload = json.loads(row.payload)
        key = order(payload, row.at, row.device_id, row.seq)
        last = max(last, (key, row.at))
        for field, pair in (payload.get("changes") or {}).items():
            if field not in winners or key > winners[field][0]:
                winners[field] = (key, row, pair)
    sets: dict[str, Any] = {}
    notes = []
    for field, (old, new) in ev.need("changes").items():
        top = winners.get(field)
        if top is None or mine > top[0]:
            sets[field] = new
            if top is not None and old != top[2][1]:        # it replaced a value it had not seen
                notes.append((lost_entry_id(top[1].id, field), top[1].actor, lost_text(top[1].actor, field,
                                                                                      top[2][1]), top[1].at, field))
        elif top[2][0] != new:                                # the later edit had not seen this one
            notes.append((lost_entry_id(ev.id, field), ev.actor, lost_text(ev.actor, field, new), ev.at, field))
    return sets, notes, last[1]


def resolve_move(session: Session, ev, field: str, kinds: tuple[str, ...],
                 shown_as=lambda value: value) -> tuple[bool, tuple[uuid.UUID, str, str, datetime] | None]:
    """For a status or severity move being applied (``from`` → ``to``): whether it
    sets the incident's value (it is the latest by the clock of the moves of that
    value), and the note of a move lost to one made at the same time, as (entry id,
    author, text, time): the earlier move's value, when the later one did not start
    from it. Every laptop takes the same value and writes the same note once,
    whatever order the moves arrive in."""
    mine = order(ev.payload, ev.at, ev.device_id, ev.seq)
    before = after = None    # the moves right before and right after this one, by the clock
    for row in _edits(session, ev.incident(), skip=ev.id, kinds=kinds):
        payload = json.loads(row.payload)
        key = order(payload, row.at, row.device_id, row.seq)
        if key < mine and (before is None or key > before[0]):
            before = (key, row, payload)
        elif key > mine and (after is None or key < after[0]):
            after = (key, row, payload)
    if after is None:                                           # the latest: it sets the value
        if before is not None and ev.payload.get("from") != before[2].get("to"):
            _key, row, payload = before                         # it moved from a value it had not seen
            return True, (lost_entry_id(row.id, field), row.actor,
                          lost_text(row.actor, field, shown_as(payload.get("to"))), row.at)
        return True, None
    if after[2].get("from") != ev.payload.get("to"):            # the next move had not seen this one
        return False, (lost_entry_id(ev.id, field), ev.actor, lost_text(ev.actor, field, shown_as(ev.need("to"))),
                       ev.at)
    return False, None
