"""The dispatcher's statements for one delivery: the claim (the next due delivery of
a channel, its rate kept, its lease) and the record that it went out.

A delivery costs two short write transactions, and through the ORM most of their
time went to building and running statements rather than to the database; here
they are plain SQL on the transaction's connection (:class:`warroom.store.plain.Plain`),
values converted by the columns' own types. What goes wrong (a failed send, a
failover, a dead letter) is rarer and stays with the ORM in the dispatcher.

The next due delivery of a channel is found on ``ix_delivery_queue`` (channel,
state, priority, time, id): the highest priority first (a retraction's
correction goes ahead of everything queued), each priority's queue walked in
order up to the first delivery that is due, not leased, not overtaking an older
one to the same address, and this device's to send. It costs the same with
thousands queued as with a few.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.store.models import Channel, Delivery
from warroom.store.plain import Plain

_D = Delivery.__table__.c
_C = Channel.__table__.c


@dataclass(frozen=True, slots=True)
class ClaimChannel:
    """What a claim reads of its channel: how long a lease lasts, and its rate."""

    id: uuid.UUID
    kind: str
    config: dict[str, Any]
    rate_tat: float | None
    #: The exercise whose own channel this is (its queue keeps the exercise's clock), or None.
    exercise_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Picked:
    id: uuid.UUID
    exercise: bool


@dataclass(frozen=True, slots=True)
class Leased:
    id: uuid.UUID
    incident_id: uuid.UUID
    draft_id: uuid.UUID
    message: dict[str, Any]
    recipient: str
    address: str
    attempts: int
    exercise: bool
    receipt: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Settling:
    """A delivery as its outcome is about to be written down."""

    state: str
    lease_owner: str | None
    lease_until: datetime | None
    attempts: int
    incident_id: uuid.UUID
    recipient: str


def claim_channel(db: Plain, channel_id: uuid.UUID) -> ClaimChannel | None:
    row = db.execute("SELECT kind, config, rate_tat, exercise_id FROM channel WHERE id = ?",
                     (db.to_db(_C.id)(channel_id),)).fetchone()
    if row is None:
        return None
    return ClaimChannel(channel_id, row[0], db.from_db(_C.config)(row[1]) or {}, row[2],
                        db.from_db(_C.exercise_id)(row[3]) if row[3] is not None else None)


_TOP = "SELECT max(priority) FROM delivery WHERE channel_id = ? AND state = 'queued'"
_PICK = """SELECT c.id, c.exercise FROM delivery AS c INDEXED BY ix_delivery_queue
WHERE c.channel_id = ? AND c.state = 'queued' AND c.priority = ?
  AND c.next_attempt_at <= ? AND (c.lease_until IS NULL OR c.lease_until <= ?)
  AND (c.origin_device IS NULL OR c.origin_device = ?)
  AND NOT EXISTS (SELECT 1 FROM delivery AS o
                  WHERE o.channel_id = c.channel_id AND o.address = c.address AND o.state = 'queued'
                    AND o.priority >= c.priority AND (o.created_at, o.id) < (c.created_at, c.id))"""


def next_due(db: Plain, channel_id: uuid.UUID, now: datetime, device_id: uuid.UUID,
             skip: list[uuid.UUID], *, lease_now: datetime | None = None) -> Picked | None:
    """The channel's next delivery to send now (see the module's docstring), leaving
    out ``skip``; None when there is none. Another laptop's deliveries (team sync)
    are never this one's to send. ``lease_now``: the time leases run out by, when the
    channel keeps another (an exercise's own channel keeps its clock; leases, this machine's)."""
    key = db.to_db(_D.id)
    channel, at, device = key(channel_id), db.to_db(_D.next_attempt_at)(now), key(device_id)
    leased = db.to_db(_D.lease_until)(lease_now or now)
    left_out = [key(k) for k in skip]
    sql = _PICK + (f" AND c.id NOT IN ({', '.join('?' * len(left_out))})" if left_out else "") + \
        " ORDER BY c.created_at, c.id LIMIT 1"
    top = db.execute(_TOP, (channel,)).fetchone()[0]
    while top is not None:
        row = db.execute(sql, (channel, top, at, leased, device, *left_out)).fetchone()
        if row is not None:
            return Picked(db.from_db(_D.id)(row[0]), bool(db.from_db(_D.exercise)(row[1])))
        top = db.execute(_TOP + " AND priority < ?", (channel, top)).fetchone()[0]
    return None


def keep_rate(db: Plain, channel_id: uuid.UUID, tat: float) -> None:
    db.execute("UPDATE channel SET rate_tat = ? WHERE id = ?", (tat, db.to_db(_C.id)(channel_id)))


def lease(db: Plain, delivery_id: uuid.UUID, owner: str, until: datetime) -> Leased:
    """Lease the delivery to ``owner`` until ``until``; what sending it needs."""
    row = db.execute("UPDATE delivery SET lease_owner = ?, lease_until = ? WHERE id = ? RETURNING id, incident_id, "
                     "draft_id, message, recipient, address, attempts, exercise, receipt",
                     (owner, db.to_db(_D.lease_until)(until), db.to_db(_D.id)(delivery_id))).fetchone()
    key, json = db.from_db(_D.id), db.from_db(_D.message)
    return Leased(key(row[0]), key(row[1]), key(row[2]), json(row[3]), row[4], row[5], row[6],
                  bool(db.from_db(_D.exercise)(row[7])), db.from_db(_D.receipt)(row[8]))


def last_receipt(db: Plain, channel_id: uuid.UUID, incident_id: uuid.UUID) -> dict[str, Any] | None:
    """The channel's receipt of the incident's last delivered message (Statuspage
    updates the incident it made)."""
    key = db.to_db(_D.id)
    row = db.execute("SELECT receipt FROM delivery WHERE channel_id = ? AND incident_id = ? AND state = 'delivered' "
                     "AND receipt IS NOT NULL ORDER BY delivered_at DESC LIMIT 1",
                     (key(channel_id), key(incident_id))).fetchone()
    return None if row is None else db.from_db(_D.receipt)(row[0])


def settling(db: Plain, delivery_id: uuid.UUID, channel_id: uuid.UUID) -> Settling | None:
    """The delivery whose outcome is written down now; None when it, or its channel, is gone."""
    key = db.to_db(_D.id)
    row = db.execute("SELECT state, lease_owner, lease_until, attempts, incident_id, recipient FROM delivery "
                     "WHERE id = ? AND EXISTS (SELECT 1 FROM channel WHERE channel.id = ?)",
                     (key(delivery_id), key(channel_id))).fetchone()
    if row is None:
        return None
    return Settling(row[0], row[1], db.from_db(_D.lease_until)(row[2]), row[3], db.from_db(_D.incident_id)(row[4]),
                    row[5])


def delivered(db: Plain, delivery_id: uuid.UUID, *, state: str, attempts: int, receipt: dict[str, Any],
              now: datetime) -> None:
    """It went out (``delivered``), or would have (``simulated``, an exercise): the lease
    ends and the vendor's receipt is kept."""
    at = db.to_db(_D.updated_at)(now)
    db.execute("UPDATE delivery SET state = ?, attempts = ?, lease_owner = NULL, lease_until = NULL, receipt = ?, "
               "delivered_at = ?, last_error = NULL, updated_at = ? WHERE id = ?",
               (state, attempts, db.to_db(_D.receipt)(receipt), at, at, db.to_db(_D.id)(delivery_id)))


def healthy(db: Plain, channel_id: uuid.UUID, now: datetime) -> None:
    """A send went through: the breaker closes, any pause ends (as
    :func:`warroom.services.channels.mark_healthy`)."""
    at = db.to_db(_C.updated_at)(now)
    db.execute("UPDATE channel SET failures = 0, state = 'ok', opened_at = NULL, paused_until = NULL, "
               "last_ok_at = ?, last_error = NULL, updated_at = ? WHERE id = ?",
               (at, at, db.to_db(_C.id)(channel_id)))
