"""The demo shows every capability without configuring anything: its database holds
each of them (read through the services), and its journal verifies."""

from __future__ import annotations

import pytest

from tests.fakes.keyrings import memory_keyring
from warroom import demo
from warroom.domain import Role
from warroom.identity import SYSTEM
from warroom.services import audiences, channels, drafts, incidents, matrix, outbox, people, review


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """One demo database for the module (making it sends, on the story's clock)."""
    import keyring

    from warroom.app import open_store
    from warroom.clock import SystemClock

    previous = keyring.get_keyring()
    keyring.set_keyring(memory_keyring())
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(path, clock=SystemClock())
    try:
        main = demo.create(store)
    finally:
        store.close()
        keyring.set_keyring(previous)
    return path, main


@pytest.fixture
def demo_store(demo_db):
    from warroom.store import Store

    store = Store.open(demo_db[0])
    yield store
    store.close()


def test_people_in_every_role(demo_store):
    roles = {role for p in people.list_people(demo_store) for role in p.roles}
    for role in (Role.INCIDENT_COMMANDER, Role.TECHNICAL_REVIEWER, Role.COMMS_REVIEWER, Role.LEGAL_REVIEWER,
                 Role.VIEWER, Role.ADMINISTRATOR):
        assert role in roles or role.value in roles, role


def test_every_audience_has_a_route_to_channels_that_work_on_a_laptop(demo_store):
    known = {c.name: c for c in channels.list_channels(demo_store)}
    for audience in audiences.list_audiences(demo_store):
        for severity in ("SEV1", "SEV4"):
            routes = matrix.cell(demo_store, audience.name, severity).routes
            assert routes, (audience.name, severity)
            for route in routes:
                # The last channel of every route is a folder on this machine: it always works.
                assert known[route[-1]].kind == "sitepage", route
                for name in route:
                    config = known[name].config
                    assert known[name].kind == "sitepage" or config.get("host") == "127.0.0.1", name


def test_published_updates_were_delivered_and_one_failed_over(demo_store, demo_db):
    main = demo_db[1]
    done = outbox.list_deliveries(demo_store, viewer=SYSTEM, incident_id=main.id)
    delivered = {(d.audience, d.channel) for d in done if d.state == "delivered"}
    assert ("customers", "status-page") in delivered and ("executives", "internal-page") in delivered
    moved = [d for d in done if d.state == "failed_over"]
    assert [(d.audience, d.channel) for d in moved] == [("executives", "mail-relay")]
    fallback = [d for d in done if d.failover_from == moved[0].id]
    assert [(d.channel, d.state) for d in fallback] == [("internal-page", "delivered")]
    assert (demo_db[0].parent / "status-page" / "index.html").is_file()
    assert {d.state for d in drafts.list_drafts(demo_store, main.id, viewer=SYSTEM)} >= {"published", "in_review"}


def test_drafts_wait_for_their_reviewers(demo_store, demo_db):
    for reviewer in ("Ravi Shah", "Mia Lindqvist"):
        waiting = [q for q in review.queue(demo_store, reviewer) if q.mine]
        assert {q.audience for q in waiting} == {"employees", "customers"}, reviewer
        assert {q.incident_ref for q in waiting} == {demo_db[1].ref}


def test_an_exercise_and_a_confidential_incident(demo_store):
    every = incidents.list_incidents(demo_store, viewer=SYSTEM)
    exercise = [i for i in every if i.exercise]
    secret = [i for i in every if i.confidential]
    assert len(exercise) == 1 and exercise[0].active
    assert len(secret) == 1 and secret[0].commander == "Ravi Shah" and "Priya Nair" in secret[0].members
    for name, sees in (("Ravi Shah", True), ("Priya Nair", True), ("Alex Kim", False), ("Dana Okafor", False)):
        refs = {i.ref for i in incidents.list_incidents(demo_store, viewer=name)}
        assert (secret[0].ref in refs) == sees, name
    # The window opens on the outage: the most severe active incident comes first.
    assert incidents.list_incidents(demo_store, viewer="Dana Okafor")[0].ref == "INC-1"


def test_the_demo_verifies(demo_db, capsys):
    from warroom import cli

    assert cli.main(["--db", str(demo_db[0]), "verify"]) == 0, capsys.readouterr()


def test_signals_questions_clocks_and_a_key_account(demo_store):
    from warroom.services import components, inquiries, obligations, stakeholders

    now = demo_store.clock.now()
    status = {c.name: (c.status, c.set_by) for c in components.list_components(demo_store)}
    assert status["Checkout"] == ("degraded_performance", "inbound:alertmanager")
    assert status["Login"][0] == status["Public API"][0] == "operational"
    [suggested] = inquiries.suggestions(demo_store, "INC-1", viewer="Dana Okafor")
    assert suggested.category == "eta"
    asked = inquiries.list_inquiries(demo_store, "INC-1", viewer="Dana Okafor")
    assert sorted(q.category for q in asked) == ["billing", "eta", "eta", "eta"]
    secret = next(i for i in incidents.list_incidents(demo_store, viewer=SYSTEM) if i.confidential)
    gdpr = next(c for c in obligations.clocks(demo_store, secret.id, viewer="Ravi Shah", now=now)
                if c.regime.key == "gdpr-33")
    assert gdpr.due is not None and gdpr.due - gdpr.start == __import__("datetime").timedelta(hours=72)
    assert gdpr.due > now
    [account] = [s for s in stakeholders.list_stakeholders(demo_store) if s.key_account]
    assert account.success_manager == "Lena Vogel (customer success)" and "Checkout" in account.components


def test_the_demos_retrospective_reads_like_an_incident(demo_store, demo_db):
    """The demo's figures are a story's, not its seeding's: reviews took minutes, the
    status page was written as soon as the holding statement went out, and the relay
    was offline until its queue failed over."""
    from warroom.retro.figures import compute

    figures = compute(demo_store, demo_db[1].id, viewer=SYSTEM).to_json()
    waits = figures["reviews"]["by_role"]
    assert waits["technical_reviewer"]["max_s"] == 5 * 60 and waits["comms_reviewer"]["max_s"] == 9 * 60
    delivery = figures["delivery"]
    assert delivery["by_channel"]["status-page"]["max_s"] < 60           # not held until the story's end
    assert delivery["failovers"] == 1 and 0 < delivery["offline_by_channel"]["mail-relay"] < 15 * 60
    assert figures["first_word"]["by_audience"]["customers"]["from_detection_s"] == 16 * 60
