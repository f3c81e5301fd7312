"""Reminders: what each open incident owes each audience, and when."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from warroom.app import open_store
from warroom.identity import SYSTEM
from warroom.services import channels, drafts, incidents, matrix, publishing, reminders, review
from tests.helpers.team import team


@pytest.fixture
def routed(db_path, clock, tmp_path):
    """A closed register, a static status page as the one channel, customers told at
    SEV1 every 30 minutes and employees every hour."""
    store = open_store(db_path, clock=clock)
    team(store)
    channels.add(store, "admin", "site", "sitepage", {"out_dir": str(tmp_path / "site")})
    matrix.set_cell(store, "admin", "customers", "SEV1", channels="site", cadence=timedelta(minutes=30))
    matrix.set_cell(store, "admin", "employees", "SEV1", channels="site", cadence=timedelta(hours=1))
    yield store
    store.close()


def _sev1(store, title="Checkout failing", **kw):
    return incidents.open_incident(store, "Dana", title=title, severity="SEV1", customer_facing=True, **kw)


def _by_audience(items, inc):
    return {r.audience: r for r in items if r.incident_id == inc.id}


def test_due_soon_then_overdue_on_the_injected_clock(routed, clock):
    inc = _sev1(routed)
    declared = inc.declared_at
    got = _by_audience(reminders.reminders(routed, viewer=SYSTEM), inc)
    assert set(got) == {"customers", "employees"}
    assert got["customers"].due_at == declared + timedelta(minutes=30) and got["customers"].state == "later"
    assert reminders.pressing(reminders.reminders(routed, viewer=SYSTEM)) == []
    clock.advance(timedelta(minutes=25))  # five minutes left: due soon
    got = _by_audience(reminders.reminders(routed, viewer=SYSTEM), inc)
    assert got["customers"].state == "due soon" and got["customers"].left_s == 300
    assert got["employees"].state == "later"
    clock.advance(timedelta(minutes=5, seconds=1))
    items = reminders.reminders(routed, viewer=SYSTEM)
    assert [(r.audience, r.state) for r in items] == [("customers", "overdue"), ("employees", "later")]
    assert items[0].overdue and items[0].left_s == -1
    # an update published to the customers: due again a full cadence later
    d = drafts.compose_drafts(routed, "Sam", inc.id, ["customers"])[0]
    review.submit(routed, "Sam", d.id, acknowledge=True)
    review.override(routed, "Dana", d.id, "Reviewers unreachable", acknowledge=True)
    publishing.publish(routed, "Dana", d.id, acknowledge=True)
    got = _by_audience(reminders.reminders(routed, viewer=SYSTEM), inc)
    assert got["customers"].state == "later"
    assert got["customers"].due_at == clock.now() + timedelta(minutes=30)
    assert got["customers"].last_update_at == clock.now()


def test_resolved_incidents_owe_nothing_and_exercises_are_marked(routed, clock):
    real = _sev1(routed)
    drill = _sev1(routed, title="Tabletop: payments down", exercise=True)
    done = _sev1(routed, title="Fixed already")
    incidents.set_status(routed, "Dana", done.id, "resolved", note="fixed")
    items = reminders.reminders(routed, viewer=SYSTEM)
    assert {r.incident_id for r in items} == {real.id, drill.id}
    assert {r.exercise for r in items if r.incident_id == drill.id} == {True}
    assert {r.exercise for r in items if r.incident_id == real.id} == {False}
    clock.advance(timedelta(hours=2))
    assert all(r.overdue for r in reminders.reminders(routed, viewer=SYSTEM))
    assert json.loads(json.dumps(items[0].as_json()))["exercise"] in (True, False)


def test_without_a_route_the_severity_cadence_is_owed_to_the_incident(db_path, clock):
    from warroom.services import cadence

    store = open_store(db_path, clock=clock)
    inc = incidents.open_incident(store, "Dana", title="Slow logins", severity="SEV3")
    (only,) = reminders.reminders(store, viewer=SYSTEM)
    assert only.audience is None and only.who == "stakeholders"
    assert only.due_at == inc.declared_at + cadence.update_intervals(store)[inc.severity]
    store.close()


def test_a_confidential_incident_is_reminded_only_to_its_members(routed):
    secret = _sev1(routed, title="Breach", confidential=True)
    assert _by_audience(reminders.reminders(routed, viewer="Dana"), secret)
    assert not _by_audience(reminders.reminders(routed, viewer="Vic Viewer"), secret)


# -- warroom-cli due ----------------------------------------------------------------------


def _declared_ago(db_path, title: str, minutes: int, **kw):
    """An incident declared ``minutes`` ago (the command line runs on the wall clock)."""
    from datetime import datetime, timezone

    from warroom.clock import SimulatedClock

    store = open_store(db_path, clock=SimulatedClock(datetime.now(timezone.utc) - timedelta(minutes=minutes)))
    try:
        return incidents.open_incident(store, "Dana", title=title, severity="SEV1", **kw)
    finally:
        store.close()


def test_the_due_command_lists_and_exits_1_when_overdue(cli, db_path):
    from tests.helpers.team import team_file

    team_file(db_path)
    code, out, _ = cli("due", "--as", "Dana")
    assert code == 0 and "Nothing due" in out
    _declared_ago(db_path, "Checkout failing", 1)  # SEV1: due in 29 minutes
    code, out, _ = cli("due", "--as", "Dana")
    assert code == 0 and "Nothing due" in out
    code, out, _ = cli("due", "--all", "--json", "--as", "Dana")
    doc = json.loads(out)
    assert code == 0 and doc["overdue"] is False
    assert [(d["incident"], d["state"], d["exercise"]) for d in doc["due"]] == [("INC-1", "later", False)]
    _declared_ago(db_path, "Tabletop: payments down", 27, exercise=True)  # due in 3 minutes
    code, out, _ = cli("due", "--json", "--as", "Dana")
    doc = json.loads(out)
    assert code == 0 and doc["overdue"] is False
    assert [(d["incident"], d["state"], d["exercise"]) for d in doc["due"]] == [("INC-2", "due soon", True)]
    _declared_ago(db_path, "Logins failing", 45)  # 15 minutes late
    code, out, _ = cli("due", "--as", "Dana")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith("OVERDUE") and "INC-3" in lines[0] and "overdue by 15:" in lines[0]
    assert lines[1].startswith("DUE SOON") and "INC-2" in lines[1] and "EXERCISE" in lines[1]
    code, out, _ = cli("due", "--json", "--as", "Dana")
    doc = json.loads(out)
    assert code == 1 and doc["overdue"] is True and [d["incident"] for d in doc["due"]] == ["INC-3", "INC-2"]


def test_an_ended_exercise_owes_nothing_and_the_countdown_is_told_why(db_path, clock, memory_keyring):
    """Its clock stands still where it ended: an update it never sent is not overdue for ever."""
    from tests.unit.exercise.conftest import FACILITATOR, SMALL
    from warroom.exercise import run, scenario

    store = open_store(db_path, clock=clock)
    try:
        drill = run.start(store, FACILITATOR, scenario.parse(SMALL, source="small.toml"), paused=True)
        run.control(store, FACILITATOR, drill.ref, advance=timedelta(hours=2))      # a SEV3 owes an update by now
        owed = [r for r in reminders.reminders(store, viewer=SYSTEM) if r.incident_id == drill.incident_id]
        assert owed and all(r.overdue for r in owed)
        assert reminders.countdown_dues(store, drill.incident_id, viewer=SYSTEM).settled is None
        run.end(store, FACILITATOR, drill.ref)
        clock.advance(timedelta(hours=1))
        assert [r for r in reminders.reminders(store, viewer=SYSTEM) if r.incident_id == drill.incident_id] == []
        dues = reminders.countdown_dues(store, drill.incident_id, viewer=SYSTEM)
        assert list(dues) == [] and dues.settled == reminders.ENDED
        incidents.set_status(store, "Alex Rivera", drill.incident_id, "resolved", note="drill over")
        assert reminders.countdown_dues(store, drill.incident_id, viewer=SYSTEM).settled == reminders.RESOLVED
    finally:
        store.close()
