"""The facilitator's view: the Exercise tab of an exercise incident."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.exercise.conftest import FACILITATOR, SMALL
from warroom.exercise import run, scenario
from warroom.services import incidents, timeline


@pytest.fixture
def drill(store, memory_keyring):
    return run.start(store, FACILITATOR, scenario.parse(SMALL, source="small.toml"), speed=10, paused=True)


def test_the_inject_and_action_models_are_well_behaved(qtmodeltester, store, drill):
    from ui.exercise import ActionModel, InjectModel

    run.control(store, FACILITATOR, drill.ref, advance=timedelta(minutes=11))
    injects = InjectModel()
    injects.set_rows(list(run.get(store, drill.ref, viewer=FACILITATOR).injects))
    qtmodeltester.check(injects, force_py=True)
    actions = ActionModel()
    actions.set_rows(run.actions(store, drill.ref, viewer=FACILITATOR))
    qtmodeltester.check(actions, force_py=True)
    assert actions.rowCount() >= 5


def test_the_tab_shows_for_an_exercise_only_and_its_controls_move_the_clock(open_window, store, drill, clock):
    real = incidents.open_incident(store, "Alex Rivera", title="VPN down", severity="SEV1")
    w = open_window(store, FACILITATOR)
    tab = w.tabs.indexOf(w.facilitator)
    w.reload_incidents(select=real.id)
    assert not w.tabs.isTabVisible(tab)
    w.reload_incidents(select=drill.incident_id)
    assert w.tabs.isTabVisible(tab)
    w.tabs.setCurrentWidget(w.facilitator)
    view = w.facilitator
    assert "paused" in view.clock_label.text() and view.pause_button.text() == "Resume"
    assert [view.injects.index(r, 1).data() for r in range(3)] == ["▶ next", "", ""]

    view.next_button.click()                    # jumps to +5 min and fires the first inject
    assert "+0:05:00" in view.clock_label.text()
    assert view.injects.index(0, 1).data() == "done"
    timeline.log(store, "Alex Rivera", drill.incident_id, "Paged the database team.")
    view.tick()                                 # a player's action appears as it happens
    assert any(view.actions.index(r, 3).data() == "Paged the database team."
               for r in range(view.actions.rowCount()))

    view.pause_button.click()                   # resume at ×10
    clock.advance(timedelta(seconds=31))        # five exercise minutes and more: the 10-minute inject is due
    view.tick()
    assert run.get(store, drill.ref, viewer=FACILITATOR).injects[1].state == "done"
    view.end_button.click()
    assert "ended" in view.clock_label.text() and not view.next_button.isEnabled()
    assert not w.errors


def test_a_viewer_sees_the_clock_but_is_refused_moving_it(open_window, store, drill):
    from warroom.services import people

    people.save(store, FACILITATOR, "Vic Viewer", roles="viewer")
    w = open_window(store, "Vic Viewer")
    w.reload_incidents(select=drill.incident_id)
    w.tabs.setCurrentWidget(w.facilitator)
    w.facilitator.next_button.click()
    assert w.errors and "run a tabletop exercise" in str(w.errors[0])
    assert run.get(store, drill.ref, viewer=FACILITATOR).elapsed_s == 0


def test_the_headers_countdown_of_an_exercise_runs_on_the_exercise_clock(open_window, store, drill, clock):
    from warroom.text.durations import duration_text

    w = open_window(store, FACILITATOR)
    w.reload_incidents(select=drill.incident_id)
    before = w.header.countdown.text()
    run.control(store, FACILITATOR, drill.ref, advance=timedelta(minutes=7))   # the wall clock stands still
    w.reload_incidents(select=drill.incident_id)
    w.header.tick()
    after = w.header.countdown.text()
    assert after != before
    sim_now = run.get(store, drill.ref, viewer=FACILITATOR).sim_now
    due = w.header.dues[0].at if w.header.dues else w.header.incident.next_update_due
    assert duration_text(due - sim_now, "clock") in after


@pytest.fixture
def played(db_path, clock, memory_keyring):
    """A shipped scenario played to its end by its scripted players (on a store opened as
    the app opens it: with the shipped templates)."""
    from tests.unit.exercise.conftest import SCENARIOS
    from warroom.app import open_store
    from warroom.exercise import play

    store = open_store(db_path, clock=clock)
    yield store, play.play(store, FACILITATOR, scenario.load(SCENARIOS / "regional-cloud-outage.scenario.toml"))
    store.close()


def _card_rows(model):
    return [tuple(model.index(r, c).data() for c in range(model.columnCount())) for r in range(model.rowCount())]


def test_an_ended_exercise_shows_its_score_card_as_the_command_line_prints_it(open_window, played, qtmodeltester):
    from warroom.exercise.score import card_of

    store, played = played
    w = open_window(store, FACILITATOR)
    w.reload_incidents(select=played.incident_id)
    w.tabs.setCurrentWidget(w.facilitator)
    view = w.facilitator
    card = card_of(store, played.incident_id, viewer=FACILITATOR)
    rows = _card_rows(view.card)
    assert rows == [("pass" if r.passed else "MISS", r.target, r.figure, r.why) for r in card]
    assert ("MISS", "cadence kept for executives", "1 late",
            "1 update to executives came late (the worst 0:31:00 past the cadence); 0 allowed") in rows
    assert ("pass", "first update to customers", "0:18:00", "0:18:00 is within the target of 0:20:00") in rows
    met = sum(r.passed for r in card)
    assert view.card_label.text() == f"Score card: {met} of {len(card)} targets met"
    assert view.card_label.buddy() is view.card_view and view.card_view.accessibleDescription()
    qtmodeltester.check(view.card, force_py=True)
    # A miss reads in the palette's bad colour, a pass in its good one.
    from ui.common import palette
    from ui.common.palette import Tone
    from ui.qt import Qt

    miss = next(i for i, r in enumerate(card) if not r.passed)
    assert view.card.index(miss, 0).data(Qt.ItemDataRole.ForegroundRole).color() == palette.color(Tone.BAD)
    assert not w.errors


def test_a_running_exercise_shows_its_score_card_so_far(open_window, store, drill):
    w = open_window(store, FACILITATOR)
    w.reload_incidents(select=drill.incident_id)
    w.tabs.setCurrentWidget(w.facilitator)
    view = w.facilitator
    assert view.card_label.text() == "Score card so far: 1 of 2 targets met (the exercise is still running)"
    assert [r[1] for r in _card_rows(view.card)] == ["first update after detection", "blocking lint findings"]
    view.end_button.click()
    assert view.card_label.text() == "Score card: 1 of 2 targets met"


def test_the_header_of_an_ended_or_resolved_exercise_says_nothing_is_owed(open_window, played):
    store, played = played
    w = open_window(store, FACILITATOR)
    w.reload_incidents(select=played.incident_id)
    text = w.header.countdown.text()
    assert "overdue" not in text and "Next update" not in text
    assert text == "Exercise ended · no update owed"
    incidents.set_status(store, "Alex Rivera", played.incident_id, "resolved", note="drill over")
    w.reload_incidents(select=played.incident_id)
    assert w.header.countdown.text().startswith("Resolved · lasted")
    assert not w.reminders.pressing()          # the reminder banner agrees: nothing is owed


def test_the_header_still_counts_down_while_the_exercise_runs(open_window, store, drill):
    run.control(store, FACILITATOR, drill.ref, advance=timedelta(hours=2))
    w = open_window(store, FACILITATOR)
    w.reload_incidents(select=drill.incident_id)
    assert "overdue by" in w.header.countdown.text()


def test_an_inject_that_could_not_be_played_says_so_in_the_facilitators_table(qtmodeltester):
    """The core records why an inject could not be played; the room sees it, not "done"."""
    from ui.exercise import InjectModel
    from ui.qt import Qt
    from warroom.exercise.run import InjectView

    model = InjectModel()
    model.set_rows([InjectView(0, 300, "log", "Error rate at 12 %.", "done", {}),
                    InjectView(1, 600, "off_duty", "Priya leaves.", "done", {},
                               failed="Priya Nair is a real person of this database"),
                    InjectView(2, 900, "severity", "SEV2", "next", {})])
    qtmodeltester.check(model)
    states = [model.index(r, 1).data() for r in range(3)]
    assert states == ["done", "not played", "▶ next"]
    assert "real person" in model.index(1, 1).data(Qt.ItemDataRole.ToolTipRole)
    assert "Not played" in model.index(1, 3).data(Qt.ItemDataRole.ToolTipRole)
