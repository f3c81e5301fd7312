"""Claiming the next delivery (warroom.delivery.ledger): the highest priority first, each
priority's queue in order, nothing due later or leased; and the next claim made in the
transaction that writes the last outcome down."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select, update

from tests.helpers.delivery import make_dispatcher, publish_overridden
from warroom.delivery import ledger
from warroom.delivery.dispatcher import Dispatcher
from warroom.identity import SYSTEM
from warroom.journal import verify
from warroom.services import channels, matrix, outbox
from warroom.store.models import Delivery


def _hook(world, fake_webhook, updates: int):
    channels.add(world, "admin", "hook", "webhook", {"url": fake_webhook.hook_url, "rate_per_s": 1000},
                 secret=fake_webhook.key)
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="hook")
    for n in range(updates):
        publish_overridden(world, title=f"Incident {n}")
    with world.read() as session:
        return list(session.scalars(select(Delivery.id).order_by(Delivery.created_at, Delivery.id)))


def _claims(world, clock, channel_id):
    """Claim until nothing is due, settling each claim at once; the ids in claim order."""
    d, settings, order = make_dispatcher(world, clock), outbox.settings(world), []
    while True:
        claim = d._claim(channel_id, settings)
        if claim is None:
            return order
        if isinstance(claim, float):
            clock.advance(timedelta(seconds=claim))
            continue
        order.append(claim.id)
        with world.write(SYSTEM) as tx:
            tx.session.execute(update(Delivery).where(Delivery.id == claim.id).values(state="cancelled"))
        claim.marker.release()


def test_the_highest_priority_goes_first_then_the_queue_in_order_none_overtaking_an_older_one(world, clock,
                                                                                             fake_webhook):
    a, b, c, d, e = _hook(world, fake_webhook, 5)     # one channel, one address: first in, first out
    with world.write(SYSTEM) as tx:
        tx.session.execute(update(Delivery).where(Delivery.id == e).values(priority=10))    # a correction
        tx.session.execute(update(Delivery).where(Delivery.id == b).values(                 # another's lease
            lease_owner="elsewhere", lease_until=clock.now() + timedelta(minutes=5)))
        tx.session.execute(update(Delivery).where(Delivery.id == d).values(                 # a back-off
            next_attempt_at=clock.now() + timedelta(minutes=5)))
    hook = channels.get(world, "hook").id
    assert _claims(world, clock, hook) == [e, a]      # c waits behind b, d is not due
    clock.advance(timedelta(minutes=6))
    assert _claims(world, clock, hook) == [b, c, d]


def test_an_older_correction_not_yet_due_holds_back_the_ones_after_it(world, clock, fake_webhook):
    a, b, c = _hook(world, fake_webhook, 3)
    with world.write(SYSTEM) as tx:
        tx.session.execute(update(Delivery).where(Delivery.id == b).values(
            priority=10, next_attempt_at=clock.now() + timedelta(minutes=5)))
        tx.session.execute(update(Delivery).where(Delivery.id == c).values(priority=10))
    hook = channels.get(world, "hook").id
    assert _claims(world, clock, hook) == [a]         # c may not overtake b, of its priority and older
    clock.advance(timedelta(minutes=6))
    assert _claims(world, clock, hook) == [b, c]


def test_each_delivery_is_one_durable_commit_its_outcome_and_the_next_claim(world, clock, fake_webhook):
    _hook(world, fake_webhook, 0)
    writes = []

    def count(conn, cursor, statement, *args):
        if statement.startswith("BEGIN IMMEDIATE"):
            writes.append(statement)

    def dispatch(updates: int) -> int:
        for n in range(updates):
            publish_overridden(world, title=f"Incident {n}")
        writes.clear()
        # The vendor's rate on this machine's clock (the simulated one stands still: every
        # sixth send would wait for it, and a wait ends the claim made ahead).
        assert Dispatcher(world, parallel=False).run_once().delivered == updates
        return len(writes)

    event.listen(world.engine, "before_cursor_execute", count)
    try:
        four, eight = dispatch(4), dispatch(8)
    finally:
        event.remove(world.engine, "before_cursor_execute", count)
    assert eight - four == 4                # four more deliveries: four more write transactions, not eight
    assert len(fake_webhook.received) == 12 and fake_webhook.duplicates == 0


def test_a_claim_ahead_that_fails_is_undone_alone_and_the_outcome_stays_written(world, clock, fake_webhook,
                                                                                monkeypatch):
    ids = _hook(world, fake_webhook, 3)
    real, calls = ledger.next_due, {"n": 0}

    def failing_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:        # the claim made with the first outcome
            raise RuntimeError("the claim fails")
        return real(*args, **kwargs)

    monkeypatch.setattr(ledger, "next_due", failing_once)
    assert make_dispatcher(world, clock).run_once().delivered == 3
    with world.read() as session:
        rows = session.execute(select(Delivery.id, Delivery.state, Delivery.lease_owner)).all()
        assert verify(session).ok
    assert sorted(rows) == sorted((i, "delivered", None) for i in ids)
    assert calls["n"] >= 4 and len(fake_webhook.received) == 3 and fake_webhook.duplicates == 0
