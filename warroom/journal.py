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
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from warroom import devicekey
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
    #: What the check cannot vouch for, without it being wrong: events not signed
    #: (yet), a signer it cannot confirm.
    notes: list[str] = field(default_factory=list)

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


#: How often (in events) :func:`verify` reports its progress.
PROGRESS_EVERY = 10_000


def verify(session: Session, progress: Callable[[int, int], None] | None = None, *,
           own_key: str | None = None, trusted_keys: frozenset[str] = frozenset()) -> VerifyReport:
    """Walk every chain, every row of the journal included; report the first break of
    each chain, check each chain's signed checkpoint, then check that the tables agree
    with what the journal recorded.

    ``own_key`` is this device's public key as the keyring holds it (None when it
    cannot be read): a checkpoint signed by any other key was re-signed by someone
    who rewrote the chain. ``trusted_keys`` are other signers accepted for other
    devices' chains.

    ``progress(done, total)`` is called every :data:`PROGRESS_EVERY` events and once
    at the end of the walk; it may raise to stop the check (a Cancel button)."""
    conn = session.connection()
    expected_total = 0
    if progress:
        expected_total = conn.exec_driver_sql("SELECT count(*) FROM journal_event").scalar() or 0
        progress(0, expected_total)
    sqlite = conn.dialect.name == "sqlite"
    problems: list[Problem] = []
    devices: dict[uuid.UUID, tuple[int, str]] = {}
    checkpoints: dict[uuid.UUID, _Checkpoint] = {}
    for raw_id, last_seq, last_hash, signed_seq, signature, public_key in conn.exec_driver_sql(
            "SELECT id, last_seq, last_hash, signed_seq, signature, public_key FROM device"):
        devices[_uuid(raw_id)] = (last_seq, last_hash)
        checkpoints[_uuid(raw_id)] = _Checkpoint(signed_seq or 0, signature, public_key)
    local = conn.exec_driver_sql("SELECT value FROM meta WHERE key = 'device_id'").scalar()
    local_id = _uuid(local) if local is not None else None
    hidden = {key: link for key, link in _hidden_links(conn).items() if key[0] != local_id}
    if local_id is None or local_id not in devices:
        problems.append(Problem(None, 0, None, "this database's own device record is missing (the journal was emptied?)"))
    notes: list[str] = []

    total = 0
    state = _Replay()
    walked: set[uuid.UUID] = set()
    current: uuid.UUID | None = None
    raw_current: Any = None
    prev, expected, broken = GENESIS, 1, False
    signed_hash: str | None = None
    late: list[tuple[int, int]] = []

    def close_chain() -> None:
        nonlocal prev, expected, signed_hash
        if current is None or broken:
            return
        prev, expected, signed_hash = _over_hidden(hidden, current, prev, expected, signed_hash, checkpoints)
        head = devices.get(current)
        if head is not None and (head[0] != expected - 1 or head[1] != prev):
            problems.append(Problem(current, expected, None,
                                    f"missing: the device's head is #{head[0]} but the chain ends at #{expected - 1}"))
            return
        point = checkpoints.get(current)
        if point is not None:
            _check_signature(current, point, expected - 1, signed_hash, current == local_id, own_key, trusted_keys,
                             problems, notes)

    # Grouped by the stored text of the device id: a row stored in another form is its own group.
    for row in conn.exec_driver_sql(f"SELECT {_COLUMNS} FROM journal_event ORDER BY device_id, seq"):
        total += 1
        if progress and total % PROGRESS_EVERY == 0:
            progress(total, max(expected_total, total))
        raw_id, raw_device, seq, raw_at, actor, raw_incident, kind, payload, prev_hash, digest = row
        if raw_device != raw_current:
            close_chain()
            raw_current = raw_device
            prev, expected, broken, signed_hash = GENESIS, 1, False, None
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
            prev, expected, signed_hash = _over_hidden(hidden, current, prev, expected, signed_hash, checkpoints)
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
        point = checkpoints.get(current)
        if point is not None and seq == point.seq:
            signed_hash = digest
        if kind == "journal.signed_late":
            late.append(_late_range(payload))
        state.apply(kind, payload, raw_incident, raw_at, event_id)
    close_chain()
    if hidden:
        notes.append(f"{len(hidden)} events of other devices are not readable here (confidential to others): "
                     "their place in the chain was checked, not their content")
    for first, last in late:
        notes.append(f"events #{first}–#{last} were written without a signature (the key was locked, or they "
                     "were added outside War room) and signed afterwards")
    if progress:
        progress(total, total)
    for device_id in devices.keys() - walked:
        if devices[device_id][0] != 0 and _over_hidden(hidden, device_id, GENESIS, 1, None, checkpoints)[1:2] != (
                devices[device_id][0] + 1,):
            problems.append(Problem(device_id, 1, None, f"missing: the device's head is #{devices[device_id][0]} "
                                                        "but it has no events"))
    mismatches = state.compare(conn)
    return VerifyReport(devices=len(devices), events=total, problems=problems, mismatches=mismatches, notes=notes)


def _hidden_links(conn) -> dict[tuple[uuid.UUID, int], tuple[str, str]]:
    """Links of other devices' chains whose events this database may not read (team
    sync keeps them in ``sync_hidden``: an incident confidential to others)."""
    if not conn.dialect.has_table(conn, "sync_hidden"):    # an older schema, read before its upgrade
        return {}
    rows = conn.exec_driver_sql("SELECT device_id, seq, prev_hash, hash FROM sync_hidden").all()
    return {(_uuid(device), seq): (prev_hash, digest) for device, seq, prev_hash, digest in rows}


def _over_hidden(hidden, device: uuid.UUID, prev: str, expected: int, signed_hash: str | None,
                 checkpoints) -> tuple[str, int, str | None]:
    """Follow the chain across hidden links that fit it (each one's previous hash is the
    chain's last): the events they stand for are checked by those who may read them."""
    point = checkpoints.get(device)
    while (device, expected) in hidden and hidden[(device, expected)][0] == prev:
        prev = hidden[(device, expected)][1]
        if point is not None and expected == point.seq:
            signed_hash = prev
        expected += 1
    return prev, expected, signed_hash


# -- signed checkpoints ------------------------------------------------------------
# The chain proves that nothing changed *relative to its head*; the head's signature
# proves who vouched for that head. Whoever can write the file but lacks the device
# key can recompute every hash, but cannot sign the new head.

@dataclass(frozen=True, slots=True)
class _Checkpoint:
    seq: int
    signature: str | None
    public_key: str | None


def _late_range(payload_text: str) -> tuple[int, int]:
    try:
        payload = json.loads(payload_text)
        return int(payload["from_seq"]), int(payload["to_seq"])
    except (ValueError, KeyError, TypeError):
        return 0, 0


def _check_signature(device: uuid.UUID, point: _Checkpoint, last_seq: int, signed_hash: str | None, local: bool,
                     own_key: str | None, trusted_keys: frozenset[str], problems: list[Problem],
                     notes: list[str]) -> None:
    if point.signature is None or point.public_key is None:
        if local and own_key is not None and last_seq > 1:
            problems.append(Problem(device, last_seq, None,
                                    "this device has a signing key but its journal carries no signature: the "
                                    "signature was removed by hand, or every change so far was made while the key "
                                    "was locked (make a change with the key at hand, then check again)"))
        elif last_seq > 1:
            notes.append("the journal is not signed yet (no device key was at hand when it was written): "
                         "a chain rewritten with recomputed hashes would not be caught")
        return
    who = devicekey.fingerprint(point.public_key)
    if point.seq > last_seq or signed_hash is None:
        problems.append(Problem(device, point.seq, None, f"the signed checkpoint at #{point.seq} is past the end of "
                                                         f"the chain (#{last_seq}): events were removed"))
        return
    if not devicekey.checkpoint_valid(point.public_key, point.signature, device, point.seq, signed_hash):
        problems.append(Problem(device, point.seq, None,
                                f"the signed checkpoint at #{point.seq} does not match the chain: events up to "
                                f"#{point.seq} were rewritten after they were signed"))
        return
    if local and own_key is not None and point.public_key != own_key:
        problems.append(Problem(device, point.seq, None,
                                f"the journal was signed by key {who}, not by this device's key "
                                f"({devicekey.fingerprint(own_key)}): someone re-signed a rewritten chain"))
        return
    if local and own_key is None:
        notes.append(f"the journal is signed by key {who}; this device's key could not be read to confirm it is "
                     "this device's own (unlock the keyring or the secrets file)")
    elif not local and point.public_key not in trusted_keys:
        notes.append(f"device {device}'s chain is signed by key {who}, which this database does not trust")
    if point.seq < last_seq:
        notes.append(f"the last {last_seq - point.seq} events of {'this device' if local else f'device {device}'} "
                     "are not signed yet (written while the key was locked)")


# The tables are the current state and the journal its history: they must agree.
# The replay keeps, per entry and incident, only what the comparison needs (the
# latest text's digest, the latest status and severity), so a million-entry
# journal is checked in one pass with bounded memory.

_TEXT_KINDS = {"timeline.logged", "timeline.edited"}
_ENTRY_KINDS = _TEXT_KINDS | {"incident.opened", "incident.status_changed", "incident.reopened",
                              "incident.renumbered", "incident.severity_changed", "update.published", "delivery.dead",
                              "delivery.failed_over", "update.retracted", "incident.updated"}


def lost_entry_id(event_id: uuid.UUID, field: str) -> uuid.UUID:
    """The timeline note that keeps an edit's value of ``field`` when an edit made at
    the same time on another laptop won (see :mod:`warroom.sync.lww`)."""
    return uuid.uuid5(event_id, f"lost:{field}")


#: Status and severity moves: the field a lost one is noted under.
_MOVES = {"incident.status_changed": "status", "incident.reopened": "status", "incident.severity_changed": "severity"}


def _micros(raw: Any) -> int:
    """Microseconds since the epoch of a stored time (as :func:`warroom.sync.lww.micros`)."""
    when = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    when = when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when
    delta = when - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _key(raw: Any) -> int:
    """64 bits of an id: enough to tell a million entries apart, a third of the memory of the full UUID."""
    return _uuid(raw).int >> 64 ^ (_uuid(raw).int & 0xFFFFFFFFFFFFFFFF)


class _Replay:
    def __init__(self) -> None:
        # entry -> digest of its latest text (None: a status or severity entry). Events are
        # replayed in each device's order, which is the order they were written.
        self.entries: dict[int, int | None] = {}
        self.status: dict[int, tuple[int, str]] = {}             # incident id -> (stamp, status)
        self.severity: dict[int, tuple[int, str]] = {}

    def apply(self, kind: str, payload_text: str, raw_incident: Any, raw_at: Any,
              event_id: uuid.UUID | None = None) -> None:
        if kind not in _ENTRY_KINDS:
            return
        try:
            payload = json.loads(payload_text)
        except ValueError:
            return
        if kind == "incident.updated" and event_id is not None:
            for name in payload.get("changes") or {}:        # a value lost to an edit made at the same time
                self.entries.setdefault(_key(lost_entry_id(event_id, name)), None)
            return
        if event_id is not None and kind in _MOVES:          # a move lost to one made at the same time
            self.entries.setdefault(_key(lost_entry_id(event_id, _MOVES[kind])), None)
        # Moves order by their stamp (a hybrid logical clock, see warroom.sync.lww), else their time.
        hlc = payload.get("hlc")
        at = hlc if isinstance(hlc, int) else _micros(raw_at)   # a tie: the later in the device's order
        entry_id = payload.get("entry_id")
        if entry_id:
            key = _key(entry_id)
            text = payload.get("text") if kind in _TEXT_KINDS else None
            if text is not None:
                self.entries[key] = _digest(text)
            else:
                self.entries.setdefault(key, None)
        if raw_incident is None:
            return
        inc = _uuid(raw_incident).int
        status = payload.get("status") if kind == "incident.opened" else (
            payload.get("to") if kind in ("incident.status_changed", "incident.reopened") else None)
        severity = payload.get("severity") if kind == "incident.opened" else (
            payload.get("to") if kind == "incident.severity_changed" else None)
        if status and (inc not in self.status or at >= self.status[inc][0]):
            self.status[inc] = (at, status)
        if severity and (inc not in self.severity or at >= self.severity[inc][0]):
            self.severity[inc] = (at, severity)

    def compare(self, conn, limit: int = 20) -> list[str]:
        out: list[str] = []
        for raw_id, ref, status, severity in conn.exec_driver_sql("SELECT id, ref, status, severity FROM incident"):
            key = _uuid(raw_id).int
            if key not in self.status:
                out.append(f"incident {ref} is not in the journal (added by hand)")
            elif self.status[key][1] != status:
                out.append(f"incident {ref} says {status} but the journal last recorded {self.status[key][1]}")
            elif key in self.severity and self.severity[key][1] != severity:
                out.append(f"incident {ref} says {severity} but the journal last recorded {self.severity[key][1]}")
        for raw_id, text in conn.exec_driver_sql("SELECT id, text FROM timeline_entry"):
            if len(out) >= limit:
                break
            key = _key(raw_id)
            if key not in self.entries:
                out.append(f"timeline entry {_uuid(raw_id)} is not in the journal (added by hand)")
            elif self.entries[key] is not None and self.entries[key] != _digest(text):
                out.append(f"timeline entry {_uuid(raw_id)} has text the journal never recorded (changed by hand)")
        return out[:limit]
