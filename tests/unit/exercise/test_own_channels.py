"""An exercise plays with its scenario's own channels and matrix, never the database's:
two exercises in one database (a demo's, with real channels, a matrix and people)
do not collide, a real incident's routing is unaffected, a channel down in an
exercise is a vendor outage the dispatcher meets as a real one, and an inject that
cannot be played says so."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.unit.exercise.conftest import FACILITATOR, SCENARIOS, SMALL, incident_events
from tests.helpers.rebuilt import rebuilt
from warroom import demo, retro
from warroom.app import open_store
from warroom.delivery.dispatcher import Dispatcher
from warroom.errors import InputError
from warroom.exercise import play, run, scenario
from warroom.services import (channels, drafts, incidents, inquiries, matrix, outbox, people, publishing, review,
                              stakeholders)
from warroom.store.models import Channel, Delivery, Exercise, MatrixCell

ENDPOINT = SCENARIOS / "endpoint-agent-crash.scenario.toml"
REGIONAL = SCENARIOS / "regional-cloud-outage.scenario.toml"
RANSOMWARE = SCENARIOS / "ransomware-personal-data.scenario.toml"

#: A drill whose update to executives goes exec-mail, failing over to backup-mail.
OUTAGE = """
[scenario]
name = "Mail outage drill"

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
name = "backup-mail"
kind = "email"
config = { host = "smtp.example.com", from_addr = "backup@example.com" }

[[stakeholders]]
name = "Board"
audience = "executives"
email = "board@example.com"

[[matrix]]
audience = "executives"
channels = ["exec-mail>backup-mail"]
cadence = "30m"

[[injects]]
at = "0m"
kind = "channel_down"
channel = "exec-mail"

[[injects]]
at = "30m"
kind = "channel_up"
channel = "exec-mail"
"""


def _real(store):
    """The real channels as they stand, the real matrix, and what was ever queued on a real channel."""
    with store.read() as session:
        chans = {c.name: (c.kind, c.enabled, c.state, c.failures, c.outage, dict(c.config or {}), c.updated_at)
                 for c in session.scalars(select(Channel).where(Channel.exercise_id.is_(None)))}
        cells = sorted((c.audience, c.severity, repr(c.channels), c.cadence_s, c.told)
                       for c in session.scalars(select(MatrixCell)))
        sent = sorted(str(d.id) for d in session.scalars(select(Delivery).join(Channel, Channel.id == Delivery.channel_id)
                                                         .where(Channel.exercise_id.is_(None))))
    return chans, cells, sent


def _used_channels(store, incident_id):
    with store.read() as session:
        return {(c.name, c.exercise_id) for c in session.scalars(
            select(Channel).join(Delivery, Delivery.channel_id == Channel.id).where(Delivery.incident_id == incident_id))}


def _play(store, path, facilitator=FACILITATOR):
    played = play.play(store, facilitator, scenario.load(path))
    assert not played.failures, played.failures
    return played, run.get(store, played.incident_id, viewer=facilitator)


# -- two exercises, one database ------------------------------------------------------------

def test_two_exercises_in_a_demo_database_play_to_the_end_on_their_own_channels_and_touch_no_real_one(demo_store):
    before = _real(demo_store)
    views = []
    for path in (ENDPOINT, RANSOMWARE, ENDPOINT):        # different scenarios, and the same one again
        played, view = _play(demo_store, path, demo.ADMIN)      # the demo's administrator runs them
        assert view.ended_at is not None and all(i.state == "done" and not i.failed for i in view.injects)
        used = _used_channels(demo_store, played.incident_id)
        assert used and all(eid == played.incident_id for _name, eid in used)
        assert {name for name, _eid in used} <= set(view.channels.values())
        views.append(view)
    # Each exercise made channels of its own: the same scenario twice, two sets.
    assert len({frozenset(v.channels.values()) for v in views}) == 3
    assert views[0].channels.keys() == views[2].channels.keys()
    # The endpoint scenario's failover route was its own, both times.
    for view in (views[0], views[2]):
        delivery = retro.compute(demo_store, view.incident_id, viewer=demo.ADMIN).to_json()["delivery"]
        assert [(f["from"], f["to"]) for f in delivery["failover_list"]] == \
            [("exercise-staff-mail", "exercise-staff-sms")]
    # Not one real channel, matrix cell or delivery was touched.
    assert _real(demo_store) == before


def test_an_exercise_in_a_demo_database_never_takes_a_real_person_off_duty_and_says_so(demo_store, tmp_path):
    before = _real(demo_store)
    # A scenario whose player has a real person's name (the demo's legal reviewer).
    clash = tmp_path / "clash.scenario.toml"
    clash.write_text(REGIONAL.read_text(encoding="utf-8").replace("Nadia Okonkwo", "Priya Nair"), encoding="utf-8")
    ex = run.start(demo_store, demo.ADMIN, scenario.load(clash), paused=True)
    view = run.control(demo_store, demo.ADMIN, ex.ref, advance=timedelta(hours=1))
    failed = [i for i in view.injects if i.failed]
    assert [i.kind for i in failed] == ["off_duty"] and "real person" in failed[0].failed
    assert people.get(demo_store, "Priya Nair").availability == "on_duty"      # the demo's legal reviewer
    assert not [i for i in view.injects if i.kind.startswith("channel_") and i.failed]
    assert _real(demo_store) == before


def test_two_exercises_at_once_each_take_down_their_own_channel(ex_store):
    a = run.start(ex_store, FACILITATOR, scenario.parse(SMALL, source="small.toml"), paused=True)
    b = run.start(ex_store, FACILITATOR, scenario.parse(SMALL, source="small.toml"), paused=True)
    assert a.channels["drill-mail"] != b.channels["drill-mail"]
    run.control(ex_store, FACILITATOR, a.ref, advance=timedelta(minutes=11))
    assert channels.get(ex_store, a.channels["drill-mail"]).outage
    assert not channels.get(ex_store, b.channels["drill-mail"]).outage    # b's clock has not reached 10m
    view = run.control(ex_store, FACILITATOR, b.ref, advance=timedelta(minutes=11))
    assert channels.get(ex_store, b.channels["drill-mail"]).outage
    assert view.injects[1].state == "done" and view.injects[1].failed is None


def test_the_status_bar_shows_an_exercises_channels_while_it_runs_and_not_after(ex_store):
    """A channel down on cue is the exercise's news while it runs, under the name the
    scenario gave it; once the exercise ends it is nobody's, and the status bar says so."""
    a = run.start(ex_store, FACILITATOR, scenario.parse(SMALL, source="small.toml"), paused=True)
    run.control(ex_store, FACILITATOR, a.ref, advance=timedelta(minutes=11))     # drill-mail goes down
    states = {s.name: s.state for s in outbox.channel_states(ex_store, viewer=FACILITATOR)}
    assert "drill-mail" in states and not any("~" in name for name in states)
    run.end(ex_store, FACILITATOR, a.ref)
    assert "drill-mail" not in {s.name for s in outbox.channel_states(ex_store, viewer=FACILITATOR)}


def test_an_exercises_channel_is_not_renamed(ex_store):
    """Its exercise's routes and injects go by the scenario's name: a rename would strand them."""
    ex = run.start(ex_store, FACILITATOR, scenario.parse(SMALL, source="small.toml"), paused=True)
    stored = ex.channels["drill-mail"]
    with pytest.raises(InputError, match="belongs to an exercise"):
        channels.update(ex_store, FACILITATOR, stored, rename="mail")
    assert channels.get(ex_store, stored).name == stored


def test_ending_an_exercise_cancels_what_still_waits_in_its_sink(ex_store):
    """A delivery queued on an exercise's clock would wait for ever once that clock stops."""
    ex = run.start(ex_store, FACILITATOR, scenario.parse(OUTAGE, source="outage.toml"), paused=True)
    d = drafts.compose_drafts(ex_store, "Alex Rivera", ex.incident_id, ["executives"])[0]
    review.submit(ex_store, "Alex Rivera", d.id, acknowledge=True)
    review.override(ex_store, "Alex Rivera", d.id, "Drill", acknowledge=True)
    publishing.publish(ex_store, "Alex Rivera", d.id, acknowledge=True)
    queued = {q.id for q in outbox.list_deliveries(ex_store, viewer=FACILITATOR, incident_id=ex.incident_id)
              if q.state == "queued"}
    assert queued
    run.end(ex_store, FACILITATOR, ex.ref)
    after = outbox.list_deliveries(ex_store, viewer=FACILITATOR, incident_id=ex.incident_id)
    assert {q.state for q in after if q.id in queued} == {"cancelled"}


# -- a real incident's routing ----------------------------------------------------------------

def test_a_real_incident_routes_by_the_real_matrix_while_an_exercise_routes_by_its_own(ex_store):
    people.save(ex_store, "system", FACILITATOR)
    channels.add(ex_store, FACILITATOR, "exec-mail", "email", {"host": "smtp.example.com", "from_addr": "a@example.com"})
    matrix.set_cell(ex_store, FACILITATOR, "executives", "all", channels="exec-mail")
    # A real executive to tell: the scenario's Board is the exercise's alone.
    stakeholders.save(ex_store, FACILITATOR, name="CEO", audience="executives", email="ceo@example.com")
    ex = run.start(ex_store, FACILITATOR, scenario.parse(OUTAGE, source="outage.toml"), paused=True)
    mine = ex.channels["exec-mail"]
    with pytest.raises(InputError, match="belongs to an exercise"):
        matrix.set_cell(ex_store, FACILITATOR, "executives", "SEV1", channels=mine)
    assert matrix.cell(ex_store, "executives", "SEV2").routes == (("exec-mail",),)
    # The channel list (and the matrix editor it feeds) offers the real channels only.
    assert [c.name for c in channels.list_channels(ex_store)] == ["exec-mail"]
    assert mine in [c.name for c in channels.list_channels(ex_store, exercises=True)]

    real = incidents.open_incident(ex_store, "Alex Rivera", title="VPN down", severity="SEV2")
    for incident_id, expected in ((real.id, None), (ex.incident_id, ex.incident_id)):
        d = drafts.compose_drafts(ex_store, "Alex Rivera", incident_id, ["executives"])[0]
        review.submit(ex_store, "Alex Rivera", d.id, acknowledge=True)
        review.override(ex_store, "Alex Rivera", d.id, "Drill", acknowledge=True)
        planned = publishing.publish(ex_store, "Alex Rivera", d.id, acknowledge=True)
        assert planned.deliveries == 1
        assert _used_channels(ex_store, incident_id) == {(mine if expected else "exec-mail", expected)}
        assert [q.recipient for q in outbox.list_deliveries(ex_store, viewer=FACILITATOR, incident_id=incident_id)] \
            == ["Board" if expected else "CEO"]
    # The plan of each says the same.
    assert [c[0] for r in matrix.plan(ex_store, real.id, viewer="Alex Rivera") if r.audience == "executives"
            for c in r.channels] == ["exec-mail"]
    assert [c[0] for r in matrix.plan(ex_store, ex.incident_id, viewer="Alex Rivera") if r.audience == "executives"
            for c in r.channels] == [mine, ex.channels["backup-mail"]]


# -- a channel down is a vendor outage --------------------------------------------------------------

def _dispatch(ex_store):
    return Dispatcher(ex_store, parallel=False, rng=random.Random(0), sleep=lambda _s: None).run_once()


def test_a_channel_down_in_an_exercise_fails_its_sends_until_the_route_fails_over_and_up_brings_it_back(
        ex_store):
    ex = run.start(ex_store, FACILITATOR, scenario.parse(OUTAGE, source="outage.toml"), paused=True)
    main, backup = ex.channels["exec-mail"], ex.channels["backup-mail"]
    assert channels.get(ex_store, main).outage and channels.get(ex_store, main).enabled     # down, not disabled
    d = drafts.compose_drafts(ex_store, "Alex Rivera", ex.incident_id, ["executives"])[0]
    review.submit(ex_store, "Alex Rivera", d.id, acknowledge=True)
    review.override(ex_store, "Alex Rivera", d.id, "Drill", acknowledge=True)
    assert publishing.publish(ex_store, "Alex Rivera", d.id, acknowledge=True).channels == (main,)
    for minute in (1, 2, 3):                  # retried on the exercise's clock; the breaker opens at the third
        run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=1))
        _dispatch(ex_store)
    assert channels.get(ex_store, main).state == "down"
    assert [q.state for q in outbox.list_deliveries(ex_store, viewer=FACILITATOR, incident_id=ex.incident_id)] == \
        ["queued"]
    run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=6))      # down past the failover time
    summary = _dispatch(ex_store)
    assert summary.failed_over == 1 and summary.simulated == 1
    states = {(q.channel, q.state) for q in outbox.list_deliveries(ex_store, viewer=FACILITATOR,
                                                                   incident_id=ex.incident_id)}
    assert states == {("exec-mail", "failed_over"), ("backup-mail", "simulated")}
    # Every event of it on the exercise's clock.
    kinds = [(k, p.get("clock")) for k, _at, p in incident_events(ex_store, ex.incident_id) if k.startswith("delivery.")]
    assert ("delivery.failed_over", "exercise") in kinds and all(c == "exercise" for _k, c in kinds)
    # Back at 30m: the next update goes through exec-mail again.
    run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=21))
    assert not channels.get(ex_store, main).outage
    d2 = drafts.compose_drafts(ex_store, "Alex Rivera", ex.incident_id, ["executives"])[0]
    review.submit(ex_store, "Alex Rivera", d2.id, acknowledge=True)
    review.override(ex_store, "Alex Rivera", d2.id, "Drill", acknowledge=True)
    publishing.publish(ex_store, "Alex Rivera", d2.id, acknowledge=True)
    assert _dispatch(ex_store).simulated == 1
    assert channels.get(ex_store, main).state == "ok"
    figures = retro.compute(ex_store, ex.incident_id, viewer=FACILITATOR).to_json()["delivery"]
    assert figures["failovers"] == 1 and figures["offline_by_channel"]["exec-mail"] > 0
    assert backup.startswith("backup-mail~")


def test_a_real_channel_never_goes_down_on_cue(ex_store):
    people.save(ex_store, "system", FACILITATOR)
    channels.add(ex_store, FACILITATOR, "mail-relay", "email", {"host": "smtp.example.com", "from_addr": "a@example.com"})
    with pytest.raises(InputError, match="real channel"):
        channels.set_outage(ex_store, FACILITATOR, "mail-relay", down=True)


def test_the_endpoint_agent_scenario_shows_failovers_and_time_offline(tmp_path, clock, memory_keyring, cli):
    s = open_store(tmp_path / "endpoint.db", clock=clock)
    try:
        played, view = _play(s, ENDPOINT)
        figures = retro.compute(s, played.incident_id, viewer=FACILITATOR).to_json()["delivery"]
    finally:
        s.close()
    assert figures["failovers"] >= 1 and figures["offline_s"] > 0
    assert figures["failover_list"][0]["from"] == "exercise-staff-mail"
    assert figures["failover_list"][0]["to"] == "exercise-staff-sms"
    assert figures["offline_by_channel"]["exercise-exec-mail"] > 0


# -- injects ---------------------------------------------------------------------------------------

def test_an_inject_that_cannot_be_played_is_recorded_as_failed_with_its_reason(ex_store, tmp_path, clock,
                                                                                 memory_keyring):
    text = SMALL.replace('to = "SEV2"', 'to = "SEV3"')       # the severity it already has
    ex = run.start(ex_store, FACILITATOR, scenario.parse(text, source="small.toml"), paused=True)
    view = run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=25))
    failed = view.injects[2]
    assert failed.state == "done" and failed.failed and "SEV3" in failed.failed
    assert [i.failed for i in view.injects[:2]] == [None, None]
    assert view.as_json()["injects"][2]["failed"] == failed.failed
    fired = [p for k, _at, p in incident_events(ex_store, ex.incident_id) if k == "exercise.inject_fired"]
    assert [p.get("failed") for p in fired] == [None, None, failed.failed]
    seen = [a.summary for a in run.actions(ex_store, ex.ref, viewer=FACILITATOR) if a.kind == "exercise.inject_fired"]
    assert seen[2].startswith("inject 3: severity, failed: ")        # the facilitator follows it as it happens
    from warroom.services import timeline

    assert any("could not be played" in e.text for e in timeline.entries(ex_store, ex.ref, viewer=FACILITATOR))
    with rebuilt(ex_store, tmp_path / "rebuilt.db", clock) as other:        # team sync carries the failure
        with other.store.read() as b:
            assert b.get(Exercise, ex.incident_id).failed == {"2": failed.failed}


QUESTIONS = SMALL.replace('[targets]', '''[[injects]]
at = "6m"
kind = "question"
from = "Northwind Traders"
text = "When will checkout work again?"
category = "eta"

[[injects]]
at = "7m"
kind = "regulator"
from = "the data protection authority"
text = "Is personal data involved?"
category = "data"

[[injects]]
at = "8m"
kind = "journalist"
text = "Are you under attack?"
channel = "social"

[targets]''')


def test_questions_regulators_and_journalists_are_logged_as_inquiries_the_retrospective_counts(
        ex_store):
    ex = run.start(ex_store, FACILITATOR, scenario.parse(QUESTIONS, source="questions.toml"), paused=True)
    view = run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=9))
    assert not [i for i in view.injects if i.failed]
    asked = {(q.asked_by, q.category, q.channel) for q in inquiries.list_inquiries(ex_store, ex.ref, viewer=FACILITATOR)}
    assert asked == {("Northwind Traders", "eta", "email"), ("the data protection authority", "data", "phone"),
                     ("a journalist", "other", "social")}
    figures = retro.compute(ex_store, ex.incident_id, viewer=FACILITATOR).to_json()["inquiries"]
    assert figures["count"] == 3 and set(figures["by_category"]) == {"eta", "data", "other"}


def test_an_injects_actor_passes_the_same_gate_as_anyone(ex_store):
    text = QUESTIONS.replace('from = "Northwind Traders"', 'from = "Northwind Traders"\nby = "Vic Viewer"')
    people.save(ex_store, "system", FACILITATOR)
    people.save(ex_store, FACILITATOR, "Vic Viewer", roles="viewer")
    ex = run.start(ex_store, FACILITATOR, scenario.parse(text, source="questions.toml"), paused=True)
    view = run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=9))
    refused = next(i for i in view.injects if i.kind == "question")
    assert refused.failed and "Vic Viewer" in refused.failed
    assert len(inquiries.list_inquiries(ex_store, ex.ref, viewer=FACILITATOR)) == 2


def test_an_inject_at_0m_fires_when_the_exercise_starts_and_a_clock_read_fires_what_is_due(
        ex_store, clock, memory_keyring):
    text = SMALL.replace('at = "5m"', 'at = "0m"')
    ex = run.start(ex_store, FACILITATOR, scenario.parse(text, source="small.toml"), speed=60)
    assert [i.state for i in ex.injects] == ["done", "next", "upcoming"]
    clock.advance(timedelta(seconds=11))                     # 11 exercise minutes at ×60
    assert run.get(ex_store, ex.ref, viewer=FACILITATOR).injects[1].state == "next"    # a plain read writes nothing
    assert run.status(ex_store, ex.ref, viewer=FACILITATOR).injects[1].state == "done"


# -- targets -----------------------------------------------------------------------------------------

def test_review_targets_default_to_the_policys_review_window(ex_store):
    from warroom.domain import Severity
    from warroom.exercise.score import score
    from warroom.services.review_rules import review_window

    ex = run.start(ex_store, FACILITATOR, scenario.parse(SMALL, source="small.toml"), paused=True)
    with ex_store.read() as session:
        window = int(review_window(session, Severity.SEV3).total_seconds())
    assert ex.targets["review_s"] == {"technical_reviewer": window, "comms_reviewer": window,
                                      "legal_reviewer": window}
    figures = {"reviews": {"by_role": {"technical_reviewer": {"count": 1, "max_s": window + 60}}}}
    rows = {r.target: r for r in score(figures, ex.targets)}
    assert not rows["technical reviewer within its window"].passed
    assert "legal reviewer within its window" not in rows        # never asked: the policy's window scores nothing
    named = scenario.parse(SMALL.replace("[targets]", '[targets]\nreview = { comms_reviewer = "5m" }'),
                           source="small.toml")
    ex2 = run.start(ex_store, FACILITATOR, named, paused=True)
    assert ex2.targets["review_s"] == {"comms_reviewer": 300} and not ex2.targets.get("review_from_policy")



def test_the_regional_scenario_plays_to_the_end_in_the_demo_database(demo_store):
    """Its players' names are no demo person's: the scripted players play it there too."""
    played = play.play(demo_store, demo.ADMIN, scenario.load(REGIONAL))
    assert not played.failures
    view = run.get(demo_store, played.incident_id, viewer=demo.ADMIN)
    assert view.ended_at is not None and not [i for i in view.injects if i.failed]
