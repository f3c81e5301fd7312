"""State as a function of the journal: one applier per event kind.

Each kind of journal event has exactly one apply function, which writes what the
event's change wrote, from the event alone (its header and payload), through the
ORM session. Appliers set rows to the values the event carries, so applying an
event twice changes nothing; :func:`ingest` also skips an event already in the
journal. Events are applied in each device's order; events of different devices
may interleave in any order.

:func:`rebuild` makes one database's state from another's journal; a pulled
event goes through :func:`ingest` the same way.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warroom.identity import SYSTEM
from warroom.journal import GENESIS, event_hash, event_header
from warroom.store.models import Device, JournalEvent
from warroom.sync import (
    apply_config, apply_delivery, apply_drafts, apply_exercise, apply_followups, apply_inbound, apply_incidents,
    apply_inquiries, apply_obligations, apply_watch,
)
from warroom.sync.apply_base import QUICK, Applier, Event, EventRefused, as_time, as_uuid

#: Kinds whose events change no state table, and why.
NOTHING_TO_APPLY: dict[str, str] = {
    "database.created": "a device's own beginning: its device row is written when its first event is ingested",
    "journal.signed_late": "a note on the chain's signature, which belongs to the device that signed it",
}
#: Kinds whose applier writes only through ``apply_base.put`` (a timeline entry), so its
#: look-ups need not flush what earlier events of the pull wrote: the bulk of a long
#: journal. A test keeps the list true (tests/unit/test_sync_apply.py).
QUICK_KINDS = frozenset({"timeline.logged"})


def _registry() -> dict[str, Applier | None]:
    out: dict[str, Applier | None] = {kind: None for kind in NOTHING_TO_APPLY}
    for module in (apply_incidents, apply_drafts, apply_delivery, apply_config, apply_exercise, apply_followups,
                   apply_inbound, apply_inquiries, apply_obligations, apply_watch):
        for kind, fn in module.APPLIERS.items():
            if kind in out:
                raise RuntimeError(f"two appliers for {kind}")
            out[kind] = fn
    return out


#: Every event kind War room records -> its one applier (None: see NOTHING_TO_APPLY).
APPLIERS: dict[str, Applier | None] = _registry()


def applier(kind: str) -> Applier | None:
    """The apply function of ``kind`` (None for a kind with nothing to apply)."""
    try:
        return APPLIERS[kind]
    except KeyError:
        raise EventRefused(f"unknown event kind {kind!r}: this version of War room cannot apply it "
                           "(update War room)") from None


def apply_event(session: Session, event: Event) -> None:
    """Write one event's changes to the tables (not to the journal). They reach the
    database with the session's next flush: the next event's first read, a savepoint's
    end, or the commit (a flush per event cost a pull about half its time)."""
    fn = applier(event.kind)
    if fn is not None:
        session.info[QUICK] = event.kind in QUICK_KINDS
        try:
            fn(session, event)
        finally:
            session.info[QUICK] = False


def defer_references(session: Session) -> None:
    """Check references at commit: within one transaction an event may name a row the
    next event of the same change writes (an update's first words come before it).
    Once per transaction: a pull applies thousands of events in one."""
    transaction = session.get_transaction()
    if transaction is not None and session.info.get("references_deferred") is transaction:
        return
    if session.get_bind().dialect.name == "sqlite":
        session.execute(select(1))  # the transaction has begun: the pragma lasts until its end
        session.connection().exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    session.info["references_deferred"] = session.get_transaction()


_FIELDS = ("id", "device_id", "seq", "at", "actor", "incident_id", "kind", "payload", "prev_hash", "hash")


def ingest(session: Session, stored: Mapping[str, Any], *, device_label: str | None = None) -> bool:
    """Take one event of another device's journal (the row as stored: header, payload
    text, previous hash and hash): check that it continues its device's chain here,
    apply it and append it to the journal. Returns False for an event already here."""
    event_id, device_id, seq = as_uuid(stored["id"]), as_uuid(stored["device_id"]), int(stored["seq"])
    if session.get(JournalEvent, event_id) is not None:
        return False
    device = session.get(Device, device_id)
    if device is None:
        device = Device(id=device_id, label=(device_label or f"device {device_id}")[:200],
                        created_at=as_time(stored["at"]), is_local=False, last_seq=0, last_hash=GENESIS, signed_seq=0)
        session.add(device)
        session.flush()
    where = f"event {event_id} ({stored['kind']}, device {device_id} #{seq})"
    if seq != device.last_seq + 1 or stored["prev_hash"] != device.last_hash:
        raise EventRefused(f"{where} does not continue its device's chain here (which ends at #{device.last_seq})")
    incident = stored["incident_id"]
    header = event_header(id=event_id, device_id=device_id, seq=seq, at=as_time(stored["at"]), actor=stored["actor"],
                          incident_id=as_uuid(incident) if incident is not None else None, kind=stored["kind"])
    if event_hash(stored["prev_hash"], header, stored["payload"]) != stored["hash"]:
        raise EventRefused(f"{where}: its content does not match its hash (it was changed)")
    event = Event.from_row(stored)
    apply_event(session, event)
    session.add(JournalEvent(id=event.id, device_id=event.device_id, seq=event.seq, at=event.at, actor=event.actor,
                             incident_id=event.incident_id, kind=event.kind, payload=stored["payload"],
                             prev_hash=stored["prev_hash"], hash=stored["hash"]))
    device.last_seq, device.last_hash = event.seq, stored["hash"]
    session.flush()
    return True


def interleave(chains: Iterable[list[Any]]) -> list[Any]:
    """Events of several devices in one order: each device's in its own order, the
    devices' merged by time (a device's clock may step back: its order still wins)."""
    lists = [chain for chain in chains if chain]
    heads = [(chain[0].at, str(chain[0].device_id), 0, i) for i, chain in enumerate(lists)]
    heapq.heapify(heads)
    out = []
    while heads:
        _at, _device, pos, i = heapq.heappop(heads)
        out.append(lists[i][pos])
        if pos + 1 < len(lists[i]):
            nxt = lists[i][pos + 1]
            heapq.heappush(heads, (nxt.at, str(nxt.device_id), pos + 1, i))
    return out


def journal_rows(session: Session) -> list[dict[str, Any]]:
    """Every event of a journal as stored, in an order that respects each device's."""
    chains: dict[Any, list[Any]] = {}
    for row in session.scalars(select(JournalEvent).order_by(JournalEvent.device_id, JournalEvent.seq)):
        chains.setdefault(row.device_id, []).append(row)
    return [{k: getattr(r, k) for k in _FIELDS} for r in interleave(chains.values())]


def ingest_all(store, rows: Iterable[Mapping[str, Any]], *, labels: Mapping[Any, str] | None = None) -> int:
    """:func:`ingest` each event, in the order given (each device's own order kept), in
    one write transaction: all of them or, when one is refused, none. Events of
    ``store``'s own device are skipped (they are here already). Returns how many were
    applied."""
    done = 0
    with store.write(SYSTEM, warn_ms=None) as tx:
        defer_references(tx.session)
        for row in rows:
            if as_uuid(row["device_id"]) == store.device_id:
                continue
            if ingest(tx.session, row, device_label=(labels or {}).get(as_uuid(row["device_id"]))):
                done += 1
    return done


def rebuild(store_from, store_to) -> int:
    """Apply ``store_from``'s whole journal to ``store_to``: its events join
    ``store_to``'s journal (each device's chain checked link by link), their changes
    its tables, and each chain's signed checkpoint comes along. Events ``store_to``
    has already are skipped. Returns how many events were applied."""
    with store_from.read() as session:
        rows = journal_rows(session)
        devices = {d.id: (d.label, d.signed_seq, d.signature, d.public_key)
                   for d in session.scalars(select(Device))}
    done = ingest_all(store_to, rows, labels={key: value[0] for key, value in devices.items()})
    with store_to.write(SYSTEM, warn_ms=None) as tx:
        for device_id, (_label, signed_seq, signature, public_key) in devices.items():
            here = tx.session.get(Device, device_id)
            if device_id == store_to.device_id or here is None or signature is None or signed_seq > here.last_seq:
                continue
            tx.session.execute(update(Device).where(Device.id == device_id).values(
                signed_seq=signed_seq, signature=signature, public_key=public_key))
    return done
