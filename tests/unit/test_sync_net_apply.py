"""Team sync end to end: events pulled through the server go through the appliers,
and three laptops review one update together."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.fakes.vendors import FakeWebhookReceiver
from tests.helpers import teamserver
from tests.helpers.delivery import make_dispatcher
from warroom.app import open_store
from warroom.cli.sync import default_applier
from warroom.services import channels, drafts, incidents, integrity, matrix, people, publishing, review, timeline
from warroom.store.models import Draft, ReviewRequest
from warroom.sync import apply_compare, client


@pytest.fixture
def team(pg_cluster, pg_database, memory_keyring):
    server = teamserver.start(pg_cluster, pg_database)
    yield server
    for store in server.laptops:
        store.close()


def _state(store) -> dict:
    with store.read() as session:
        return apply_compare.snapshot(session)


def test_a_draft_composed_on_one_laptop_is_reviewed_on_two_others_and_published_on_the_first(team, tmp_path, clock):
    with FakeWebhookReceiver() as hook:
        _three_laptops_one_update(team, tmp_path, clock, hook)


def _three_laptops_one_update(team, tmp_path, clock, hook):
    store_a = open_store(tmp_path / "a.db", clock=clock)       # the shipped templates: on the first laptop only
    store_a.close()
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
    channels.add(a, "Alice", "board-hook", "webhook", {"url": hook.hook_url}, secret=hook.key)
    matrix.set_cell(a, "Alice", "executives", "all", channels="board-hook")
    people.save(a, "Alice", "Bob", roles="technical_reviewer")
    people.save(a, "Alice", "Carol", roles="comms_reviewer")
    inc = incidents.open_incident(a, "Alice", title="Login failures", severity="SEV2")
    timeline.log(a, "Alice", inc.id, "Identity provider returns 500s")
    d = drafts.compose_drafts(a, "Alice", inc.id, ["executives"])[0]
    review.submit(a, "Alice", d.id, acknowledge=True)
    apply = default_applier()
    assert client.sync_once(a, apply, url=team.url("alice")).ok

    b = team.laptop(tmp_path / "b.db", "bob", clock)
    assert client.sync_once(b, apply, url=team.url("bob")).ok
    review.decide(b, "Bob", d.id, "approve", acknowledge=True)
    assert client.sync_once(b, apply).ok
    c = team.laptop(tmp_path / "c.db", "carol", clock)
    assert client.sync_once(c, apply, url=team.url("carol")).ok
    review.decide(c, "Carol", d.id, "approve", acknowledge=True)
    assert client.sync_once(c, apply).ok

    assert client.sync_once(a, apply).ok
    with a.read() as session:
        assert session.get(Draft, d.id).state == "approved"
    publishing.publish(a, "Alice", d.id, acknowledge=True)
    for store in (a, b, c):
        assert client.sync_once(store, apply).ok
    assert integrity.check(a).ok
    for store in (b, c):
        assert apply_compare.differences(_state(a), _state(store)) == []
        assert integrity.check(store).ok
    with c.read() as session:
        assert {r.decided_by for r in session.scalars(select(ReviewRequest))} == {"Bob", "Carol"}
    # All three run dispatchers: the update reaches the vendor once, sent by Alice's laptop.
    for store in (b, c, a, b, c):
        make_dispatcher(store, clock).run_once()
    assert len(hook.received) == 1 and hook.duplicates == 0
    for store in (a, b, c):
        assert client.sync_once(store, apply).ok
    for store in (b, c):
        assert apply_compare.differences(_state(a), _state(store)) == []
