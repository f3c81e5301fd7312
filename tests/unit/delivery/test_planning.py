"""Queueing a published update (warroom.delivery.planning): one delivery per channel
and recipient along the matrix's routes, written in the publish transaction, and the
same plan counted for a confirmation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.helpers.delivery import publish_overridden
from warroom.delivery import planning
from warroom.errors import InputError
from warroom.identity import SYSTEM
from warroom.journal import verify
from warroom.services import drafts, incidents, matrix, outbox, publishing, review, stakeholders


def test_publish_writes_one_delivery_per_channel_and_recipient_in_its_transaction(world):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage, slack>email, email, site")
    inc, d, planned = publish_overridden(world)
    # Three customers have e-mail, the fourth has none: three e-mails, and one each elsewhere.
    assert planned.deliveries == 6 and planned.channels == ("statuspage", "slack", "email", "site")
    rows = outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)
    assert sorted(r.address for r in rows if r.channel == "email") == [
        "ops0@customer0.example", "ops1@customer1.example", "ops2@customer2.example"]
    assert all(r.state == "queued" and r.subject == rows[0].subject for r in rows)
    with world.read() as session:
        assert verify(session).ok
        event = [e for e in session.execute(
            __import__("sqlalchemy").text("SELECT kind, payload FROM journal_event")).all()
            if e[0] == "update.published"][-1]
    assert json.loads(event[1])["deliveries"] == 6


def test_a_refused_publish_queues_nothing(world):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1")
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(world, "Dana", d.id)
    with pytest.raises(InputError, match="needs its reviews"):
        publishing.publish(world, "Dana", d.id)
    assert outbox.list_deliveries(world, viewer=SYSTEM) == []


def test_the_next_update_time_is_written_in_at_publish_from_the_cadence_then_in_force(world, clock):
    from warroom.text.render import NEXT_UPDATE

    matrix.set_cell(world, "admin", "customers", "SEV1", channels="site")
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application")
    clock.advance(timedelta(hours=2))                       # the 30-minute promise is long past
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    assert NEXT_UPDATE in d.long and "09:30" not in d.long  # reviewed with a placeholder, not a stale time
    review.submit(world, "Dana", d.id)
    review.override(world, "Dana", d.id, "Reviewers asleep")
    clock.advance(timedelta(minutes=20))                    # it waited; meanwhile the matrix changed
    matrix.set_cell(world, "admin", "customers", "SEV1", cadence=timedelta(minutes=15))
    publishing.publish(world, "Dana", d.id)
    (row,) = outbox.list_deliveries(world, viewer=SYSTEM, draft_id=d.id)
    with world.read() as session:
        from warroom.store.models import Delivery
        message = session.get(Delivery, row.id).message
    assert "11:35 UTC" in message["long"] and NEXT_UPDATE not in message["long"] + message["short"]
    assert drafts.get(world, d.id, viewer=SYSTEM).next_update_at == clock.now() + timedelta(minutes=15)
    assert NEXT_UPDATE in drafts.get(world, d.id, viewer=SYSTEM).long   # the reviewed words are kept as reviewed


def test_a_promise_of_a_next_update_is_not_published_once_resolved(world, clock):
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application")
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(world, "Dana", d.id)
    review.override(world, "Dana", d.id, "Reviewers asleep")
    incidents.set_status(world, "Dana", inc.id, "resolved")
    with pytest.raises(InputError, match="promise a next update"):
        publishing.publish(world, "Dana", d.id)


def test_the_preview_of_a_publish_is_what_the_publish_queues_and_writes_nothing(world, clock):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="statuspage>site, slack, email")
    inc = incidents.open_incident(world, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True)
    d = drafts.compose_drafts(world, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(world, "Dana", d.id)
    review.override(world, "Dana", d.id, "Reviewers unreachable at night")
    before = world.data_version()
    preview = planning.preview(world, d.id, viewer=SYSTEM)
    assert world.data_version() == before and outbox.list_deliveries(world, viewer=SYSTEM) == []
    assert preview.channels == ("statuspage", "slack", "email") and preview.counts == (1, 1, 3)
    assert publishing.publish(world, "Dana", d.id) == preview


@pytest.mark.parametrize("one_template", [True, False])
def test_the_rows_a_publish_writes_in_bulk_are_stored_as_the_orm_stores_them(world, monkeypatch, one_template):
    """Publishing writes its rows with one INSERT, values converted by the columns' own
    types: each is stored byte for byte as the same row written through the ORM (times,
    ids, JSON, the message with its own delivery id), whether the message's JSON is
    made once for all (the usual way) or once per row."""
    from sqlalchemy import select, text

    from warroom.ids import uuid7
    from warroom.store.models import Delivery

    if not one_template:
        monkeypatch.setattr(planning, "_template", lambda to_message, message: None)

    stakeholders.save(world, "admin", name="Zoë Ünal", audience="customers", email="zoë@bücher.example")
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="email, slack")
    inc, d, planned = publish_overridden(world)
    assert planned.deliveries == 5
    with world.write(SYSTEM) as tx:
        originals = tx.session.scalars(select(Delivery).where(Delivery.draft_id == d.id)).all()
        copies = {}
        for row in originals:
            values = {c.key: getattr(row, c.key) for c in Delivery.__table__.c}
            copy_id = uuid7()
            values.update(id=copy_id, message=dict(row.message))
            assert row.message["delivery_id"] == str(row.id)
            tx.session.add(Delivery(**values))
            copies[row.id] = copy_id
        tx.session.flush()

        def stored(key):
            got = tx.session.execute(text("SELECT * FROM delivery WHERE id = :id"), {"id": key.hex}).mappings().one()
            return {k: (v, type(v)) for k, v in got.items() if k != "id"}

        for original, copy_id in copies.items():
            assert stored(original) == stored(copy_id)
