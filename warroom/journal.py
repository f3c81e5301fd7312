"""The journal: every change, hash-chained per device.

An event's hash is SHA-256 over the previous hash of the same device, the
canonical JSON of the event's header and the canonical JSON of its payload.
Rows are never updated or deleted (SQLite triggers refuse it); the device table
holds each chain's head so that a removed last event is noticed too.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import isoformat
from warroom.store.models import Device, JournalEvent

GENESIS = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    raise TypeError(f"cannot put {type(value).__name__} in a journal event")


def canonical_json(obj: Any) -> str:
    """One text for one value: sorted keys, no spaces, UTF-8 kept, no NaN."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_default)


def event_header(
    *, id: uuid.UUID, device_id: uuid.UUID, seq: int, at: datetime, actor: str,
    incident_id: uuid.UUID | None, kind: str,
) -> dict[str, Any]:
    return {
        "id": str(id),
        "device": str(device_id),
        "seq": seq,
        "at": isoformat(at),
        "actor": actor,
        "incident": str(incident_id) if incident_id else None,
        "kind": kind,
    }


def event_hash(prev_hash: str, header: dict[str, Any], payload_text: str) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json(header).encode("utf-8"))
    digest.update(b"\n")
    digest.update(payload_text.encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class Problem:
    device_id: uuid.UUID
    seq: int
    event_id: uuid.UUID | None
    reason: str

    def __str__(self) -> str:
        which = f"event {self.event_id}" if self.event_id else "an event"
        return f"{which} (device {self.device_id}, #{self.seq}): {self.reason}"


@dataclass(frozen=True)
class VerifyReport:
    devices: int
    events: int
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def _rows(session: Session, device_id: uuid.UUID) -> Iterable[JournalEvent]:
    stmt = (
        select(JournalEvent)
        .where(JournalEvent.device_id == device_id)
        .order_by(JournalEvent.seq)
        .execution_options(yield_per=2000)
    )
    for event in session.scalars(stmt):
        yield event
        session.expunge(event)


def verify(session: Session) -> VerifyReport:
    """Walk every device's chain; report the first break in each."""
    problems: list[Problem] = []
    total = 0
    devices = session.scalars(select(Device).order_by(Device.created_at, Device.id)).all()
    known = {d.id for d in devices}
    for device in devices:
        prev = GENESIS
        expected = 1
        broken = False
        for event in _rows(session, device.id):
            total += 1
            if broken:
                continue
            if event.seq != expected:
                problems.append(Problem(device.id, expected, None,
                                        f"missing: the chain jumps from #{expected - 1} to #{event.seq}"))
                broken = True
                continue
            header = event_header(id=event.id, device_id=event.device_id, seq=event.seq, at=event.at,
                                  actor=event.actor, incident_id=event.incident_id, kind=event.kind)
            if event.prev_hash != prev:
                problems.append(Problem(device.id, event.seq, event.id,
                                        "its link to the previous event does not match (an event before it was changed or removed)"))
                broken = True
                continue
            if event_hash(prev, header, event.payload) != event.hash:
                problems.append(Problem(device.id, event.seq, event.id, "its content was changed after it was written"))
                broken = True
                continue
            prev = event.hash
            expected += 1
        if not broken and (device.last_seq != expected - 1 or device.last_hash != prev):
            problems.append(Problem(device.id, expected, None,
                                    f"missing: the device's head is #{device.last_seq} but the chain ends at #{expected - 1}"))
    orphans = session.scalars(select(JournalEvent.device_id).distinct()).all()
    for device_id in orphans:
        if device_id not in known:
            problems.append(Problem(device_id, 0, None, "events of a device this database does not know"))
    return VerifyReport(devices=len(devices), events=total, problems=problems)
