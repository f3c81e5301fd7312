"""What every applier shares: the event as it is applied, and small helpers that
write a row to the values an event carries (so applying it again changes nothing)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from warroom.errors import StoreError


class EventRefused(StoreError):
    """An event that cannot be applied: an unknown kind, a payload that lacks what its
    kind needs, or a link that does not fit the chain it claims to continue."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class Event:
    """One journal event: its header and its payload (parsed)."""

    id: uuid.UUID
    device_id: uuid.UUID
    seq: int
    at: datetime
    actor: str
    incident_id: uuid.UUID | None
    kind: str
    payload: dict[str, Any]

    @classmethod
    def from_row(cls, row: Any) -> Event:
        """From a ``journal_event`` row: an ORM object, or a mapping of its columns."""
        get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name)
        payload, incident = get("payload"), get("incident_id")
        return cls(as_uuid(get("id")), as_uuid(get("device_id")), int(get("seq")), as_time(get("at")), get("actor"),
                   as_uuid(incident) if incident is not None else None, get("kind"),
                   json.loads(payload) if isinstance(payload, str) else dict(payload))

    def need(self, key: str) -> Any:
        """A payload value the applier cannot do without."""
        if key not in self.payload:
            raise EventRefused(f"event {self.id} ({self.kind}, device {self.device_id} #{self.seq}) lacks "
                               f"{key!r}: it was written by a version of War room that did not record it")
        return self.payload[key]

    def incident(self) -> uuid.UUID:
        if self.incident_id is None:
            raise EventRefused(f"event {self.id} ({self.kind}) names no incident")
        return self.incident_id


#: An applier: writes one event's changes through the session.
Applier = Callable[[Session, Event], None]


def as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def opt_uuid(value: Any) -> uuid.UUID | None:
    return None if value in (None, "") else as_uuid(value)


def as_time(value: Any) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def opt_time(value: Any) -> datetime | None:
    return None if value in (None, "") else as_time(value)


#: ``session.info`` keys: the rows :func:`put` made in the session's transaction, and
#: whether the event being applied may look rows up without flushing (see apply.QUICK).
_MADE, QUICK = "put_rows", "quick_lookups"


def _made(session: Session) -> dict[tuple[type, Any], Any]:
    """The rows :func:`put` added in this transaction (flushed or not), by model and key."""
    transaction = session.get_transaction()
    held = session.info.get(_MADE)
    if held is None or held[0] is not transaction:
        held = session.info[_MADE] = (transaction, {})
    return held[1]


def put(session: Session, model: type, key: Any, **values: Any) -> Any:
    """The row ``key`` of ``model`` with these values: made when missing, set when there.

    For an event whose applier writes only rows put here (``session.info[QUICK]``), the
    look-up does not flush what earlier events wrote: a row put earlier in the
    transaction is found among those put, any other in the database. A pull then
    writes its events' rows in a few flushes, not one each."""
    made = _made(session)
    row = made.get((model, key))
    if row is None:
        if session.info.get(QUICK):
            with session.no_autoflush:
                row = session.get(model, key)
        else:
            row = session.get(model, key)
    if row is None:
        row = model(**_key_values(model, key), **values)
        session.add(row)
        made[(model, key)] = row
    else:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    return row


def _key_values(model: type, key: Any) -> dict[str, Any]:
    columns = [c.name for c in model.__table__.primary_key.columns]
    values = key if isinstance(key, tuple) else (key,)
    return dict(zip(columns, values))


def change(session: Session, model: type, key: Any, **values: Any) -> Any:
    """Set values on an existing row; a row that is not there is an event out of order."""
    row = session.get(model, key)
    if row is None:
        raise EventRefused(f"no {model.__tablename__} {key} to change: an event it depends on was not applied")
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
    return row
