"""A laptop's side of team sync: push this device's events, pull everyone else's.

Push sends this device's events the server does not have yet, in order (seq),
through the server's ``warroom_sync.push``; the server may refuse one (another
person's name, a role the server does not see, a broken chain), which stops the
push there and is kept, named, until a later push gets past it. How far the push
got is written only after the server committed, and the server takes an event it
already has as a no-op: a push killed at any moment is simply done again, and
nothing is lost or doubled. Events of other devices are theirs to push (the server
binds a device to the login that pushed it first).

Pull reads the events after the cursor, in the server's order, and verifies each
before it is kept: it must follow its device's chain as this database has it, and
its hash must match its content; each device's signed checkpoint must match the
chain. The events of a batch, what the appliers made of them, the chains' heads
and the new cursor are one local transaction: a pull killed at any moment leaves
the database as it was before the batch, and the next pull reads the batch again.

Events this login may not read (a confidential incident of which it is not a
member) arrive as links only — device, seq and hashes — so the chain still holds
together; they are kept in ``sync_hidden``, never in the journal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from warroom import devicekey
from warroom.errors import InputError, WarroomError
from warroom.identity import SYSTEM
from warroom.journal import GENESIS, event_hash, event_header
from warroom.store import Store
from warroom.store.models import Device, JournalEvent, SyncHidden, SyncPushed, SyncRefusal, SyncServer
from warroom.sync import references
from warroom.sync import server as server_schema
from warroom.sync import wire

#: Events per round trip, each way.
BATCH = 500

#: Applies one pulled event (already in the session's journal) to the tables.
Applier = Callable[[Session, JournalEvent], None]
#: Told after each batch is kept: ("push" or "pull", events kept so far).
Progress = Callable[[str, int], None]

_PUSH = ("SELECT warroom_sync.push(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")
_EVENTS = ("SELECT cursor, id, device, seq, at, actor, incident, kind, payload, prev_hash, hash "
           "FROM warroom_sync.event WHERE cursor > %s AND cursor <= %s ORDER BY cursor")


@dataclass(frozen=True, slots=True)
class Refusal:
    direction: str                # push | pull
    reason: str
    event_id: uuid.UUID | None = None
    device_id: uuid.UUID | None = None
    seq: int | None = None
    kind: str | None = None

    def __str__(self) -> str:
        return f"{'pushed' if self.direction == 'push' else 'pulled'} event refused: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"direction": self.direction, "reason": self.reason, "event_id": self.event_id,
                "device_id": self.device_id, "seq": self.seq, "kind": self.kind}


@dataclass
class Outcome:
    pushed: int = 0
    pulled: int = 0
    hidden: int = 0
    #: Events hidden from this login before, readable now (it became a member).
    revealed: int = 0
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refusals


@dataclass(frozen=True, slots=True)
class Status:
    url: str
    login: str
    where: str
    cursor: int
    waiting: int
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    refusals: tuple[Refusal, ...]

    @property
    def summary(self) -> str:
        """One phrase for a status bar: "synced", "N to send", "offline since …"."""
        if self.last_error is not None:
            since = self.last_success_at.strftime("%Y-%m-%d %H:%M UTC") if self.last_success_at else "the start"
            return f"offline since {since}" + (f", {self.waiting} to send" if self.waiting else "")
        if self.refusals:
            return f"{len(self.refusals)} refused"
        return f"{self.waiting} to send" if self.waiting else "synced"

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "server": self.where, "url": self.url, "login": self.login,
                "cursor": self.cursor,
                "waiting": self.waiting, "last_attempt_at": self.last_attempt_at,
                "last_success_at": self.last_success_at, "last_error": self.last_error,
                "refusals": [r.as_dict() for r in self.refusals]}


# -- what this database remembers ------------------------------------------------------

def configure(store: Store, url: str) -> wire.Server:
    """Remember the server (and login) this database syncs with. Another server or
    login starts over: its cursor is its own."""
    server = wire.parse(url)
    with store.write(SYSTEM) as tx:
        row = tx.session.get(SyncServer, 1)
        if row is None:
            tx.session.add(SyncServer(id=1, url=server.url, login=server.login, cursor=0))
        elif row.url != server.url:
            row.url, row.login, row.cursor, row.last_error = server.url, server.login, 0, None
            tx.session.execute(delete(SyncRefusal))
            tx.session.execute(delete(SyncPushed))
    return server


def remembered_url(store: Store) -> str | None:
    with store.read() as session:
        row = session.get(SyncServer, 1)
        return row.url if row is not None else None


def _refusal(row: SyncRefusal) -> Refusal:
    return Refusal(row.direction, row.reason, row.event_id, row.device_id, row.seq, row.kind)


def status(store: Store) -> Status | None:
    """What ``sync status`` shows; None when this database has no server yet."""
    with store.read() as session:
        row = session.get(SyncServer, 1)
        if row is None:
            return None
        device = session.get(Device, store.device_id)
        pushed = session.get(SyncPushed, store.device_id)
        refusals = tuple(_refusal(r) for r in session.scalars(select(SyncRefusal).order_by(SyncRefusal.at,
                                                                                        SyncRefusal.seq)))
        waiting = (device.last_seq if device else 0) - (pushed.seq if pushed else 0)
        return Status(row.url, row.login, wire.parse(row.url).where, row.cursor, max(waiting, 0),
                      row.last_attempt_at, row.last_success_at, row.last_error, refusals)


def _note(store: Store, **values: Any) -> None:
    with store.write(SYSTEM) as tx:
        row = tx.session.get(SyncServer, 1)
        for key, value in values.items():
            setattr(row, key, value)


def _set_refusals(store: Store, direction: str, refusals: list[Refusal]) -> None:
    with store.write(SYSTEM) as tx:
        tx.session.execute(delete(SyncRefusal).where(SyncRefusal.direction == direction))
        for r in refusals:
            tx.session.add(SyncRefusal(id=uuid.uuid4(), direction=direction, event_id=r.event_id,
                                       device_id=r.device_id, seq=r.seq, kind=r.kind, reason=r.reason,
                                       at=tx.now))


# -- one round ---------------------------------------------------------------------------

def sync_once(store: Store, apply: Applier, *, url: str | None = None, conn=None,
              progress: Progress | None = None) -> Outcome:
    """Push, then pull, once. ``conn``: an open connection to use (else one is made
    with the remembered password). Raises :class:`wire.Unreachable` when offline."""
    if url is not None:
        configure(store, url)
    url = remembered_url(store)
    if url is None:
        raise InputError("This database has no team server yet: warroom-cli sync --server "
                         "postgresql://LOGIN@HOST/DATABASE", field="server")
    _note(store, last_attempt_at=store.clock.now())
    own = conn is None
    try:
        if own:
            conn = wire.connect_with_password(url)
        outcome = Outcome()
        outcome.pushed, refused = push(store, conn, progress)
        _set_refusals(store, "push", refused)
        outcome.pulled, outcome.hidden, pulled_refused = pull(store, conn, apply, progress)
        if not pulled_refused:
            outcome.revealed, pulled_refused = reveal(store, conn, apply)
        if (outcome.pulled or outcome.revealed) and references.settle(store) and not refused:
            more, refused = push(store, conn, progress)      # the renumbering goes out in the same round
            outcome.pushed += more
            _set_refusals(store, "push", refused)
        _set_refusals(store, "pull", pulled_refused)
        outcome.refusals = refused + pulled_refused
    except Exception as exc:
        _note(store, last_error=_one_line(exc))
        if _lost(exc):
            where = wire.parse(url).where
            raise wire.Unreachable(f"Offline: the connection to {where} was lost ({_one_line(exc)}).") from None
        raise
    finally:
        if own and conn is not None:
            conn.close()
    _note(store, last_success_at=store.clock.now(), last_error=None)
    return outcome


def follow(store: Store, apply: Applier, *, report: Callable[[Outcome], None],
           offline: Callable[[wire.Unreachable], None], interval: float = 10.0, rounds: int | None = None) -> None:
    """Sync until interrupted (or ``rounds`` rounds): a round now, then whenever another
    laptop pushes (the server's NOTIFY) and at least every ``interval`` seconds. Offline,
    ``offline`` is told and the next round tries again."""
    import time

    import psycopg

    url = remembered_url(store)
    if url is None:
        raise InputError("This database has no team server yet: warroom-cli sync --server "
                         "postgresql://LOGIN@HOST/DATABASE", field="server")
    conn = None
    done = 0
    try:
        while rounds is None or done < rounds:
            done += 1
            try:
                if conn is None:
                    conn = wire.connect_with_password(url)
                    conn.execute("LISTEN warroom_sync")
                report(sync_once(store, apply, conn=conn))
                if rounds is None or done < rounds:
                    _wait_for_others(conn, interval)
            except (wire.Unreachable, psycopg.OperationalError) as exc:
                if conn is not None:
                    conn.close()
                    conn = None
                offline(exc if isinstance(exc, wire.Unreachable) else wire.Unreachable(_one_line(exc)))
                if rounds is None or done < rounds:
                    time.sleep(interval)
    finally:
        if conn is not None:
            conn.close()


def _wait_for_others(conn, interval: float) -> None:
    """Until another connection pushes (this one's own pushes notify it too), at most ``interval`` s."""
    import time

    own = conn.info.backend_pid
    deadline = time.monotonic() + interval
    while (left := deadline - time.monotonic()) > 0:
        if any(n.pid != own for n in conn.notifies(timeout=left, stop_after=1)):
            return


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _lost(exc: BaseException) -> bool:
    import psycopg

    return isinstance(exc, psycopg.OperationalError)


# -- push -------------------------------------------------------------------------------

def push_params(row: JournalEvent, device: Device) -> tuple:
    """The values the push sends for one journal row (the server's event columns, in order)."""
    header = event_header(id=row.id, device_id=row.device_id, seq=row.seq, at=row.at, actor=row.actor,
                          incident_id=row.incident_id, kind=row.kind)
    signed = device.signature is not None and device.signed_seq == row.seq
    return (row.id, row.device_id, row.seq, header["at"], row.actor, row.incident_id, row.kind, row.payload,
            row.prev_hash, row.hash, row.seq if signed else None, device.signature if signed else None,
            device.public_key if signed else None)


def push(store: Store, conn, progress: Progress | None = None) -> tuple[int, list[Refusal]]:
    """Send this device's events the server lacks; returns how many went, and the
    refusal that stopped the push, if one did."""
    import psycopg

    sent = 0
    while True:
        with store.read() as session:
            done = session.get(SyncPushed, store.device_id)
            after = done.seq if done else 0
            rows = session.scalars(select(JournalEvent).where(JournalEvent.device_id == store.device_id,
                                                              JournalEvent.seq > after)
                                   .order_by(JournalEvent.seq).limit(BATCH)).all()
            device = session.get(Device, store.device_id)
            params = [push_params(r, device) for r in rows]
        if not rows:
            return sent, []
        refusal: Refusal | None = None
        accepted = len(rows)
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(_PUSH, params)
        except psycopg.Error as exc:
            if exc.sqlstate != server_schema.REFUSED:
                raise
            bad = _refused_at(exc, rows)
            accepted = bad
            row = rows[bad]
            refusal = Refusal("push", exc.diag.message_primary or str(exc), row.id, row.device_id, row.seq, row.kind)
            if bad:
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(_PUSH, params[:bad])
        if accepted:
            _pushed_up_to(store, store.device_id, rows[accepted - 1].seq)
            sent += accepted
            if progress:
                progress("push", sent)
        if refusal is not None:
            return sent, [refusal]


def _refused_at(exc, rows: list[JournalEvent]) -> int:
    detail = exc.diag.message_detail or ""
    for i, row in enumerate(rows):
        if str(row.id) == detail.strip():
            return i
    return 0


def _pushed_up_to(store: Store, device_id: uuid.UUID, seq: int) -> None:
    with store.write(SYSTEM) as tx:
        row = tx.session.get(SyncPushed, device_id)
        if row is None:
            tx.session.add(SyncPushed(device_id=device_id, seq=seq))
        elif seq > row.seq:
            row.seq = seq


# -- pull -------------------------------------------------------------------------------

class _Stop(Exception):
    """A pulled event failed a check: the batch stops before it."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


def pull(store: Store, conn, apply: Applier, progress: Progress | None = None) -> tuple[int, int, list[Refusal]]:
    """Take the events after the cursor; returns (events kept, links of unreadable
    events, refusals)."""
    pulled = hidden = 0
    while True:
        with store.read() as session:
            cursor = session.get(SyncServer, 1).cursor
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            links = conn.execute("SELECT cursor, device, seq, prev_hash, hash FROM warroom_sync.links(%s, %s)",
                                 (cursor, BATCH)).fetchall()
            if not links:
                return pulled, hidden, []
            events = {r[0]: r for r in conn.execute(_EVENTS, (cursor, links[-1][0]))}
            devices = list({link[1] for link in links})
            checkpoints = {r[0]: r for r in conn.execute(
                "SELECT id, signed_seq, signature, public_key FROM warroom_sync.device WHERE id = ANY(%s)",
                (devices,))}
        try:
            try:
                n, h, stop = _take(store, links, events, checkpoints, apply, careful=False)
            except _Careful:           # an applier refused one: again, each event on its own
                n, h, stop = _take(store, links, events, checkpoints, apply, careful=True)
        except _Stop as exc:         # a checkpoint that does not match: nothing of the batch is kept
            return pulled, hidden, [exc.refusal]
        pulled += n
        hidden += h
        if progress:
            progress("pull", pulled)
        if stop is not None:
            return pulled, hidden, [stop]


_EVENTS_AT = ("SELECT e.cursor, e.id, e.device, e.seq, e.at, e.actor, e.incident, e.kind, e.payload, e.prev_hash, "
              "e.hash FROM warroom_sync.event e JOIN unnest(%s::uuid[], %s::integer[]) AS h (device, seq) "
              "ON e.device = h.device AND e.seq = h.seq ORDER BY e.cursor")


def reveal(store: Store, conn, apply: Applier) -> tuple[int, list[Refusal]]:
    """Events this login could not read when they were pulled, which it may read now
    (it became a member of the incident): checked against the links kept for them,
    then moved into the journal and applied, in the server's order."""
    with store.read() as session:
        links = {(r.device_id, r.seq): r for r in session.scalars(select(SyncHidden))}
    shown = 0
    keys = sorted(links, key=lambda k: (str(k[0]), k[1]))
    for start in range(0, len(keys), BATCH):
        chunk = keys[start:start + BATCH]
        with conn.transaction():
            rows = conn.execute(_EVENTS_AT, ([k[0] for k in chunk], [k[1] for k in chunk])).fetchall()
        if not rows:
            continue
        with store.write(SYSTEM, warn_ms=None) as tx:
            for event in rows:
                link = links[(event[2], event[3])]
                try:
                    row = _event_row((event[0], link.device_id, link.seq, link.prev_hash, link.hash), event)
                    with tx.session.begin_nested():
                        tx.session.execute(delete(SyncHidden).where(SyncHidden.device_id == link.device_id,
                                                                    SyncHidden.seq == link.seq))
                        tx.session.add(row)
                        apply(tx.session, row)
                except _Stop as exc:
                    return shown, [exc.refusal]
                except WarroomError as exc:
                    return shown, [Refusal("pull", f"event {event[1]} ({event[7]}) cannot be applied here: {exc}",
                                           event[1], link.device_id, link.seq, event[7])]
                shown += 1
    return shown, []


@dataclass
class _Head:
    seq: int
    hash: str
    row: Device | None


def _head(session: Session, heads: dict[uuid.UUID, _Head], device_id: uuid.UUID) -> _Head:
    if device_id not in heads:
        row = session.get(Device, device_id)
        heads[device_id] = _Head(row.last_seq, row.last_hash, row) if row else _Head(0, GENESIS, None)
    return heads[device_id]


def _hash_at(session: Session, device_id: uuid.UUID, seq: int) -> str | None:
    found = session.scalar(select(JournalEvent.hash).where(JournalEvent.device_id == device_id,
                                                           JournalEvent.seq == seq))
    if found is None:
        found = session.scalar(select(SyncHidden.hash).where(SyncHidden.device_id == device_id,
                                                             SyncHidden.seq == seq))
    return found


def _event_row(link, event) -> JournalEvent:
    """The pulled event as a journal row, once its content is shown to be what was hashed."""
    cur, event_id, device_id, seq, at_text, actor, incident_id, kind, payload, prev_hash, digest = event
    named = f"event {event_id} (device {device_id}, #{seq}, {kind})"
    if (device_id, seq, prev_hash, digest) != tuple(link[1:5]):
        raise _Stop(Refusal("pull", f"{named}: the server's copy disagrees with its own chain links",
                            event_id, device_id, seq, kind))
    try:
        at = datetime.fromisoformat(at_text)
        header = event_header(id=event_id, device_id=device_id, seq=seq, at=at, actor=actor,
                              incident_id=incident_id, kind=kind)
    except (ValueError, TypeError):
        header = None
    if header is None or header["at"] != at_text or event_hash(prev_hash, header, payload) != digest:
        raise _Stop(Refusal("pull", f"{named}: it was changed after it was written (its hash does not match its "
                                    "content)", event_id, device_id, seq, kind))
    return JournalEvent(id=event_id, device_id=device_id, seq=seq, at=at, actor=actor, incident_id=incident_id,
                        kind=kind, payload=payload, prev_hash=prev_hash, hash=digest)


class _Careful(Exception):
    """An applier refused an event of a batch taken whole: take it again event by event."""


def _take(store: Store, links, events, checkpoints, apply: Applier, *,
          careful: bool) -> tuple[int, int, Refusal | None]:
    """Keep one batch in one local transaction; stop before an event that fails a check.
    ``careful``: each event in a savepoint, so one its applier refuses leaves no trace
    and those before it are kept (slower; only after a refusal)."""
    pulled = hidden = 0
    stop: Refusal | None = None
    with store.write(SYSTEM, warn_ms=None) as tx:
        session = tx.session
        heads: dict[uuid.UUID, _Head] = {}
        last = None
        for link in links:
            cur, device_id, seq, prev_hash, digest = link
            if device_id == store.device_id:
                last = cur
                continue                  # this device's own events, pushed from here
            head = _head(session, heads, device_id)
            named = f"event #{seq} of device {device_id}"
            if seq <= head.seq:
                if _hash_at(session, device_id, seq) != digest:
                    stop = Refusal("pull", f"{named}: this database has another event at that place in the "
                                           "device's chain (the chain was rewritten)", None, device_id, seq)
                    break
                last = cur
                continue
            if seq != head.seq + 1 or prev_hash != head.hash:
                stop = Refusal("pull", f"{named}: it does not follow the device's chain as this database has it "
                                       f"(#{head.seq}): an event before it is missing or was changed",
                               None, device_id, seq)
                break
            if head.row is None:
                head.row = Device(id=device_id, label=f"device {str(device_id)[:8]}", created_at=tx.now,
                                  is_local=False, last_seq=0, last_hash=GENESIS)
                session.add(head.row)
                session.flush()
            event = events.get(cur)
            if event is None:
                session.add(SyncHidden(device_id=device_id, seq=seq, prev_hash=prev_hash, hash=digest))
                hidden += 1
            else:
                try:
                    row = _event_row(link, event)
                    if careful:
                        with session.begin_nested():      # an event its applier refuses leaves no trace
                            session.add(row)
                            apply(session, row)
                    else:
                        session.add(row)
                        apply(session, row)
                except _Stop as exc:
                    stop = exc.refusal
                    break
                except WarroomError as exc:
                    if not careful:
                        raise _Careful() from exc
                    stop = Refusal("pull", f"event {event[1]} (device {device_id}, #{seq}, {event[7]}) cannot be "
                                           f"applied here: {exc}", event[1], device_id, seq, event[7])
                    break
                pulled += 1
            head.seq, head.hash = seq, digest
            last = cur
        session.flush()
        for device_id, head in heads.items():
            _checkpoint(session, device_id, head, checkpoints.get(device_id))
            if head.row is not None:
                head.row.last_seq, head.row.last_hash = head.seq, head.hash
                done = session.get(SyncPushed, device_id)
                if done is None:
                    session.add(SyncPushed(device_id=device_id, seq=head.seq))
                else:
                    done.seq = max(done.seq, head.seq)
        if last is not None:
            session.get(SyncServer, 1).cursor = last
    return pulled, hidden, stop


def _checkpoint(session: Session, device_id: uuid.UUID, head: _Head, point) -> None:
    """Keep the device's signed checkpoint once the chain reaches it, if it matches."""
    if point is None or head.row is None or not point[2] or not point[3] or not 0 < point[1] <= head.seq:
        return
    _id, signed_seq, signature, public_key = point
    if head.row.public_key is not None and head.row.public_key != public_key:
        raise _Stop(Refusal("pull", f"device {device_id}'s chain is now signed by key "
                                    f"{devicekey.fingerprint(public_key)}, not by its own key "
                                    f"{devicekey.fingerprint(head.row.public_key)}", None, device_id, signed_seq))
    signed_hash = head.hash if signed_seq == head.seq else _hash_at(session, device_id, signed_seq)
    if signed_hash is None or not devicekey.checkpoint_valid(public_key, signature, device_id, signed_seq,
                                                             signed_hash):
        raise _Stop(Refusal("pull", f"device {device_id}'s signed checkpoint at #{signed_seq} does not match its "
                                    "chain: its events were rewritten after they were signed", None, device_id,
                            signed_seq))
    if signed_seq >= (head.row.signed_seq or 0):
        head.row.signed_seq, head.row.signature, head.row.public_key = signed_seq, signature, public_key
