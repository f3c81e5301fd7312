"""The journal: every change, hash-chained per device.

An event's hash is SHA-256 over the previous hash of the same device, the
canonical JSON of the event's header and the canonical JSON of its payload.
Rows are never updated or deleted (SQLite triggers refuse it); the device table
holds each chain's head so that a removed last event is noticed too. Verification
reads the stored values as they are, so a row inserted by hand in another form
cannot hide beside the chain, and then checks the tables against the journal.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

from warroom.clock import isoformat

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
    device_id: uuid.UUID | None
    seq: int
    event_id: uuid.UUID | None
    reason: str

    def __str__(self) -> str:
        which = f"event {self.event_id}" if self.event_id else "an event"
        where = f"device {self.device_id}, #{self.seq}" if self.device_id else "no device"
        return f"{which} ({where}): {self.reason}"


@dataclass(frozen=True)
class VerifyReport:
    devices: int
    events: int
    problems: list[Problem]
    #: Where the tables (current state) disagree with what the journal recorded.
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.mismatches

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        when = value
    else:
        when = datetime.fromisoformat(str(value))
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _canonical_key(value: Any, sqlite: bool) -> bool:
    """Keys are written in one form only (32 hex digits on SQLite); any other form
    was put there by hand, and would slip past a comparison of parsed values."""
    return not sqlite or (isinstance(value, str) and bool(_HEX32.match(value)))


_COLUMNS = "id, device_id, seq, at, actor, incident_id, kind, payload, prev_hash, hash"


def verify(session: Session) -> VerifyReport:
    """Walk every chain, every row of the journal included; report the first break of
    each chain, then check that the tables agree with what the journal recorded."""
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    problems: list[Problem] = []
    devices: dict[uuid.UUID, tuple[int, str]] = {}
    for raw_id, last_seq, last_hash in conn.exec_driver_sql("SELECT id, last_seq, last_hash FROM device"):
        devices[_uuid(raw_id)] = (last_seq, last_hash)
    local = conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'device_id'").scalar()
    if local is None or _uuid(local) not in devices:
        problems.append(Problem(None, 0, None, "this database's own device record is missing (the journal was emptied?)"))

    total = 0
    walked: set[uuid.UUID] = set()
    current: uuid.UUID | None = None
    raw_current: Any = None
    prev, expected, broken = GENESIS, 1, False

    def close_chain() -> None:
        if current is None or broken:
            return
        head = devices.get(current)
        if head is not None and (head[0] != expected - 1 or head[1] != prev):
            problems.append(Problem(current, expected, None,
                                    f"missing: the device's head is #{head[0]} but the chain ends at #{expected - 1}"))

    # Grouped by the stored text of the device id: a row stored in another form is its own group.
    for row in conn.exec_driver_sql(f"SELECT {_COLUMNS} FROM journal_event ORDER BY device_id, seq"):
        total += 1
        raw_id, raw_device, seq, raw_at, actor, raw_incident, kind, payload, prev_hash, digest = row
        if raw_device != raw_current:
            close_chain()
            raw_current = raw_device
            prev, expected, broken = GENESIS, 1, False
            try:
                current = _uuid(raw_device)
            except ValueError:
                current = None
                problems.append(Problem(None, seq or 0, None, f"an event with a malformed device id {raw_device!r}"))
                broken = True
                continue
            if current in walked or not _canonical_key(raw_device, sqlite):
                problems.append(Problem(current, seq, None, "an event stored in a form War room never writes "
                                                            "(inserted by hand)"))
                broken = True
            elif current not in devices:
                problems.append(Problem(current, seq, None, "events of a device this database does not know"))
                broken = True
            walked.add(current)
        if broken:
            continue
        try:
            event_id = _uuid(raw_id)
        except ValueError:
            problems.append(Problem(current, seq, None, f"a malformed event id {raw_id!r}"))
            broken = True
            continue
        if seq != expected:
            problems.append(Problem(current, expected, None, f"missing: the chain jumps from #{expected - 1} to #{seq}"))
            broken = True
            continue
        try:
            if not (_canonical_key(raw_id, sqlite) and (raw_incident is None or _canonical_key(raw_incident, sqlite))):
                raise ValueError("non-canonical key")
            header = event_header(id=event_id, device_id=current, seq=seq, at=_time(raw_at), actor=actor,
                                  incident_id=_uuid(raw_incident) if raw_incident is not None else None, kind=kind)
        except (ValueError, TypeError):
            problems.append(Problem(current, seq, event_id, "its fields are malformed (changed by hand)"))
            broken = True
            continue
        if prev_hash != prev:
            problems.append(Problem(current, seq, event_id, "its link to the previous event does not match "
                                                            "(an event before it was changed or removed)"))
            broken = True
            continue
        if event_hash(prev, header, payload) != digest:
            problems.append(Problem(current, seq, event_id, "its content was changed after it was written"))
            broken = True
            continue
        prev = digest
        expected += 1
    close_chain()
    for device_id in devices.keys() - walked:
        if devices[device_id][0] != 0:
            problems.append(Problem(device_id, 1, None, f"missing: the device's head is #{devices[device_id][0]} "
                                                        "but it has no events"))
    mismatches = _state_mismatches(conn) if sqlite else []
    return VerifyReport(devices=len(devices), events=total, problems=problems, mismatches=mismatches)


# The tables are the current state and the journal its history: they must agree.
# (SQLite's JSON functions; a PostgreSQL version comes with team sync.)
_ENTRY_MISMATCHES = """
WITH ev AS (
    SELECT replace(json_extract(payload, '$.entry_id'), '-', '') AS eid,
           CASE WHEN kind IN ('timeline.logged', 'timeline.edited') THEN json_extract(payload, '$.text') END AS text,
           row_number() OVER (PARTITION BY json_extract(payload, '$.entry_id')
                              ORDER BY CASE WHEN kind IN ('timeline.logged', 'timeline.edited') THEN 0 ELSE 1 END,
                                       at DESC, seq DESC) AS n
    FROM journal_event
    WHERE json_extract(payload, '$.entry_id') IS NOT NULL
)
SELECT e.id, ev.eid IS NULL FROM timeline_entry AS e LEFT JOIN ev ON ev.eid = e.id AND ev.n = 1
WHERE ev.eid IS NULL OR (ev.text IS NOT NULL AND ev.text IS NOT e.text)
LIMIT 20
"""

_INCIDENT_MISMATCHES = """
WITH ev AS (
    SELECT incident_id, kind,
           CASE WHEN kind = 'incident.opened' THEN json_extract(payload, '$.status')
                WHEN kind IN ('incident.status_changed', 'incident.reopened') THEN json_extract(payload, '$.to') END
               AS status,
           CASE WHEN kind = 'incident.opened' THEN json_extract(payload, '$.severity')
                WHEN kind = 'incident.severity_changed' THEN json_extract(payload, '$.to') END AS severity,
           at, seq
    FROM journal_event WHERE incident_id IS NOT NULL AND kind LIKE 'incident.%'
), last_status AS (
    SELECT incident_id, status, row_number() OVER (PARTITION BY incident_id ORDER BY at DESC, seq DESC) AS n
    FROM ev WHERE status IS NOT NULL
), last_severity AS (
    SELECT incident_id, severity, row_number() OVER (PARTITION BY incident_id ORDER BY at DESC, seq DESC) AS n
    FROM ev WHERE severity IS NOT NULL
)
SELECT i.ref, s.status IS NULL, i.status, s.status, i.severity, v.severity
FROM incident AS i
LEFT JOIN last_status AS s ON s.incident_id = i.id AND s.n = 1
LEFT JOIN last_severity AS v ON v.incident_id = i.id AND v.n = 1
WHERE s.status IS NULL OR s.status IS NOT i.status OR v.severity IS NOT i.severity
LIMIT 20
"""


def _state_mismatches(conn) -> list[str]:
    out: list[str] = []
    for ref, unrecorded, status, j_status, severity, j_severity in conn.exec_driver_sql(_INCIDENT_MISMATCHES):
        if unrecorded:
            out.append(f"incident {ref} is not in the journal (added by hand)")
        elif status != j_status:
            out.append(f"incident {ref} says {status} but the journal last recorded {j_status}")
        else:
            out.append(f"incident {ref} says {severity} but the journal last recorded {j_severity}")
    for entry_id, unrecorded in conn.exec_driver_sql(_ENTRY_MISMATCHES):
        what = "is not in the journal (added by hand)" if unrecorded else \
            "has text the journal never recorded (changed by hand)"
        out.append(f"timeline entry {_uuid(entry_id)} {what}")
    return out
