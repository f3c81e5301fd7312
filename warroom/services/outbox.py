"""The outbox: one delivery per channel and recipient, written in the publish
transaction (:mod:`warroom.delivery.planning`), so nothing acknowledged is lost. The
dispatcher (:mod:`warroom.delivery.dispatcher`) sends them; here are the delivery
settings, who a channel reaches, the rows' listing, retry and cancel."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from warroom.channels.base import Recipient
from warroom.delivery.records import RECORD_COLUMNS
from warroom.errors import InputError, NotFound
from warroom.services import access, refs
from warroom.services.access import Action
from warroom.services.channels import kind_module, shown
from warroom.services.stakeholders import in_register, manager_address, shown_name
from warroom.store import Store
from warroom.store.plain import Plain
from warroom.store.models import Channel, Delivery, Device, Exercise, Incident, JournalEvent, Meta, Stakeholder

STATES = ("queued", "delivered", "failed", "cancelled", "failed_over", "simulated")
OPEN = ("queued",)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    failover_after_s: int = 300      # a primary down this long: its queue goes to the next channel
    dead_after_s: int = 24 * 3600    # undelivered this long: a dead letter, with an alert
    breaker_failures: int = 3        # consecutive failures that open a channel's breaker
    breaker_cooldown_s: int = 30     # while open, one probe per this many seconds
    lease_s: int = 120               # a claim a killed dispatcher left expires after this
    backoff_base_s: float = 2.0
    backoff_max_s: float = 300.0
    timeout_s: float = 10.0          # per request

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def settings_in(session) -> DeliverySettings:
    row = session.get(Meta, "delivery_settings")
    if row is None:
        return DeliverySettings()
    data = json.loads(row.value)
    known = {f.name for f in fields(DeliverySettings)}
    return DeliverySettings(**{k: v for k, v in data.items() if k in known})


def settings(store: Store) -> DeliverySettings:
    with store.read() as session:
        return settings_in(session)


def set_settings(store: Store, actor: str, **changes: Any) -> DeliverySettings:
    bounds = {"failover_after_s": (0, 7 * 86400), "dead_after_s": (60, 30 * 86400), "breaker_failures": (1, 100),
              "breaker_cooldown_s": (1, 3600), "lease_s": (1, 3600), "backoff_base_s": (0.1, 600),
              "backoff_max_s": (1, 86400), "timeout_s": (0.1, 300)}
    for key, value in changes.items():
        if key not in bounds:
            raise InputError(f"Unknown delivery setting {key!r}.")
        lo, hi = bounds[key]
        if value is None or not (lo <= value <= hi):
            raise InputError(f"{key.replace('_s', '').replace('_', ' ')} must be between {lo:g} and {hi:g}.")
    with store.write(actor) as tx:
        access.require(tx, Action.SETTINGS)
        new = replace(settings_in(tx.session), **changes)
        row = tx.session.get(Meta, "delivery_settings")
        text = json.dumps(new.as_dict(), sort_keys=True)
        if row is None:
            tx.session.add(Meta(key="delivery_settings", value=text))
        else:
            row.value = text
        tx.record("delivery.settings_changed", new.as_dict())
    return new


# -- recipients ---------------------------------------------------------------


def recipients(session, contact: str | None, audience: str, *, via_manager: bool = False,
               exercise: uuid.UUID | None = None):
    """(name, address, locale, zone) of the audience's stakeholders with that contact:
    the real register's, or (``exercise``) that exercise incident's own alone, named
    as its scenario names them (see :func:`warroom.services.stakeholders.register_of`).

    ``via_manager`` (the matrix cell says so): key accounts are not reached directly
    but through their success manager's e-mail (a person or stakeholder of that name
    with a valid address), under the account's name; one whose manager has none, or
    on a channel that is not e-mail, is left out."""
    if contact is None:
        return [Recipient("")]
    column = Stakeholder.email if contact == "email" else Stakeholder.phone
    if via_manager or exercise is not None:
        out = []
        if via_manager:
            for n, loc, tz, manager in session.execute(
                    select(Stakeholder.name, Stakeholder.locale, Stakeholder.timezone, Stakeholder.success_manager)
                    .where(Stakeholder.audience == audience, Stakeholder.key_account.is_(True),
                           in_register(exercise))):
                address = manager_address(session, manager, exercise) if contact == "email" else None
                if address:
                    out.append(Recipient(shown_name(n, exercise), address, loc, tz))
        direct = select(Stakeholder.name, column, Stakeholder.locale, Stakeholder.timezone).where(
            Stakeholder.audience == audience, column.is_not(None), in_register(exercise))
        if via_manager:
            direct = direct.where(Stakeholder.key_account.is_not(True))
        rows = session.execute(direct)
        return sorted(out + [Recipient(shown_name(n, exercise), a, loc, tz) for n, a, loc, tz in rows],
                      key=lambda r: r.name)
    # Plain SQL: a publish reads thousands of these, and the ORM's cost per row would be most of it.
    session.flush()     # as a query through the session would (its autoflush)
    rows = Plain(session).execute(f"SELECT name, {column.name}, locale, timezone FROM stakeholder "
                                  f"WHERE audience = ? AND {column.name} IS NOT NULL AND exercise_id IS NULL "
                                  "ORDER BY name", (audience,))
    return [Recipient(n, a, loc, tz) for n, a, loc, tz in rows]


def recipient_counts(session, kind: str, audience: str, *, exercise: uuid.UUID | None = None) -> tuple[int, int]:
    """How many of the audience's stakeholders (the real register's, or ``exercise``'s own)
    a channel of ``kind`` reaches, and how many it does not (no contact of its kind)."""
    contact = kind_module(kind).RECIPIENT
    if contact is None:
        return 1, 0
    column = Stakeholder.email if contact == "email" else Stakeholder.phone
    mine = (Stakeholder.audience == audience, in_register(exercise))
    total = session.scalar(select(func.count()).select_from(Stakeholder).where(*mine)) or 0
    have = session.scalar(select(func.count()).select_from(Stakeholder).where(*mine, column.is_not(None))) or 0
    return have, total - have


def last_published(session, incident_id: uuid.UUID) -> dict[str, datetime]:
    """Audience -> when an update to it was last published for this incident."""
    out: dict[str, datetime] = {}
    rows = session.execute(select(JournalEvent.at, JournalEvent.payload)
                           .where(JournalEvent.incident_id == incident_id, JournalEvent.kind == "update.published"))
    for at, payload in rows:
        aud = json.loads(payload).get("audience")
        if aud and (aud not in out or at > out[aud]):
            out[aud] = at
    return out


def sent_by(device_id: uuid.UUID):
    """The deliveries ``device_id``'s dispatchers send: those it queued or adopted (and
    those queued before team sync); the rest are another laptop's to send."""
    return or_(Delivery.origin_device.is_(None), Delivery.origin_device == device_id)


def delivery_record(d: Delivery) -> dict[str, Any]:
    """A new delivery as the journal keeps it, so another device can write the same row."""
    return {name: getattr(d, name) for name in RECORD_COLUMNS}


# -- the view -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: uuid.UUID
    incident_id: uuid.UUID
    draft_id: uuid.UUID
    channel: str
    kind: str
    audience: str
    recipient: str
    address: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    receipt: dict | None
    failover_from: uuid.UUID | None
    exercise: bool
    created_at: datetime
    delivered_at: datetime | None
    subject: str
    leased: bool
    #: The device whose dispatcher sends it (None: queued before team sync, so this one).
    origin_device: uuid.UUID | None = None

    @property
    def target(self) -> str:
        return self.address or self.recipient or self.channel


def _dview(d: Delivery, ch: Channel, now: datetime | None = None) -> DeliveryView:
    leased = d.lease_until is not None and (now is None or d.lease_until > now)
    return DeliveryView(d.id, d.incident_id, d.draft_id, shown(ch), ch.kind, d.audience, d.recipient,
                        d.address, d.state, d.attempts, d.next_attempt_at, d.last_error, d.receipt, d.failover_from,
                        d.exercise, d.created_at, d.delivered_at, (d.message or {}).get("subject", ""), leased,
                        d.origin_device)


def list_deliveries(store: Store, *, viewer: str, incident_id: uuid.UUID | None = None,
                    draft_id: uuid.UUID | None = None, states: tuple[str, ...] | None = None,
                    limit: int = 1000) -> list[DeliveryView]:
    """Deliveries of incidents ``viewer`` may see, oldest first: the newest ``limit`` of them."""
    q = select(Delivery, Channel).join(Channel, Channel.id == Delivery.channel_id)
    if incident_id is not None:
        q = q.where(Delivery.incident_id == incident_id)
    hidden = _hidden_incidents(store, viewer)
    if hidden:
        q = q.where(Delivery.incident_id.not_in(hidden))
    if draft_id is not None:
        q = q.where(Delivery.draft_id == draft_id)
    if states:
        q = q.where(Delivery.state.in_(states))
    q = q.order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)
    now = store.clock.now()
    with store.read() as session:
        if incident_id is not None:
            access.check_read(session, viewer, session.get(Incident, incident_id) or _no_incident(incident_id))
        return [_dview(d, ch, now) for d, ch in reversed(session.execute(q).all())]


def _no_incident(incident_id):
    raise NotFound(f"No incident with id {incident_id}.", field="incident")


def _hidden_incidents(store: Store, viewer: str) -> list[uuid.UUID]:
    """The incidents ``viewer`` may not see (confidential ones they are not in)."""
    with store.read() as session:
        w = access.reader(session, viewer)
        if w.system:
            return []
        rows = session.scalars(select(Incident).where(Incident.confidential.is_(True))).all()
        return [r.id for r in rows if not access.visible(w, r)]


def find(session, key: str | uuid.UUID) -> Delivery:
    """A delivery by its id or a unique beginning of it (the outbox lists them)."""
    return refs.by_prefix(session, "delivery", key, where=" (the outbox lists them)")


def find_id(store: Store, key: str | uuid.UUID) -> uuid.UUID:
    with store.read() as session:
        return find(session, key).id


def queue_time(tx, channel: Channel) -> datetime:
    """Now, as a channel's queue keeps time: this machine's (leases and due times are
    the dispatcher's, and an exercise's clock may run ahead or behind), or, for an
    exercise's own channel, the exercise's clock (``tx`` is stamped with it)."""
    return tx.now if channel.exercise_id is not None else tx.real_now


def retry(store: Store, actor: str, key: str | uuid.UUID) -> DeliveryView:
    """Send a delivery again now: a failed, dead or cancelled one is queued again, and
    one waiting for its next attempt (a back-off) is due at once."""
    with store.write(actor) as tx:
        d = find(tx.session, key)
        access.require(tx, Action.DELIVERIES, tx.session.get(Incident, d.incident_id))
        if d.state == "queued":
            # Leases and due times are the dispatcher's, in real time (an exercise's clock may run ahead).
            if d.lease_until is not None and d.lease_until > tx.real_now:
                raise InputError("This delivery is being sent right now.", field="delivery")
            due = queue_time(tx, tx.session.get(Channel, d.channel_id))
            d.next_attempt_at, d.updated_at = due, tx.now
            tx.record("delivery.retried", {"delivery_id": d.id, "from": "queued", "due_at": due},
                      incident_id=d.incident_id)
            return _dview(d, tx.session.get(Channel, d.channel_id), tx.now)
        if d.state not in ("failed", "cancelled"):
            raise InputError(f"This delivery is {d.state.replace('_', ' ')}; only a waiting, failed or cancelled "
                             "one is sent again.", field="delivery")
        ch = tx.session.get(Channel, d.channel_id)
        if ch.state == "removed" or not ch.enabled:
            raise InputError(f"Its channel {ch.name.split('~')[0]} is {'removed' if ch.state == 'removed' else 'disabled'}"
                             ": enable it (or publish again to another channel) first.")
        before = d.state
        due = queue_time(tx, ch)
        d.state, d.next_attempt_at, d.lease_owner, d.lease_until = "queued", due, None, None
        d.attempts = 0      # a fresh start: the first back-off after a retry is the shortest
        d.queued_at = due   # the dead-letter time counts from the retry
        d.updated_at = tx.now
        tx.record("delivery.retried", {"delivery_id": d.id, "from": before, "due_at": due},
                  incident_id=d.incident_id)
        ch = tx.session.get(Channel, d.channel_id)
        return _dview(d, ch)


def cancel(store: Store, actor: str, key: str | uuid.UUID) -> DeliveryView:
    """Cancel a queued delivery (not one a dispatcher is sending right now)."""
    with store.write(actor) as tx:
        d = find(tx.session, key)
        access.require(tx, Action.DELIVERIES, tx.session.get(Incident, d.incident_id))
        if d.state != "queued":
            raise InputError(f"This delivery is {d.state.replace('_', ' ')}; only a queued one can be cancelled.")
        if d.lease_until is not None and d.lease_until > tx.real_now:
            raise InputError("This delivery is being sent right now; cancel it once the attempt is over.")
        d.state, d.updated_at = "cancelled", tx.now
        tx.record("delivery.cancelled", {"delivery_id": d.id}, incident_id=d.incident_id)
        ch = tx.session.get(Channel, d.channel_id)
        return _dview(d, ch)


def senders(store: Store) -> dict[uuid.UUID, str]:
    """Every other device that queued deliveries here, by its label (for "sent by …")."""
    with store.read() as session:
        rows = session.execute(select(Device.id, Device.label).where(
            Device.id != store.device_id,
            Device.id.in_(select(Delivery.origin_device).where(Delivery.origin_device.is_not(None))))).all()
        return {r.id: r.label or f"device {str(r.id)[:8]}" for r in rows}


def adopt(store: Store, actor: str, *, incident_id: uuid.UUID | None = None,
          device: str | None = None) -> int:
    """Take over the queued deliveries another laptop queued (optionally of one incident,
    or of the device whose id begins with ``device``): this laptop's dispatcher sends
    them from now on. For a laptop that is lost or left the team: one that is only
    offline still sends its own, and both would send, so its person should say so first.
    Returns how many were adopted; nothing to adopt is an error naming why."""
    with store.write(actor) as tx:
        q = select(Delivery).where(Delivery.state == "queued", Delivery.origin_device.is_not(None),
                                   Delivery.origin_device != store.device_id)
        if incident_id is not None:
            q = q.where(Delivery.incident_id == incident_id)
        rows = tx.session.scalars(q.order_by(Delivery.created_at, Delivery.id)).all()
        if device:
            rows = [d for d in rows if str(d.origin_device).startswith(device.strip().lower())]
        if not rows:
            raise InputError("No queued delivery of another laptop" + (" for that incident" if incident_id else "")
                             + (f" from a device beginning {device!r}" if device else "") + " waits here.",
                             field="device" if device else "incident")
        by_incident: dict[uuid.UUID, list[Delivery]] = {}
        for d in rows:
            by_incident.setdefault(d.incident_id, []).append(d)
        for inc_id, group in by_incident.items():
            access.require(tx, Action.DELIVERIES, tx.session.get(Incident, inc_id))
            before = sorted({str(d.origin_device) for d in group})
            for d in group:
                d.origin_device, d.updated_at = store.device_id, tx.now
            tx.record("delivery.adopted", {"delivery_ids": [d.id for d in group], "device": store.device_id,
                                           "from": before}, incident_id=inc_id)
        return len(rows)


@dataclass(frozen=True, slots=True)
class ChannelState:
    name: str
    kind: str
    state: str      # ok | retrying | down | disabled
    queued: int
    failed: int
    last_error: str | None


def channel_states(store: Store, *, viewer: str) -> list[ChannelState]:
    """For the status bar: every channel's health and what waits on it, counting
    only deliveries of incidents ``viewer`` may see."""
    q = (select(Delivery.channel_id, Delivery.state, func.count())
         .where(Delivery.state.in_(("queued", "failed"))).group_by(Delivery.channel_id, Delivery.state))
    hidden = _hidden_incidents(store, viewer)
    if hidden:
        q = q.where(Delivery.incident_id.not_in(hidden))
    with store.read() as session:
        counts: dict[tuple[uuid.UUID, str], int] = {(cid, st): n for cid, st, n in session.execute(q)}
        # An exercise's own channels while it runs, for the incidents the viewer sees (a
        # channel down on cue is part of the exercise); once it ends they are not the team's news.
        running = set(session.scalars(select(Exercise.incident_id).where(Exercise.ended_at.is_(None))))
        out = []
        for ch in session.scalars(select(Channel).where(Channel.state != "removed").order_by(Channel.name)):
            if ch.exercise_id is not None and (ch.exercise_id not in running or ch.exercise_id in hidden):
                continue
            out.append(ChannelState(shown(ch), ch.kind, ch.state if ch.enabled else "disabled",
                                    counts.get((ch.id, "queued"), 0), counts.get((ch.id, "failed"), 0),
                                    ch.last_error))
        return out
