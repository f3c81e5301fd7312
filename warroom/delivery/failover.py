"""Failover and dead letters: a channel down past the failover time hands its queue to
the next channel of each delivery's route (unless this machine looks offline), and a
delivery undelivered past the dead-letter time fails with an alert on the timeline."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from warroom.delivery import planning, records
from warroom.domain import EntryKind
from warroom.identity import System
from warroom.ids import uuid7
from warroom.services import outbox
from warroom.exercise.stamp import now_for, stamp
from warroom.services.channels import kind_module, routable, shown
from warroom.services.matrix import cell_for
from warroom.services.stakeholders import register_of
from warroom.store import Store
from warroom.store.models import Channel, Delivery, Draft, Incident, TimelineEntry
from warroom.text.durations import duration_text

#: The program sending on its own: journaled as "dispatcher", never a person's name.
ACTOR = System("dispatcher")

_NETWORK_ERRORS = ("could not be reached", "did not answer")


def housekeeping(store: Store, settings: outbox.DeliverySettings, summary) -> None:
    """Hand the queue of a channel down past the failover time to the next channel of each
    route, and fail (with an alert) what stayed undelivered past the dead-letter time;
    counted in ``summary`` (a :class:`warroom.delivery.dispatcher.Summary`). The real
    channels on this machine's time; each exercise's own channels on its clock."""
    _settle(store, settings, summary, None, store.clock.now())
    with store.read() as session:
        drills = session.execute(select(Channel.exercise_id).where(
            Channel.exercise_id.is_not(None), Channel.state != "removed",
            select(Delivery.id).where(Delivery.channel_id == Channel.id, Delivery.state == "queued").exists())
            .distinct()).scalars().all()
        real_now = store.real_clock.now()
        times = {eid: now_for(session, eid, real_now) for eid in drills}
    for exercise_id, now in times.items():
        _settle(store, settings, summary, exercise_id, now)


def _settle(store: Store, settings: outbox.DeliverySettings, summary, exercise_id: uuid.UUID | None,
            now: datetime) -> None:
    """:func:`housekeeping` for the real channels (``exercise_id`` None) or one exercise's own."""
    cutoff = now - timedelta(seconds=settings.failover_after_s)
    dead_cut = now - timedelta(seconds=settings.dead_after_s)
    own = Channel.exercise_id.is_(None) if exercise_id is None else Channel.exercise_id == exercise_id
    theirs = select(Channel.id).where(own)
    with store.read() as session:   # most passes have nothing to do: no write lock for them
        down = session.scalar(select(Channel.id).where(Channel.state == "down", Channel.opened_at <= cutoff, own)
                              .limit(1))
        mine = outbox.sent_by(store.device_id)   # another laptop's deliveries are its own to settle
        old = session.scalar(select(Delivery.id).where(Delivery.state == "queued", Delivery.queued_at <= dead_cut,
                                                       mine, Delivery.channel_id.in_(theirs)).limit(1))
        # An exercise's outage is a channel's, on cue: it does not look like this machine offline.
        offline = exercise_id is None and looks_offline(session, now, settings, store.device_id)
    if down is None and old is None:
        return
    with store.write(ACTOR) as tx:
        if exercise_id is not None:
            stamp(tx, exercise_id)       # what the exercise's channels do happens on its clock
        now = tx.now
        free = or_(Delivery.lease_until.is_(None), Delivery.lease_until <= tx.real_now)
        # Failover: a channel down past the failover time hands its queue on; but not
        # when this machine looks offline (see looks_offline): then the queue waits and
        # drains in order to its own channels when the network returns.
        down_channels = [] if offline else tx.session.scalars(
            select(Channel).where(Channel.state == "down", Channel.opened_at <= cutoff, own)).all()
        for channel in down_channels:
            rows = tx.session.scalars(select(Delivery).where(Delivery.channel_id == channel.id,
                                                             Delivery.state == "queued",
                                                             Delivery.exercise.is_(exercise_id is not None),
                                                             free, mine)
                                      .order_by(Delivery.created_at, Delivery.id)).all()
            by_draft: dict[uuid.UUID, list[Delivery]] = defaultdict(list)
            for d in rows:
                by_draft[d.draft_id].append(d)
            down_for = duration_text(now - channel.opened_at, "rough")
            for group in by_draft.values():
                if fail_over(tx, group, channel, f"{shown(channel)} has been down for {down_for}"):
                    summary.failed_over += len(group)
        # Dead letters: undelivered past the dead-letter time.
        rows = tx.session.scalars(select(Delivery).where(Delivery.state == "queued", Delivery.queued_at <= dead_cut,
                                                         free, mine, Delivery.channel_id.in_(theirs))).all()
        groups: dict[tuple[uuid.UUID, uuid.UUID], list[Delivery]] = defaultdict(list)
        for d in rows:
            groups[(d.incident_id, d.channel_id)].append(d)
        dead_after = duration_text(timedelta(seconds=settings.dead_after_s), "rough")
        for (incident_id, channel_id), group in groups.items():
            channel = tx.session.get(Channel, channel_id)
            for d in group:
                d.state, d.updated_at = "failed", now
                d.last_error = f"undelivered after {dead_after}" + (
                    f"; last error: {d.last_error}" if d.last_error else "")
            summary.failed += len(group)
            alert(tx, incident_id, "delivery.dead", group, channel,
                  f"{len(group)} deliver{'y' if len(group) == 1 else 'ies'} via {shown(channel)} gave up after "
                  f"{dead_after}: {group[0].last_error}. Retry from the outbox once the channel works.")


def looks_offline(session, now: datetime, settings: outbox.DeliverySettings,
                  device_id: uuid.UUID | None = None) -> bool:
    """This machine looks offline, so failing over would only move the queue from one
    unreachable channel to the next: network channels of at least two different
    vendors, each with deliveries waiting, fail to connect at all, no failing one
    got an answer of any kind, and none of them has delivered lately.

    One vendor unreachable is not enough: from here a Slack outage and a dropped
    network look the same, and a channel that has not been tried is not known to be
    down. Then the route's fallback is the better bet (an update that waits for a
    vendor that stays down reaches nobody). The self-hosted page is a local folder
    and does not count."""
    waiting = select(Delivery.id).where(Delivery.channel_id == Channel.id, Delivery.state == "queued",
                                        Delivery.exercise.is_(False),
                                        *([outbox.sent_by(device_id)] if device_id else [])).exists()
    rows = session.execute(select(Channel.kind, Channel.state, Channel.last_error, Channel.last_ok_at,
                                  waiting.label("waiting"))
                           .where(Channel.enabled.is_(True), Channel.state != "removed",
                                  Channel.kind != "sitepage", Channel.exercise_id.is_(None))).all()
    recent = timedelta(seconds=settings.failover_after_s)
    if any(r.last_ok_at is not None and now - r.last_ok_at < recent for r in rows):
        return False
    # Only channels still being tried are evidence: one left "down" with nothing to
    # send (its queue failed over, or was cancelled) is not probed, so its state is old.
    failing = [r for r in rows if r.state in ("down", "retrying") and r.waiting]
    if not all(any(m in (r.last_error or "") for m in _NETWORK_ERRORS) for r in failing):
        return False      # somebody answered, if only with an error: the network is there
    return len({r.kind for r in failing}) >= 2



def alert(tx, incident_id: uuid.UUID, kind: str, rows: list[Delivery], channel: Channel | None, text: str,
          extra: dict | None = None) -> None:
    """Say on the incident's timeline, as the dispatcher, what happened to these deliveries;
    journaled as ``kind`` with the deliveries, the channel and ``extra``."""
    entry = TimelineEntry(id=uuid7(), incident_id=incident_id, kind=EntryKind.DELIVERY.value, text=text,
                          author=ACTOR, occurred_at=tx.now, recorded_at=tx.now, edited_at=None)
    tx.session.add(entry)
    payload = {"deliveries": [d.id for d in rows], "channel": channel.name if channel else None,
               "entry_id": entry.id, "text": text,
               "settled": [{"id": d.id, "state": d.state, "last_error": d.last_error} for d in rows]}
    payload.update(extra or {})
    tx.record(kind, payload, incident_id=incident_id)


def fail_over(tx, rows: list[Delivery], channel: Channel, reason: str) -> str | None:
    """Move these deliveries (one draft, one channel) to the next usable channel of
    the route they were planned on. A delivery to one recipient goes on to that
    recipient only; nobody gets the update twice. Returns the channel they went
    to, or None when there is none."""
    first = rows[0]
    draft = tx.session.get(Draft, first.draft_id)
    incident = tx.session.get(Incident, first.incident_id)
    route = list(first.route or [])
    if channel.name not in route:      # planned before routes were kept: the matrix's
        severity = (first.message or {}).get("severity") or incident.severity
        route = next((list(r) for r in cell_for(tx.session, incident, first.audience, severity).routes
                      if channel.name in r), [])
    if channel.name not in route:
        return None
    channels = routable(tx.session, channel.exercise_id)    # an exercise's go on to its own alone
    who = {d.recipient for d in rows} if all(d.recipient for d in rows) else None
    for name in route[route.index(channel.name) + 1:]:
        target = channels.get(name)
        if target is None or not target.enabled or target.state == "down":
            continue
        covered = set(tx.session.scalars(select(Delivery.recipient).where(
            Delivery.draft_id == draft.id, Delivery.channel_id == target.id,
            Delivery.state.in_(("queued", "delivered", "simulated")))))
        per_recipient = kind_module(target.kind).RECIPIENT is not None
        if per_recipient:
            wanted = {r.name for r in outbox.recipients(tx.session, kind_module(target.kind).RECIPIENT,
                                                        first.audience, exercise=register_of(tx.session, incident))}
            if who is not None:
                wanted &= who
            missing = wanted - covered
            if not wanted:
                continue   # nobody reachable there: try the next
        else:
            missing = set() if covered else {""}
        new: list[dict] = []
        if missing:
            new = list(records.expand(planning.new_deliveries(
                tx, incident, draft, target, failover_from=first.id, message=dict(first.message or {}), route=route,
                only=missing if per_recipient else None, exercise=first.exercise, priority=first.priority)))
        to = shown(target)
        for d in rows:
            d.state, d.updated_at = "failed_over", tx.now
            d.last_error = f"failed over to {to}: {reason}"[:500]
            d.lease_owner = d.lease_until = None
        how = f"{len(new)} deliver{'y' if len(new) == 1 else 'ies'} through {to}" if new else \
            f"already going out through {to}"
        target_who = f" for {', '.join(sorted(who))}" if who and len(who) <= 3 else ""
        alert(tx, first.incident_id, "delivery.failed_over", rows, channel,
              f"Update to {first.audience}{target_who} failed over from {shown(channel)} to {to} ({reason}): "
              f"{how}.", {"to": name, "new": [d["id"] for d in new], "new_rows": new})
        return name
    return None
