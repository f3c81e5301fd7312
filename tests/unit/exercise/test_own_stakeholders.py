"""An exercise addresses its scenario's own stakeholders, never the register's: after
a drill in a demo database the real register is as it was and a real incident
tells nobody the scenario made up; the exercise's sink deliveries reach its
scenario's stakeholders alone, under the scenario's names; two exercises each have
their own, and a scenario's stakeholder may share a real one's name; team sync
rebuilds the same; an exercise started before this keeps the real register."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from tests.unit.exercise.conftest import FACILITATOR, SCENARIOS, incident_events
from tests.helpers.rebuilt import rebuilt
from warroom import demo
from warroom.exercise import play, run, scenario
from warroom.services import (channels, drafts, incidents, inquiries, key_accounts, matrix, outbox, people,
                              publishing, review, stakeholders)
from warroom.store.models import Delivery, Exercise, JournalEvent, Stakeholder

ENDPOINT = SCENARIOS / "endpoint-agent-crash.scenario.toml"
REGIONAL = SCENARIOS / "regional-cloud-outage.scenario.toml"
RANSOMWARE = SCENARIOS / "ransomware-personal-data.scenario.toml"

#: A drill telling its Board, and customers named as a demo database's real ones are.
BOARD = """
[scenario]
name = "Board drill"

[incident]
title = "Mail gateway failing"
severity = "SEV2"
commander = "Alex Rivera"

[[people]]
name = "Alex Rivera"
roles = ["incident_commander"]

[[channels]]
name = "exec-mail"
kind = "email"
config = { host = "smtp.example.com", from_addr = "incident@example.com" }

[[channels]]
name = "customer-mail"
kind = "email"
config = { host = "smtp.example.com", from_addr = "status@example.com" }

[[stakeholders]]
name = "Board"
audience = "executives"
email = "board@drill.example.com"

[[stakeholders]]
name = "Contoso Retail"
audience = "customers"
email = "drill@contoso.example.com"

[[matrix]]
audience = "executives"
channels = ["exec-mail"]

[[matrix]]
audience = "customers"
channels = ["customer-mail"]
"""


def _register(store):
    """The real register as every reader of it sees it."""
    views = [s.as_dict() for s in stakeholders.list_stakeholders(store)]
    report = stakeholders.validate(store)
    return views, (report.missing, report.stale, report.invalid, report.warnings, report.total), \
        [s.name for s in key_accounts.key_accounts(store)], stakeholders.export_csv(store)


def _publish(store, incident_id, audiences, who="Alex Rivera"):
    for d in drafts.compose_drafts(store, who, incident_id, audiences):
        review.submit(store, who, d.id, acknowledge=True)
        review.override(store, who, d.id, "Drill", acknowledge=True)
        publishing.publish(store, who, d.id, acknowledge=True)


def _addressed(store, incident_id) -> set[tuple[str, str]]:
    """(recipient, address) of every delivery of the incident to one stakeholder."""
    with store.read() as session:
        return {(d.recipient, d.address) for d in session.scalars(
            select(Delivery).where(Delivery.incident_id == incident_id)) if d.recipient}


def _scenario_people(path) -> set[tuple[str, str]]:
    return {(s["name"], s["email"]) for s in scenario.load(path).stakeholders}


# -- the real register ------------------------------------------------------------------------

def test_drills_in_a_demo_database_leave_the_real_register_as_it_was_and_a_real_incident_never_addresses_theirs(
        demo_store):
    before = _register(demo_store)
    made_up: set[tuple[str, str]] = set()
    for path in (ENDPOINT, RANSOMWARE, REGIONAL):
        played = play.play(demo_store, demo.ADMIN, scenario.load(path))
        assert not played.failures, played.failures
        made_up |= _scenario_people(path)
    # The register, its validation report, its key accounts and its export: as they were.
    assert _register(demo_store) == before
    assert not any("~" in s.name for s in stakeholders.list_stakeholders(demo_store))
    # A real incident tells the real register's stakeholders, and nobody a scenario made up.
    real = incidents.open_incident(demo_store, demo.ADMIN, title="Checkout down", severity="SEV1",
                                   commander=demo.ADMIN)
    audiences = ["customers", "employees", "executives"]
    _publish(demo_store, real.id, audiences, who=demo.ADMIN)
    told = _addressed(demo_store, real.id)
    register = {(s.name, s.email) for s in stakeholders.list_stakeholders(demo_store)}
    assert told and told <= register
    assert not {name for name, _a in told} & ({n for n, _e in made_up} - {n for n, _e in register})
    assert not {address for _n, address in told} & ({e for _n, e in made_up} - {e for _n, e in register})
    # The plan counts the register's stakeholders only.
    for row in matrix.plan(demo_store, real.id, viewer=demo.ADMIN):
        if row.audience in audiences:
            wanted = sum(1 for s in stakeholders.list_stakeholders(demo_store, audience=row.audience))
            assert all(have + missing == wanted for _n, kind, _s, have, missing in row.channels
                       if kind in ("email", "sms"))


def test_an_exercises_sink_deliveries_address_its_scenarios_stakeholders_alone_under_their_names(demo_store):
    for path in (REGIONAL, ENDPOINT):
        played = play.play(demo_store, demo.ADMIN, scenario.load(path))
        assert not played.failures, played.failures
        told = _addressed(demo_store, played.incident_id)
        assert told and told <= _scenario_people(path)
        shown = {q.recipient for q in outbox.list_deliveries(demo_store, viewer=demo.ADMIN,
                                                           incident_id=played.incident_id) if q.recipient}
        assert shown == {name for name, _a in told}            # the scenario's names, without the tag
        with demo_store.read() as session:
            sent = [d for d in session.scalars(select(Delivery).where(Delivery.incident_id == played.incident_id))
                    if d.state == "simulated" and d.recipient]
        assert sent and all(d.receipt and "~" not in json.dumps(d.receipt.get("payload")) for d in sent)
        # Its own stakeholders, listed for it and for nobody else.
        own = stakeholders.list_stakeholders(demo_store, exercise=played.incident_id)
        assert {(s.name, s.email) for s in own} == _scenario_people(path)
        assert {s.exercise_id for s in own} == {played.incident_id}
    # The regional scenario's Contoso Retail is its own, beside the demo's real one.
    real = stakeholders.get(demo_store, "Contoso Retail")
    assert real.email == "noc@contoso.example" and real.exercise_id is None


def test_a_scenario_stakeholder_named_as_a_real_one_is_the_exercises_own(ex_store):
    people.save(ex_store, "system", FACILITATOR)
    channels.add(ex_store, FACILITATOR, "mail", "email", {"host": "smtp.example.com", "from_addr": "a@example.com"})
    matrix.set_cell(ex_store, FACILITATOR, "customers", "all", channels="mail")
    stakeholders.save(ex_store, FACILITATOR, name="Contoso Retail", audience="customers", email="noc@contoso.example")
    ex = run.start(ex_store, FACILITATOR, scenario.parse(BOARD, source="board.toml"), paused=True)
    _publish(ex_store, ex.incident_id, ["customers", "executives"])
    assert _addressed(ex_store, ex.incident_id) == {("Contoso Retail", "drill@contoso.example.com"),
                                                    ("Board", "board@drill.example.com")}
    assert [(s.name, s.email) for s in stakeholders.list_stakeholders(ex_store)] == \
        [("Contoso Retail", "noc@contoso.example")]
    real = incidents.open_incident(ex_store, "Alex Rivera", title="VPN down", severity="SEV2")
    _publish(ex_store, real.id, ["customers"])
    assert _addressed(ex_store, real.id) == {("Contoso Retail", "noc@contoso.example")}


# -- two exercises ---------------------------------------------------------------------------------

def test_two_exercises_of_one_scenario_at_once_each_address_their_own_stakeholders(ex_store):
    a = run.start(ex_store, FACILITATOR, scenario.parse(BOARD, source="board.toml"), paused=True)
    b = run.start(ex_store, FACILITATOR, scenario.parse(BOARD, source="board.toml"), paused=True)
    mine = {x.incident_id: stakeholders.list_stakeholders(ex_store, exercise=x.incident_id) for x in (a, b)}
    assert [s.name for s in mine[a.incident_id]] == [s.name for s in mine[b.incident_id]] == \
        ["Contoso Retail", "Board"]
    assert not {s.id for s in mine[a.incident_id]} & {s.id for s in mine[b.incident_id]}
    assert stakeholders.list_stakeholders(ex_store) == []          # the real register has none of them
    for x in (a, b):
        _publish(ex_store, x.incident_id, ["executives"])
    with ex_store.read() as session:
        stored = {eid: sorted(n for n, in session.execute(select(Stakeholder.name)
                                                          .where(Stakeholder.exercise_id == eid)))
                  for eid in (a.incident_id, b.incident_id)}
    assert stored[a.incident_id] != stored[b.incident_id]
    assert all(n.startswith(("Board~", "Contoso Retail~")) for names in stored.values() for n in names)
    for x in (a, b):
        assert _addressed(ex_store, x.incident_id) == {("Board", "board@drill.example.com")}
    # A question from the Board is matched to the exercise's own Board; on a real incident, to nobody.
    q = inquiries.add_inquiry(ex_store, "Alex Rivera", a.incident_id, "When is it fixed?", asked_by="Board",
                              category="impact")
    assert q.stakeholder == "Board"
    real = incidents.open_incident(ex_store, "Alex Rivera", title="VPN down", severity="SEV2")
    assert inquiries.add_inquiry(ex_store, "Alex Rivera", real.id, "When?", asked_by="Board",
                                 category="impact").stakeholder is None


def test_a_rebuild_from_the_journal_gives_the_same_stakeholders(ex_store, tmp_path, clock, memory_keyring):
    stakeholders.save(ex_store, "system", name="Contoso Retail", audience="customers", email="noc@contoso.example")
    a = run.start(ex_store, FACILITATOR, scenario.parse(BOARD, source="board.toml"), paused=True)
    run.start(ex_store, FACILITATOR, scenario.parse(BOARD, source="board.toml"), paused=True)
    _publish(ex_store, a.incident_id, ["executives", "customers"])
    with ex_store.read() as session:
        added = [json.loads(e.payload) for e in session.scalars(
            select(JournalEvent).where(JournalEvent.kind == "stakeholder.added"))]
    assert sum(1 for p in added if p.get("exercise_id")) == 4 and sum(1 for p in added if "exercise_id" not in p) == 1
    with rebuilt(ex_store, tmp_path / "rebuilt.db", clock) as other:
        with ex_store.read() as x, other.store.read() as y:
            rows = {(s.id, s.name, s.exercise_id) for s in x.scalars(select(Stakeholder))}
            assert rows == {(s.id, s.name, s.exercise_id) for s in y.scalars(select(Stakeholder))}
        assert [s.name for s in stakeholders.list_stakeholders(other.store)] == ["Contoso Retail"]
        assert {s.name for s in stakeholders.list_stakeholders(other.store, exercise=a.incident_id)} == \
            {"Board", "Contoso Retail"}


# -- an exercise started before --------------------------------------------------------------------

def test_an_exercise_started_before_exercises_kept_their_own_addresses_the_real_register(ex_store):
    """As the old start left it: the scenario's stakeholders in the real register, none
    of its own (no ``stakeholders`` in what it made): it addresses the register, as it did."""
    ex = run.start(ex_store, FACILITATOR, scenario.parse(BOARD, source="board.toml"), paused=True)
    with ex_store.write("system") as tx:
        row = tx.session.get(Exercise, ex.incident_id)
        row.owned = {k: v for k, v in row.owned.items() if k != "stakeholders"}
        for s in tx.session.scalars(select(Stakeholder).where(Stakeholder.exercise_id == ex.incident_id)):
            s.exercise_id, s.name = None, s.name.rsplit("~", 1)[0]
    assert {s.name for s in stakeholders.list_stakeholders(ex_store)} == {"Board", "Contoso Retail"}
    _publish(ex_store, ex.incident_id, ["executives"])
    assert _addressed(ex_store, ex.incident_id) == {("Board", "board@drill.example.com")}
    view = run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=5))
    assert view.ended_at is None
    assert any(k == "update.published" for k, _at, _p in incident_events(ex_store, ex.incident_id))


def test_a_real_stakeholders_name_cannot_take_an_exercises_tag(ex_store):
    import pytest

    from warroom.errors import InputError

    with pytest.raises(InputError, match="exercise"):
        stakeholders.save(ex_store, "system", name="Board~1a2b3c4d", audience="executives", email="b@example.com")


def test_the_command_line_lists_the_register_and_with_incident_an_exercises_own(ex_store, cli):
    ex = run.start(ex_store, FACILITATOR, scenario.parse(BOARD, source="board.toml"), paused=True)
    code, out, _ = cli("stakeholder", "list", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = cli("--as", FACILITATOR, "stakeholder", "list", "--incident", ex.ref, "--json")
    assert code == 0, out
    rows = json.loads(out)
    assert [(r["name"], r["email"], r["exercise_id"]) for r in rows] == [
        ("Contoso Retail", "drill@contoso.example.com", str(ex.incident_id)),
        ("Board", "board@drill.example.com", str(ex.incident_id))]
