"""The dispatcher: sends what the outbox holds.

Each delivery is claimed with a lease in a write transaction before it is sent,
so two dispatchers on one database (the window's and ``warroom-cli dispatch``)
never send the same delivery twice. The lease outlives the slowest send and is
renewed while an outcome waits to be written down, and a mark beside the database
(:mod:`warroom.delivery.inflight`) that only a live process can hold keeps the delivery
when the lease cannot be renewed (another program holds the write lock). Once a
vendor accepted a message its outcome is written down however long the database
refuses it, never sent again. A delivery left by a killed dispatcher is taken
over: recorded from the receipt it left if the vendor had accepted it, otherwise
sent again with the same idempotency key (its id).

Per channel: the vendor's documented rate (kept in the database, so every
dispatcher on it shares it), exponential back-off with jitter, ``Retry-After``
honoured for the whole channel, and a circuit breaker whose state lives in the
database (so the window shows what the command line's dispatcher sees). A channel down past the failover time hands its queue to the next
channel of the audience's route; a delivery undelivered past the dead-letter time
fails with an alert on the timeline (:mod:`warroom.delivery.failover`). Exercise incidents never reach a channel:
their payloads are rendered and kept as "would have been sent". An exercise's own
channels keep its clock (their queue's times, back-off, breaker and failover), and
one in a simulated outage fails every send as a vendor that cannot be reached.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import random
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import and_, func, or_, select, update

from warroom.channels.base import USER_AGENT, ChannelError, Message, Recipient, SendContext
from warroom.delivery import inflight, ledger
from warroom.delivery.failover import ACTOR, alert, fail_over, housekeeping, shown
from warroom.errors import StoreBusy, StoreError, WarroomError
from warroom.exercise.stamp import now_for, stamp, state_of
from warroom.ids import uuid7
from warroom.secrets import SecretsLocked
from warroom.services import outbox
from warroom.services.channels import kind_module, read_secret
from warroom.store import Store
from warroom.store.models import Channel, Delivery, Exercise

log = logging.getLogger(__name__)

#: Waits between attempts to write down an outcome the database refused (seconds).
RECORD_RETRY_FIRST_S = 0.25
RECORD_RETRY_MAX_S = 10.0


def rate_check(tat: float | None, now: float, rate: float, burst: int) -> tuple[float, float | None]:
    """The generic cell rate algorithm (a token bucket kept as one number): may one
    more send go at ``now``? Returns (the new theoretical arrival time, None) when it
    may, or (the unchanged one, seconds to wait) when it may not."""
    interval = 1.0 / rate
    tolerance = (max(1, burst) - 1) * interval
    tat = now if tat is None else tat
    if now < tat - tolerance:
        # Rounded up to the microsecond: a clock that counts in microseconds (datetime)
        # must actually move when told to wait this long.
        return tat, math.ceil((tat - tolerance - now) * 1e6) / 1e6
    return max(tat, now) + interval, None


@dataclass
class Summary:
    delivered: int = 0
    simulated: int = 0
    retrying: int = 0
    failed: int = 0
    failed_over: int = 0
    errors: list[str] = field(default_factory=list)
    #: The deliveries that failed for now: ``retrying`` counts those still waiting at the end
    #: of the pass once each (not one that failed over or went out later in the same pass).
    retried: set[uuid.UUID] = field(default_factory=set)

    @property
    def sent(self) -> int:
        return self.delivered + self.simulated

    def add(self, other: "Summary") -> None:
        self.delivered += other.delivered
        self.simulated += other.simulated
        self.retrying += other.retrying
        self.failed += other.failed
        self.failed_over += other.failed_over
        self.errors += other.errors
        self.retried |= other.retried


@dataclass(frozen=True)
class _Claim:
    id: uuid.UUID
    incident_id: uuid.UUID
    draft_id: uuid.UUID
    message: dict[str, Any]
    recipient: str
    address: str
    attempts: int
    exercise: bool
    previous: dict | None
    partial: dict | None      # what an earlier, interrupted attempt already sent (SMS parts)
    lease_s: float
    marker: inflight.Marker = field(compare=False, repr=False)


class _Ahead:
    """The next claim of a channel, made in the transaction that writes down an outcome
    (one durable commit per delivery instead of two) when the checks :meth:`Dispatcher._drain`
    makes before a claim hold then (``ready``)."""

    def __init__(self, channel_id: uuid.UUID, settings: outbox.DeliverySettings, ready: Callable[[], bool]) -> None:
        self.channel_id = channel_id
        self.settings = settings
        self.ready = ready
        self.made = False
        self.claim: _Claim | float | None = None

    def take(self, claim: _Claim | float | None) -> None:
        self.made, self.claim = True, claim

    def forget(self) -> None:
        """The transaction did not commit: its lease was not written, its mark is let go."""
        if isinstance(self.claim, _Claim):
            self.claim.marker.drop()
        self.made, self.claim = False, None


def lease_seconds(kind: str, config: dict[str, Any], settings: outbox.DeliverySettings) -> float:
    """A lease outlives the slowest send it covers (every SMS part, an upload command),
    so it cannot expire while its dispatcher is still sending."""
    worst = settings.timeout_s * (2 + int(config.get("max_segments") or 1))
    if kind == "sitepage":
        worst += float(config.get("upload_timeout_s") or 120)
    return max(float(settings.lease_s), 2 * worst)


def backoff(attempts: int, base: float, cap: float, rng: random.Random) -> float:
    """Exponential back-off with "equal jitter": half fixed, half random, so retries
    of many deliveries spread out but none comes back at once."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return delay / 2 + rng.uniform(0, delay / 2)


class Dispatcher:
    def __init__(self, store: Store, *, owner: str | None = None, sleep: Callable[[float], None] | None = None,
                 rng: random.Random | None = None, client=None, parallel: bool = True,
                 rate_clock: Callable[[], datetime] | None = None, shared_rates=None) -> None:
        self.store = store
        # The team's buckets on the sync server (warroom.sync.rates.SharedRates), taken
        # from as well as this laptop's own when the server is at hand; None: alone.
        self.shared_rates = shared_rates
        self.owner = (owner or f"{socket.gethostname()}:{os.getpid()}:{uuid7().hex[-8:]}")[:64]
        # Vendors count real seconds: rates run on this machine's time (shared by every
        # dispatcher on it), whatever the store's clock (an exercise's simulated clock
        # may stand still). Tests give the simulated clock here, and its advance as ``sleep``.
        self._rate_clock = rate_clock
        self.sleep = sleep or time.sleep
        self.rng = rng or random.Random()
        self.client = client
        self.parallel = parallel
        self._wake = threading.Event()
        self._lock = threading.Lock()

    # -- the loop -----------------------------------------------------------

    def wake(self) -> None:
        """Something was published: look now rather than at the next tick."""
        self._wake.set()

    def run(self, stop: threading.Event, *, idle: float = 5.0,
            on_pass: Callable[[Summary], None] | None = None) -> None:
        """Deliver until ``stop`` is set; sleeps until the next delivery is due."""
        while not stop.is_set():
            try:
                summary = self.run_once()
                if on_pass is not None:
                    on_pass(summary)
            except StoreError as exc:    # busy, read-only, full: said plainly, tried again next pass
                log.warning("a dispatch pass stopped: %s", exc)
                summary = None
            except Exception:  # noqa: BLE001 - a dispatcher keeps running; the error is logged
                log.exception("a dispatch pass failed")
                summary = None
            wait = min(idle, max(0.05, self.next_due_in()))
            self._wake.wait(wait)
            self._wake.clear()

    def next_due_in(self) -> float:
        """Seconds until something may be sent: the first delivery per channel and
        address (nothing overtakes it), not before its channel's breaker lets a probe
        through or the vendor's Retry-After has passed, nor while someone holds it."""
        now = self.store.clock.now()
        settings = outbox.settings(self.store)
        with self.store.read() as session:
            channels = {c.id: c for c in session.scalars(select(Channel).where(Channel.enabled.is_(True),
                                                                               Channel.state != "removed"))}
            rows = session.execute(select(Delivery.channel_id, Delivery.address, Delivery.next_attempt_at,
                                          Delivery.lease_until)
                                   .where(Delivery.state == "queued", outbox.sent_by(self.store.device_id))
                                   .order_by(Delivery.channel_id, Delivery.address, Delivery.created_at,
                                             Delivery.id)).all()
            clocks = {row.incident_id: state_of(row) for row in session.scalars(select(Exercise).where(
                Exercise.incident_id.in_({c.exercise_id for c in channels.values() if c.exercise_id})))}
        best: float | None = None
        seen: set[tuple[uuid.UUID, str]] = set()
        for channel_id, address, next_at, lease_until in rows:
            if (channel_id, address) in seen:
                continue
            seen.add((channel_id, address))
            ch = channels.get(channel_id)
            if ch is None:
                continue
            due = next_at
            if ch.paused_until is not None:
                due = max(due, ch.paused_until)
            if ch.state == "down":
                due = max(due, ch.updated_at + timedelta(seconds=settings.breaker_cooldown_s))
            clock = clocks.get(ch.exercise_id) if ch.exercise_id else None
            if ch.exercise_id is None:
                left = (due - now).total_seconds()
            elif clock is None or clock.paused or clock.ended_at is not None:
                continue          # an exercise's clock that stands still brings nothing due
            else:                 # its own channel keeps its clock, which runs ×speed
                left = (due - clock.now(now)).total_seconds() / clock.speed
            if lease_until is not None:
                left = max(left, (lease_until - now).total_seconds())
            best = left if best is None else min(best, left)
        if best is None:
            return 3600.0
        return max(0.0, best)

    def run_once(self) -> Summary:
        """Send everything that is due now, respecting rates and breakers, then return."""
        settings = outbox.settings(self.store)
        summary = Summary()
        if self.shared_rates is not None:
            self.shared_rates.ready()    # connects (or not) before any claim's transaction
        own_client = self.client is None
        if own_client:   # one connection pool per pass: no new TLS handshake per delivery
            import httpx  # imported on the first pass: it costs start-up time the window and CLI do not need

            self.client = httpx.Client(timeout=settings.timeout_s, headers={"User-Agent": USER_AGENT})
        try:
            return self._pass(settings, summary)
        finally:
            if own_client:
                self.client.close()
                self.client = None

    def _pass(self, settings: outbox.DeliverySettings, summary: Summary) -> Summary:
        # Lapsed review windows hand over in every dispatcher (the window's, the command
        # line's), so a review nobody gives does not wait for someone to look.
        from warroom.services import reviewers  # the review services load on the first pass, not at start-up

        try:
            reviewers.sweep(self.store)
        except WarroomError as exc:
            summary.errors.append(f"review hand-over: {exc}")
        # Send (and probe down channels whose cooldown is over) before failing anything
        # over: a channel that came back must get the chance to show it. A failover
        # queues deliveries on other channels: those go out in the same call.
        moved = -1
        for attempt in range(5):
            if attempt:
                housekeeping(self.store, settings, summary)
                if attempt > 1 and summary.failed_over == moved:
                    break          # nothing new was handed on: nothing new to send
            moved = summary.failed_over
            channel_ids = self._due_channels()
            if not channel_ids:
                continue
            if self.parallel and len(channel_ids) > 1:
                with ThreadPoolExecutor(max_workers=min(8, len(channel_ids)),
                                        thread_name_prefix="dispatch") as pool:
                    for part in pool.map(lambda cid: self._drain(cid, settings), channel_ids):
                        summary.add(part)
            else:
                for cid in channel_ids:
                    summary.add(self._drain(cid, settings))
        if summary.retried:
            with self.store.read() as session:
                summary.retrying = session.scalar(
                    select(func.count()).select_from(Delivery).where(Delivery.id.in_(summary.retried),
                                                                     Delivery.state == "queued")) or 0
        return summary

    # -- claiming -------------------------------------------------------------

    def _due_filter(self, now: datetime, lease_now: datetime | None = None):
        lease_now = lease_now or now
        return and_(Delivery.state == "queued", Delivery.next_attempt_at <= now,
                    or_(Delivery.lease_until.is_(None), Delivery.lease_until <= lease_now),
                    outbox.sent_by(self.store.device_id))

    def _due_channels(self) -> list[uuid.UUID]:
        now = self.store.clock.now()
        with self.store.read() as session:
            due = list(session.scalars(select(Delivery.channel_id).where(self._due_filter(now)).distinct()))
            drills = dict(session.execute(select(Channel.id, Channel.exercise_id).where(
                Channel.exercise_id.is_not(None), Channel.state != "removed")).all())
            if not drills:
                return due
            # An exercise's own channels keep its clock: due by its time, not this machine's.
            out = [cid for cid in due if cid not in drills]
            waiting = session.scalars(select(Delivery.channel_id).where(
                Delivery.state == "queued", Delivery.channel_id.in_(drills)).distinct()).all()
            for cid in waiting:
                at = now_for(session, drills[cid], now)
                if session.scalar(select(Delivery.id).where(Delivery.channel_id == cid,
                                                            self._due_filter(at, now)).limit(1)) is not None:
                    out.append(cid)
            return out

    def _now_of(self, ch: Channel) -> datetime:
        """The time a channel keeps: this machine's, or, for an exercise's own, the exercise's."""
        now = self.store.clock.now()
        if ch.exercise_id is None:
            return now
        with self.store.read() as session:
            return now_for(session, ch.exercise_id, now)

    def _claim(self, channel_id: uuid.UUID, settings: outbox.DeliverySettings) -> _Claim | float | None:
        """Lease the next due delivery of a channel in a write transaction, so two
        dispatchers can never both hold it. The channel's rate is kept in the same
        transaction, so together they never send faster than the vendor allows:
        returns the seconds to wait when the next send would be too soon.

        First in, first out per destination: nothing overtakes an older delivery to
        the same address on the same channel (a Statuspage update never arrives
        before the incident it updates); a retraction's correction (a higher
        priority) goes ahead of everything else queued (:mod:`warroom.delivery.ledger`)."""
        claim: _Claim | float | None = None
        try:
            with self.store.write(ACTOR) as tx:
                claim = self._claim_in(tx, channel_id, settings)
        except BaseException:
            if isinstance(claim, _Claim):      # the lease was not written: let go of the mark
                claim.marker.drop()
            raise
        return claim

    def _claim_in(self, tx, channel_id: uuid.UUID, settings: outbox.DeliverySettings) -> _Claim | float | None:
        """:meth:`_claim` in a write transaction of the caller's."""
        db = tx.plain
        channel = ledger.claim_channel(db, channel_id)
        if channel is None:
            return None
        lease_s = lease_seconds(channel.kind, channel.config, settings)
        skip: list[uuid.UUID] = []
        at = tx.now if channel.exercise_id is None else now_for(tx.session, channel.exercise_id, tx.real_now)
        while True:
            picked = ledger.next_due(db, channel_id, at, self.store.device_id, skip, lease_now=tx.now)
            if picked is None:
                return None
            # A lease that ran out while its dispatcher, alive, could not renew it (another
            # program held the write lock): that dispatcher still holds the mark.
            marker = inflight.take(self.store.path, picked.id)
            if marker is not None:
                break
            log.info("delivery %s is still being sent by another dispatcher; its lease could not be "
                     "renewed", picked.id)
            skip.append(picked.id)
        try:
            return self._lease(tx, channel, picked, marker, lease_s)
        except BaseException:
            marker.drop()
            raise

    def _lease(self, tx, channel: ledger.ClaimChannel, picked: ledger.Picked, marker: inflight.Marker,
               lease_s: float) -> _Claim | float:
        """Lease the picked delivery, marked as ours, in the claim's transaction; or
        return how long the vendor's rate asks to wait (and let go of the mark)."""
        if not picked.exercise and marker.accepted is None:   # an exercise or a receipt sends nothing
            module = kind_module(channel.kind)
            rate = float(channel.config.get("rate_per_s") or module.RATE)
            burst = getattr(module, "BURST", 1)
            tat, wait = rate_check(channel.rate_tat, self._rate_now(), rate, burst)
            if wait is not None:
                marker.release()
                return wait
            ledger.keep_rate(tx.plain, channel.id, tat)
        row = ledger.lease(tx.plain, picked.id, self.owner, tx.now + timedelta(seconds=lease_s))
        previous = ledger.last_receipt(tx.plain, channel.id, row.incident_id)
        message = _retracted_receipt(tx.session, dict(row.message), channel.id)
        return _Claim(row.id, row.incident_id, row.draft_id, message, row.recipient, row.address,
                      row.attempts, row.exercise, previous, dict(row.receipt) if row.receipt else None,
                      lease_s, marker)

    def _rate_now(self) -> float:
        return self._rate_clock().timestamp() if self._rate_clock is not None else time.time()

    def _channel(self, channel_id: uuid.UUID) -> Channel:
        with self.store.read() as session:
            ch = session.get(Channel, channel_id)
            assert ch is not None
            session.expunge(ch)
            return ch

    # -- one channel ----------------------------------------------------------

    def _drain(self, channel_id: uuid.UUID, settings: outbox.DeliverySettings) -> Summary:
        summary = Summary()
        secrets: dict[str, str | None] = {}    # read from the keyring once per pass, not per delivery
        ch, read_at = None, 0.0
        ahead: _Ahead | None = None
        for _ in range(100_000):
            if ahead is not None and ahead.made:
                claim = ahead.claim            # claimed with the last outcome, the checks below made then
            else:
                if ch is None or time.monotonic() - read_at > 1.0:
                    ch, read_at = self._channel(channel_id), time.monotonic()   # settings changed? disabled?
                if not self._open(ch, settings):
                    break
                claim = self._claim(channel_id, settings)
            ahead = None
            if claim is None:
                break
            if isinstance(claim, float):
                self.sleep(claim)              # the vendor's rate: the next send is not due yet
                continue
            if not claim.exercise:  # an exercise's outcome is stamped on its own clock; claims run on real time
                ahead = _Ahead(channel_id, settings, functools.partial(self._may_go_on, ch, read_at, settings))
            outcome = self._deliver(ch, claim, settings, secrets, summary, ahead)
            if isinstance(outcome, ChannelError):
                ch = None                       # read its breaker state again
                if self._channel(channel_id).state == "down":
                    break
        return summary

    def _open(self, ch: Channel, settings: outbox.DeliverySettings) -> bool:
        """Whether the channel takes a send now: enabled, its breaker not open, the vendor
        not asking us to wait (429 with Retry-After)."""
        if not ch.enabled:
            return False
        now = self._now_of(ch)
        if ch.state == "down" and now < ch.updated_at + timedelta(seconds=settings.breaker_cooldown_s):
            return False  # the breaker is open: wait for the next probe
        return ch.paused_until is None or now >= ch.paused_until

    def _may_go_on(self, ch: Channel, read_at: float, settings: outbox.DeliverySettings) -> bool:
        """The checks :meth:`_drain` makes before each claim, on the channel as it read
        it, when that is recent enough not to be read again."""
        return time.monotonic() - read_at <= 1.0 and self._open(ch, settings)

    def _deliver(self, ch: Channel, claim: _Claim, settings: outbox.DeliverySettings,
                 secrets: dict[str, str | None], summary: Summary, ahead: _Ahead | None = None) -> dict | ChannelError:
        """Send one claimed delivery and write its outcome down, holding the mark until
        the database has the outcome. The lease already outlives the slowest send (see
        :func:`lease_seconds`) and is renewed while the record waits, when the database takes
        that; when it does not, the mark keeps the delivery. Interrupted (the process
        stops), the mark is let go with the vendor's receipt in it."""
        marker = claim.marker
        try:
            if marker.accepted is not None:
                log.warning("delivery %s: the vendor accepted it before the dispatcher sending it stopped; "
                            "recording that receipt instead of sending it again", claim.id)
                outcome: dict | ChannelError = marker.accepted
            else:
                self._take_shared(ch, claim)
                outcome = self._send(ch, claim, settings, secrets)
                if not isinstance(outcome, ChannelError):
                    marker.keep(outcome)
            self._record_surely(ch, claim, outcome, settings, summary, ahead)
        except BaseException:
            marker.drop()
            raise
        marker.release()
        return outcome

    def _take_shared(self, ch: Channel, claim: _Claim) -> None:
        """Take this send from the team's bucket (other laptops may be sending to this
        vendor now), waiting while the team has used the allowance. Asked after the claim
        is written, outside any transaction: a slow team server never holds this laptop's
        write lock. The wait is bounded by a quarter of the lease, which outlives the
        slowest send twice over, so the lease still covers the send."""
        if claim.exercise or self.shared_rates is None:
            return
        module = kind_module(ch.kind)
        rate = float(ch.config.get("rate_per_s") or module.RATE)
        burst = getattr(module, "BURST", 1)
        budget = claim.lease_s / 4
        while True:
            wait = self.shared_rates.take(ch.id, rate, burst)
            if not wait or budget <= 0:
                return              # taken (or the server is away: this laptop's own rate decided)
            step = min(wait, budget)
            self.sleep(step)
            budget -= step

    def _renew(self, claim: _Claim) -> None:
        """Extend the lease of a delivery still in hand, if the database takes it (a full
        disk may refuse the record's new rows but not this); while it does not, the
        mark keeps the delivery ours."""
        try:
            with self.store.write(ACTOR, warn_ms=None) as tx:
                tx.session.execute(
                    update(Delivery).where(Delivery.id == claim.id, Delivery.lease_owner == self.owner,
                                           Delivery.state == "queued")
                    .values(lease_until=tx.now + timedelta(seconds=claim.lease_s))
                    .execution_options(synchronize_session=False))
        except StoreError as exc:
            log.info("delivery %s: its lease cannot be renewed either (%s); the mark keeps it with this "
                     "dispatcher", claim.id, exc)

    def _record_surely(self, ch: Channel, claim: _Claim, outcome: dict | ChannelError,
                       settings: outbox.DeliverySettings, summary: Summary, ahead: _Ahead | None = None) -> None:
        """Write the outcome down however long the database refuses it (another program
        holds the write lock, the disk is full, the file is read-only). Giving up would
        let the lease run out and the message, which the vendor may already have, go
        out again. Each wait is logged."""
        delay, attempt = RECORD_RETRY_FIRST_S, 0
        while True:
            part = Summary()       # counted once, when the record is written
            try:
                self._record(ch, claim, outcome, settings, part, ahead)
            except StoreError as exc:
                attempt += 1
                what = "failed" if isinstance(outcome, ChannelError) else "was accepted"
                log.warning("delivery %s via %s %s, but the outcome cannot be written down yet (attempt %d): "
                            "%s Trying again in %.2f s.", claim.id, ch.name, what, attempt, exc, delay)
                if not isinstance(exc, StoreBusy):     # a lock held for the record holds a renewal too
                    self._renew(claim)
                self.sleep(delay)
                delay = min(RECORD_RETRY_MAX_S, delay * 2)
                continue
            summary.add(part)
            return

    def _send(self, ch: Channel, claim: _Claim, settings: outbox.DeliverySettings,
              secrets: dict[str, str | None] | None = None) -> dict | ChannelError:
        module = kind_module(ch.kind)
        try:
            message = Message.from_json(claim.message)
            recipient = Recipient(claim.recipient, claim.address)
            payload = module.render(message, recipient, dict(ch.config or {}), claim.previous)
            if ch.outage:       # an exercise's simulated outage: the vendor cannot be reached
                return ChannelError(f"{shown(ch)} could not be reached (it is down in the exercise)", transient=True)
            if claim.exercise:
                return {"simulated": True, "channel": ch.name, "payload": payload}
            if secrets is None:
                secrets = {}
            if ch.name not in secrets:
                secrets[ch.name] = read_secret(ch)
            secret = secrets[ch.name]
            if module.SECRET is not None and secret is None and getattr(
                    module, "secret_required", lambda c: True)(ch.config or {}):
                return ChannelError(f"the keyring holds no secret for channel {ch.name} "
                                    f"(set it: channel set {ch.name} --secret)", transient=False)
            ctx = SendContext(channel=ch.name, config=dict(ch.config or {}), secret=secret, client=self.client,
                              timeout=settings.timeout_s,
                              extra={"delivery_id": str(claim.id), "partial": claim.partial},
                              hook=self._hook(ch))
            return module.send(payload, ctx)
        except ChannelError as exc:
            return exc
        except SecretsLocked as exc:   # a locked keyring or secrets file: wait, do not fail over
            return ChannelError(str(exc), transient=True, retry_after=60, status=423)
        except WarroomError as exc:
            return ChannelError(str(exc), transient=False)
        except Exception as exc:  # noqa: BLE001 - a broken adapter must not stop the queue
            log.exception("channel %s raised unexpectedly", ch.name)
            return ChannelError(f"unexpected {type(exc).__name__} in the {ch.kind} channel", transient=True)

    def _hook(self, ch: Channel):
        if ch.kind == "jira":
            from warroom.inbound import handle  # the incident's linked issues, for a Jira channel only

            store = self.store
            return lambda incident_id, source: handle.issue_keys(store, incident_id, source=source)
        if ch.kind != "sitepage":
            return None
        from warroom.services import site  # Jinja and Markdown, for a status page channel only

        store, channel_id = self.store, ch.id
        return lambda ctx: site.publish(store, ctx.config, channel_id)

    # -- outcomes -------------------------------------------------------------

    def _still_ours(self, delivery_id: uuid.UUID, state: str, owner: str | None, until: datetime | None,
                    now: datetime) -> bool:
        """Whether this dispatcher's outcome is the one to write down."""
        if state != "queued":
            log.warning("delivery %s was settled by another dispatcher while this one sent it", delivery_id)
            return False
        if owner not in (self.owner, None) and until is not None and until > now:
            # Another dispatcher holds it now (ours ran out): its outcome is the one to keep.
            log.warning("delivery %s: the lease ran out while it was being sent; another dispatcher has it",
                        delivery_id)
            return False
        return True

    def _record_sent(self, ch: Channel, claim: _Claim, outcome: dict, summary: Summary,
                     ahead: _Ahead | None = None) -> None:
        """It went out (or, in an exercise, would have): the lease ends, the receipt is
        kept, the channel's breaker closes, and the journal says so. With ``ahead``, the
        same transaction claims the channel's next delivery when :meth:`_drain` would now
        (one durable commit per delivery rather than two)."""
        try:
            with self.store.write(ACTOR) as tx:
                db = tx.plain
                d = ledger.settling(db, claim.id, ch.id)
                if d is None or not self._still_ours(claim.id, d.state, d.lease_owner, d.lease_until, tx.now):
                    return
                if claim.exercise:      # into the sink, on the exercise's own clock (the lease above: real time)
                    stamp(tx, claim.incident_id)
                simulated = bool(outcome.get("simulated"))
                attempts = d.attempts + 1
                ledger.delivered(db, claim.id, state="simulated" if simulated else "delivered", attempts=attempts,
                                 receipt=outcome, now=tx.now)
                if simulated:
                    summary.simulated += 1
                else:
                    summary.delivered += 1
                if not simulated or ch.exercise_id is not None:    # an exercise's own channel: back after an outage
                    ledger.healthy(db, ch.id, tx.now)
                tx.record("delivery.simulated" if simulated else "delivery.delivered",
                          {"delivery_id": claim.id, "channel": ch.name, "recipient": d.recipient,
                           "attempts": attempts, "receipt": _safe_receipt(outcome), "stored_receipt": outcome},
                          incident_id=d.incident_id)
                if ahead is not None and tx.clock_name is None and ahead.ready():
                    self._claim_ahead(tx, ahead)
        except BaseException:
            if ahead is not None:
                ahead.forget()          # not written: nothing was claimed
            raise

    def _claim_ahead(self, tx, ahead: _Ahead) -> None:
        """Claim the next delivery in the outcome's transaction. A claim that fails is
        undone on its own, the outcome is still written, and the claim is tried (and
        fails) again where it would have without this: at the top of the next pass."""
        tx.plain.execute("SAVEPOINT claim_ahead")
        try:
            claim = self._claim_in(tx, ahead.channel_id, ahead.settings)
        except Exception as exc:  # noqa: BLE001 - raised again by the next claim, outside the record
            tx.plain.execute("ROLLBACK TO claim_ahead")
            tx.plain.execute("RELEASE claim_ahead")
            log.info("claiming ahead on channel %s failed (%s); it is claimed on its own", ahead.channel_id, exc)
            return
        tx.plain.execute("RELEASE claim_ahead")
        ahead.take(claim)

    def _record(self, ch: Channel, claim: _Claim, outcome: dict | ChannelError,
                settings: outbox.DeliverySettings, summary: Summary, ahead: _Ahead | None = None) -> None:
        if not isinstance(outcome, ChannelError):
            self._record_sent(ch, claim, outcome, summary, ahead)
            return
        with self.store.write(ACTOR) as tx:
            d = tx.session.get(Delivery, claim.id)
            channel = tx.session.get(Channel, ch.id)
            if d is None or channel is None:
                return
            if not self._still_ours(d.id, d.state, d.lease_owner, d.lease_until, tx.now):
                return
            if claim.exercise:      # on the exercise's own clock (the lease above: real time)
                stamp(tx, claim.incident_id)
            d.attempts += 1
            d.lease_owner = d.lease_until = None
            d.updated_at = tx.now
            error = str(outcome)[:500]
            d.last_error = error
            partial = getattr(outcome, "partial_receipt", None)
            if partial:
                d.receipt = partial      # the next attempt sends only what is missing
            module = kind_module(ch.kind)
            throttled = outcome.status in (420, 429, 423)     # slowed down, or the keyring is locked
            if outcome.status in (420, 429):
                # Limited, never "ok": the status bar says so, with the vendor's words.
                if channel.state == "ok":
                    channel.state = "limited"
                channel.last_error = error
                channel.updated_at = tx.now
                if outcome.retry_after:
                    # "Not before": the whole channel waits, for every dispatcher, not just this delivery.
                    channel.paused_until = max(channel.paused_until or tx.now,
                                               tx.now + timedelta(seconds=float(outcome.retry_after)))
            # The breaker counts what says the channel is unwell: network errors, 5xx, a
            # refusal of a channel-wide send. Not a vendor slowing us down, not one
            # recipient's bad address, not an exercise (nothing was sent) unless its channel is down on cue.
            if (not claim.exercise or channel.outage) and not throttled and (
                    outcome.transient or module.RECIPIENT is None):
                channel.failures += 1
                channel.last_error = error
                channel.updated_at = tx.now
                if channel.failures >= settings.breaker_failures:
                    if channel.state != "down":
                        channel.opened_at = tx.now
                    channel.state = "down"
                elif channel.state != "down":
                    channel.state = "retrying"
            ch.state = channel.state
            if outcome.transient:
                delay = backoff(d.attempts, settings.backoff_base_s, settings.backoff_max_s, self.rng)
                if outcome.retry_after is not None:
                    delay = max(delay, float(outcome.retry_after))
                d.next_attempt_at = tx.now + timedelta(seconds=delay)
                summary.retrying += 1
                summary.retried.add(d.id)
                tx.record("delivery.attempt_failed", {"delivery_id": d.id, "channel": ch.name, "attempt": d.attempts,
                                                      "error": error, "retry_at": d.next_attempt_at,
                                                      "stored_receipt": d.receipt}, incident_id=d.incident_id)
                return
            # The request itself is wrong (401, 404, a refused address): repeating it will
            # not help. Hand it to the next channel of its route, or fail it with an alert.
            tx.record("delivery.attempt_failed", {"delivery_id": d.id, "channel": ch.name, "attempt": d.attempts,
                                                  "error": error, "retry_at": None, "stored_receipt": d.receipt},
                      incident_id=d.incident_id)
            if fail_over(tx, [d], channel, f"{shown(ch)} refused it: {error}"):
                summary.failed_over += 1
            else:
                d.state = "failed"
                summary.failed += 1
                alert(tx, d.incident_id, "delivery.dead", [d], channel,
                      f"Delivery via {ch.name} failed and has no fallback: {error}. "
                      "Fix the channel and send it again from the outbox.")
        summary.errors.append(f"{ch.name}: {outcome}")


def _retracted_receipt(session, message: dict, channel_id: uuid.UUID) -> dict:
    """A retraction or correction names the update it takes back: its receipt on this
    channel is read now, at send time (it may have been delivered after the retraction
    was queued), so the page edits the words that are really there."""
    retracts = message.get("retracts")
    if not isinstance(retracts, dict):
        return message
    q = select(Delivery).where(Delivery.channel_id == channel_id, Delivery.state.in_(("delivered", "simulated")))
    if retracts.get("delivery_id"):
        q = q.where(Delivery.id == uuid.UUID(retracts["delivery_id"]))
    elif retracts.get("draft_id"):
        q = q.where(Delivery.draft_id == uuid.UUID(retracts["draft_id"]))
    else:
        return message
    row = session.scalars(q.order_by(Delivery.delivered_at.desc()).limit(1)).first()
    fresh = dict(retracts, receipt=row.receipt if row is not None else None,
                 delivery_id=str(row.id) if row is not None else retracts.get("delivery_id"))
    return dict(message, retracts=fresh)


def _safe_receipt(receipt: dict) -> dict:
    """What of a receipt goes in the journal: ids, not payloads or anything long."""
    return {k: v for k, v in receipt.items() if k != "payload" and isinstance(v, (str, int, float, bool, list))
            and len(str(v)) <= 300}


