"""An exercise on its own clock beside real incidents: stamping, injects, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import T0
from tests.unit.exercise.conftest import FACILITATOR, SMALL, incident_events
from tests.helpers.rebuilt import rebuilt
from warroom.errors import NotFound, NotPermitted
from warroom.exercise import run, scenario
from warroom.journal import verify
from warroom.services import channels, incidents, people, reminders, timeline
from warroom.store.models import Exercise, JournalEvent
from warroom.app import open_store


def _start(store, speed=60, paused=False, text=SMALL):
    return run.start(store, FACILITATOR, scenario.parse(text, source="small.toml"), speed=speed, paused=paused)


def test_an_exercise_at_x60_stamps_its_own_events_and_never_a_real_incidents(ex_store, clock):
    ex = _start(ex_store)
    real = incidents.open_incident(ex_store, "Alex Rivera", title="VPN down", severity="SEV2")
    clock.advance(timedelta(seconds=2))                       # two real seconds: two exercise minutes
    timeline.log(ex_store, "Alex Rivera", ex.incident_id, "Restarted the checkout pods.")
    timeline.log(ex_store, "Alex Rivera", real.id, "Called the ISP.")
    incidents.set_status(ex_store, "Alex Rivera", real.id, "identified")
    incidents.set_status(ex_store, "Alex Rivera", ex.incident_id, "identified")

    mine = incident_events(ex_store, ex.incident_id)
    assert [k for k, _at, _p in mine] == ["incident.opened", "exercise.started", "timeline.logged",
                                          "incident.status_changed"]
    assert all(p["clock"] == "exercise" for _k, _at, p in mine)
    assert [at for k, at, _p in mine if k != "exercise.started"] == [T0, T0 + timedelta(minutes=2),
                                                                     T0 + timedelta(minutes=2)]
    theirs = incident_events(ex_store, real.id)
    assert theirs and all("clock" not in p for _k, _at, p in theirs)
    assert [at for _k, at, _p in theirs] == [T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=2)]
    # The rows say the same times as the events (the retrospective reads either).
    assert incidents.get(ex_store, ex.incident_id, viewer="Alex Rivera").status_changed_at == T0 + timedelta(minutes=2)
    with ex_store.read() as session:
        assert verify(session).ok


def test_the_countdown_to_an_exercises_next_update_runs_on_its_own_clock(ex_store, clock):
    ex = _start(ex_store)
    clock.advance(timedelta(seconds=50))                      # 50 exercise minutes: a SEV3 owes an update
    due = [r for r in reminders.reminders(ex_store, viewer="Alex Rivera") if r.incident_id == ex.incident_id]
    assert due and due[0].left_s == pytest.approx((due[0].due_at - (T0 + timedelta(minutes=50))).total_seconds())


def test_injects_fire_once_each_in_order_also_when_the_clock_jumps_over_several(ex_store, clock):
    ex = _start(ex_store, paused=True)
    view = run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=25))
    assert [i.state for i in view.injects] == ["done", "done", "done"]
    assert run.fire_due(ex_store, ex.incident_id) == []        # reading the clock again fires nothing
    fired = [(p["index"], at) for k, at, p in incident_events(ex_store, ex.incident_id)
             if k == "exercise.inject_fired"]
    # Each at its own offset, not at the moment the clock was read.
    assert fired == [(0, T0 + timedelta(minutes=5)), (1, T0 + timedelta(minutes=10)),
                     (2, T0 + timedelta(minutes=20))]
    assert incidents.get(ex_store, ex.ref, viewer="Alex Rivera").severity.value == "SEV2"
    assert channels.get(ex_store, view.channels["drill-mail"]).outage     # a simulated vendor outage


def test_next_jumps_to_the_next_inject_and_fires_it(ex_store):
    ex = _start(ex_store, paused=True)
    view = run.control(ex_store, FACILITATOR, ex.ref, to_next=True)
    assert view.elapsed_s == 300 and [i.state for i in view.injects] == ["done", "next", "upcoming"]
    view = run.control(ex_store, FACILITATOR, ex.ref, to_next=True)
    assert view.elapsed_s == 600 and view.next_inject.index == 2


def test_an_inject_and_its_effect_commit_together_so_a_crash_between_them_cannot_happen(ex_store):
    ex = _start(ex_store, paused=True)
    # The database refuses the mark of the second inject (as a crash before the commit would).
    with ex_store.write("system") as tx:
        tx.session.connection().exec_driver_sql(
            "CREATE TRIGGER crash BEFORE INSERT ON journal_event WHEN NEW.kind = 'exercise.inject_fired' "
            "AND NEW.payload LIKE '%\"index\":1,%' BEGIN SELECT RAISE(ABORT, 'crash'); END")
    with pytest.raises(Exception, match="crash"):
        run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=12))
    mine = ex.channels["drill-mail"]
    assert not channels.get(ex_store, mine).outage          # its effect went with it
    assert run.get(ex_store, ex.ref, viewer=FACILITATOR).injects[1].state == "next"
    with ex_store.write("system") as tx:
        tx.session.connection().exec_driver_sql("DROP TRIGGER crash")
    assert run.fire_due(ex_store, ex.incident_id) == [1]
    assert channels.get(ex_store, mine).outage
    kinds = [p["index"] for k, _at, p in incident_events(ex_store, ex.incident_id) if k == "exercise.inject_fired"]
    assert kinds == [0, 1]


def test_two_laptops_reading_the_clock_fire_each_inject_once_between_them(ex_store, db_path, clock):
    ex = _start(ex_store, paused=True)
    other = open_store(db_path, clock=clock)
    try:
        run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=25))
        assert run.fire_due(other, ex.incident_id) == []
    finally:
        other.close()
    with ex_store.read() as session:
        assert len(session.scalars(select(JournalEvent).where(JournalEvent.kind == "exercise.inject_fired")).all()) == 3


def test_an_inject_never_changes_a_channel_or_person_the_exercise_did_not_make(ex_store):
    channels.add(ex_store, "system", "drill-mail", "email", {"host": "smtp.example.com", "from_addr": "a@example.com"})
    ex = _start(ex_store, paused=True)
    assert ex.channels["drill-mail"] != "drill-mail"           # the exercise has its own, beside the real one
    view = run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=11))
    real = channels.get(ex_store, "drill-mail")
    assert real.enabled and not real.outage and real.exercise_id is None
    assert channels.get(ex_store, ex.channels["drill-mail"]).outage
    assert view.injects[1].failed is None


def test_a_viewer_cannot_move_the_clock_and_nothing_is_written(ex_store):
    ex = _start(ex_store, paused=True)
    people.save(ex_store, FACILITATOR, "Vic Viewer", roles="viewer")
    with ex_store.read() as session:
        before = session.scalar(select(Exercise.sim_anchor))
    for move in (dict(pause=True), dict(advance=timedelta(minutes=5)), dict(to_next=True), dict(speed=5)):
        with pytest.raises(NotPermitted, match="run a tabletop exercise"):
            run.control(ex_store, "Vic Viewer", ex.ref, **move)
    with pytest.raises(NotPermitted):
        run.end(ex_store, "Vic Viewer", ex.ref)
    with ex_store.read() as session:
        assert session.scalar(select(Exercise.sim_anchor)) == before


def test_an_ended_exercise_stands_still(ex_store, clock):
    ex = _start(ex_store)
    clock.advance(timedelta(seconds=3))
    done = run.end(ex_store, FACILITATOR, ex.ref)
    clock.advance(timedelta(seconds=600))
    assert run.get(ex_store, ex.ref, viewer=FACILITATOR).sim_now == done.sim_now == T0 + timedelta(minutes=3)
    timeline.log(ex_store, "Alex Rivera", ex.incident_id, "Debrief notes.")
    assert incident_events(ex_store, ex.incident_id)[-1][1] == T0 + timedelta(minutes=3)


def test_a_database_rebuilt_from_the_journal_has_the_same_exercise(ex_store, tmp_path, clock):
    ex = _start(ex_store, paused=True)
    run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(minutes=12))
    run.control(ex_store, FACILITATOR, ex.ref, speed=30)
    run.end(ex_store, FACILITATOR, ex.ref)
    with rebuilt(ex_store, tmp_path / "other.db", clock) as other:
        with other.store.read() as b:
            assert b.get(Exercise, ex.incident_id).next_inject == 2


def test_words_composed_for_an_exercise_speak_of_its_own_time(ex_store, clock):
    from warroom.services import compose

    ex = _start(ex_store, paused=True)
    run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(hours=2, minutes=17))
    incidents.set_status(ex_store, "Alex Rivera", ex.incident_id, "resolved")
    words = compose.render_update(ex_store, ex.incident_id, audience="executives", viewer="Alex Rivera")
    # Declared at 09:00 exercise time; resolved 2:17 later on the exercise's clock (the real one says 09:00 still).
    assert "As of 11:17 UTC" in words.long and "**Resolved:** 11:17 UTC" in words.long


def test_a_confidential_scenario_is_seen_by_its_facilitator_and_players_only(ex_store):
    text = SMALL.replace('commander = "Alex Rivera"', 'commander = "Alex Rivera"\nconfidential = true')
    ex = run.start(ex_store, FACILITATOR, scenario.parse(text, source="small.toml"))
    assert run.get(ex_store, ex.ref, viewer=FACILITATOR).ref == ex.ref
    people.save(ex_store, FACILITATOR, "Outsider", roles="incident_commander")
    with pytest.raises(NotFound, match="No incident"):
        run.get(ex_store, ex.ref, viewer="Outsider")


def test_a_delivery_retried_in_an_exercise_is_due_on_its_own_channels_clock(ex_store, clock):
    from warroom.delivery.dispatcher import Dispatcher
    from warroom.services import drafts, outbox, publishing, review

    text = SMALL + ('\n[[stakeholders]]\nname = "Board"\naudience = "executives"\nemail = "board@example.com"\n'
                    '\n[[matrix]]\naudience = "executives"\nchannels = ["drill-mail"]\n')
    ex = _start(ex_store, paused=True, text=text)
    run.control(ex_store, FACILITATOR, ex.ref, advance=timedelta(hours=2))   # the exercise runs 2 h ahead
    d = drafts.compose_drafts(ex_store, "Alex Rivera", ex.incident_id, ["executives"])[0]
    review.submit(ex_store, "Alex Rivera", d.id, acknowledge=True)
    review.override(ex_store, "Alex Rivera", d.id, "Drill: the board asks now", acknowledge=True)
    publishing.publish(ex_store, "Alex Rivera", d.id, acknowledge=True)
    queued = outbox.list_deliveries(ex_store, viewer=FACILITATOR, incident_id=ex.incident_id, states=("queued",))
    assert queued, "the drill's update was planned on its own channel"
    outbox.cancel(ex_store, "Alex Rivera", queued[0].id)
    again = outbox.retry(ex_store, "Alex Rivera", queued[0].id)
    sim_now = run.get(ex_store, ex.ref, viewer=FACILITATOR).sim_now
    assert again.state == "queued" and again.next_attempt_at == sim_now > clock.now()
    # Due at once on the exercise's clock: the dispatcher tries it (and meets the outage of 10m).
    Dispatcher(ex_store, parallel=False, sleep=lambda _s: None).run_once()
    assert outbox.list_deliveries(ex_store, viewer=FACILITATOR, incident_id=ex.incident_id)[0].attempts == 1
