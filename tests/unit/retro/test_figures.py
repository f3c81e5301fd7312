"""The retrospective's figures, checked one by one against a scripted incident whose
answers are known (tests/unit/retro/scenario.py), through ``warroom-cli retro --json``
as a script would read them."""

from __future__ import annotations

import json

import pytest

from tests.unit.retro.scenario import DISPUTE_REASON, OVERRIDE_REASON, play
from warroom import retro
from warroom.clock import SimulatedClock
from warroom.errors import NotFound
from warroom.services import incidents, people


@pytest.fixture
def figures(world, clock, fake_slack, fake_smtp, cli):
    inc = play(world, clock, fake_slack)
    code, out, err = cli("--as", "Dana", "retro", inc.ref, "--json")
    assert code == 0, err
    return json.loads(out)


def test_time_to_first_word(figures):
    fw = figures["first_word"]
    assert fw["detected_at"] == "2026-11-23T08:55:00.000000Z"
    assert fw["declared_at"] == "2026-11-23T09:00:00.000000Z"
    assert fw["detection_to_declared_s"] == 5 * 60
    assert fw["by_audience"]["customers"] == {"published_at": "2026-11-23T09:12:00.000000Z",
                                              "from_detection_s": 17 * 60, "from_declared_s": 12 * 60}
    assert fw["by_audience"]["executives"]["from_detection_s"] == 27 * 60


def test_cadence_kept(figures):
    customers = figures["cadence"]["customers"]
    assert [(g["seconds"], g["allowed_s"], g["overdue_s"], g["ends"]) for g in customers["gaps"]] == [
        (12 * 60, 30 * 60, 0, "update"),          # declared 09:00 → first update 09:12
        (42 * 60, 30 * 60, 12 * 60, "update"),    # 09:12 → 09:54, due 09:42: twelve minutes late
        (6 * 60, 30 * 60, 0, "resolved"),         # 09:54 → resolved 10:00
    ]
    assert customers["gaps"][1]["from"] == "2026-11-23T09:12:00.000000Z"
    assert customers["gaps"][1]["due_at"] == "2026-11-23T09:42:00.000000Z"
    assert customers["overdue_count"] == 1 and customers["longest_silence_s"] == 42 * 60
    # The executives' cell says 60 minutes: 38 minutes of silence was on time.
    executives = figures["cadence"]["executives"]
    assert [g["allowed_s"] for g in executives["gaps"]] == [3600, 3600]
    assert executives["overdue_count"] == 0 and executives["longest_silence_s"] == 38 * 60


def test_reviews_by_role_handovers_disputes_and_overrides(figures):
    rv = figures["reviews"]
    # technical: 3 min (first update), 1 min (second); comms: 10 min (handed to the backup), 2 min.
    assert rv["by_role"]["technical_reviewer"] == {"count": 2, "median_s": 120, "max_s": 180}
    assert rv["by_role"]["comms_reviewer"] == {"count": 2, "median_s": 360, "max_s": 600}
    (handover,) = rv["handovers"]     # the executives' requests were overridden: not handed over after
    assert handover["role"] == "comms_reviewer" and handover["to_whom"] == "backup"
    assert handover["from"] == "Mia Lindqvist" and handover["to"] == "Noor Backup"
    assert handover["waited_s"] == 9 * 60 and handover["at"] == "2026-11-23T09:11:00.000000Z"
    (dispute,) = rv["disputes"]
    assert dispute["actor"] == "Dana" and dispute["outcome"] == "approve" and dispute["reason"] == DISPUTE_REASON
    assert rv["overrides"] == [{"at": "2026-11-23T09:21:00.000000Z", "actor": "Dana", "reason": OVERRIDE_REASON,
                                "missing": ["technical_reviewer", "comms_reviewer"], "audience": "executives"}]
    assert rv["pending"] == 0


def test_words(figures):
    w = figures["words"]
    # Round 1 (speculation, acknowledged at submit), round 2 (an internal address, blocking),
    # round 3 clean; plus the first updates' own submits.
    assert w["lint_blocking"] >= 1
    assert w["lint_warnings"] >= 1 and w["lint_acknowledged"] >= 1
    assert w["revisions_per_update"] == {"median": 1, "max": 4, "updates": 3}
    assert (w["retractions"], w["corrections"]) == (0, 0)


def test_delivery(figures):
    d = figures["delivery"]
    assert d["by_channel"]["email"] == {"count": 3, "median_s": 60, "max_s": 60}   # failed over at 09:13
    assert d["by_channel"]["slack"] == {"count": 1, "median_s": 180, "max_s": 180}  # 09:54 → 09:57
    assert d["failovers"] == 1 and d["failover_list"][0]["from"] == "slack" and d["failover_list"][0]["to"] == "email"
    assert d["dead_letters"] == 1 and d["dead_letter_list"][0]["channel"] == "slack"
    assert d["offline_s"] == 120 and d["offline_by_channel"] == {"slack": 120}


def test_keys_the_score_card_reads(figures):
    assert set(figures["incident"]) >= {"ref", "title", "severity", "exercise"}
    assert set(figures["first_word"]) >= {"detected_at", "declared_at", "detection_to_declared_s", "by_audience"}
    for c in figures["cadence"].values():
        assert set(c) >= {"gaps", "overdue_count", "longest_silence_s"}
        for g in c["gaps"]:
            assert set(g) >= {"from", "to", "seconds", "allowed_s", "overdue_s"}
    assert set(figures["reviews"]) >= {"by_role", "handovers", "disputes", "overrides"}
    assert set(figures["words"]) >= {"lint_blocking", "lint_warnings", "revisions_per_update", "retractions",
                                     "corrections"}
    assert set(figures["delivery"]) >= {"by_channel", "failovers", "dead_letters", "offline_s"}


def test_the_same_journal_gives_the_same_figures_whatever_the_clock_says(world, clock, fake_slack, fake_smtp):
    inc = play(world, clock, fake_slack)
    before = retro.compute(world, inc.id, viewer="Dana").to_json()
    clock.advance(86400 * 3)          # days later: nothing that happened changed
    assert retro.compute(world, inc.id, viewer="Dana").to_json() == before


def test_a_severity_raised_mid_silence_makes_it_due_sooner(world, clock):
    from datetime import timedelta

    from warroom.services import matrix

    matrix.set_cell(world, "admin", "customers", "all", channels="site")
    inc = incidents.open_incident(world, "Dana", title="Slow search", severity="SEV3", customer_facing=True)
    clock.advance(timedelta(hours=2))
    incidents.set_severity(world, "Dana", inc.id, "SEV1")       # now every 30 min, and it has been 2 h
    clock.advance(timedelta(minutes=10))
    incidents.set_status(world, "Dana", inc.id, "resolved")
    r = retro.compute(world, inc.id, viewer="Dana").to_json()
    (gap,) = r["cadence"]["customers"]["gaps"]
    assert gap["seconds"] == 130 * 60 and gap["ends"] == "resolved"
    assert gap["allowed_s"] == 30 * 60 and gap["overdue_s"] == 100 * 60
    assert r["first_word"]["by_audience"] == {}
    assert r["incident"]["severity"] == "SEV1"


def test_a_confidential_incident_is_refused_to_a_non_member(store, cli):
    from tests.helpers.team import team

    team(store)
    inc = incidents.open_incident(store, "Dana", title="Payroll export leaked", severity="SEV2",
                                  category="security", confidential=True)
    with pytest.raises(NotFound):
        retro.compute(store, inc.id, viewer="Mia Lindqvist")
    assert retro.compute(store, inc.id, viewer="Dana").ref == inc.ref
    code, out, err = cli("--as", "Mia Lindqvist", "retro", inc.ref, "--json")
    assert code != 0 and out == "" and inc.ref in err


def test_an_exercise_is_measured_on_the_times_its_events_carry(tmp_path):
    """An exercise's events carry its simulated time: the figures follow them."""
    from datetime import datetime, timedelta, timezone

    from tests.helpers.team import team
    from warroom.store import Store

    sim = SimulatedClock(datetime(2030, 5, 1, 3, 0, tzinfo=timezone.utc))
    with Store.open(tmp_path / "x.db", clock=sim) as s:
        team(s)
        inc = incidents.open_incident(s, "Dana", title="Tabletop", severity="SEV2", exercise=True,
                                      detected_at=sim.now() - timedelta(minutes=7))
        r = retro.compute(s, inc.id, viewer="Dana").to_json()
    assert r["incident"]["exercise"] is True
    assert r["first_word"]["declared_at"] == "2030-05-01T03:00:00.000000Z"
    assert r["first_word"]["detection_to_declared_s"] == 7 * 60


def test_people_added_later_do_not_change_the_record(world, clock, fake_slack, fake_smtp):
    inc = play(world, clock, fake_slack)
    before = retro.compute(world, inc.id, viewer="Dana").to_json()
    people.save(world, "admin", "New Comer", roles="comms_reviewer")
    assert retro.compute(world, inc.id, viewer="Dana").to_json() == before


def test_retractions_and_corrections(world, clock):
    from tests.helpers.delivery import publish_overridden
    from warroom.services import publishing, review

    inc, d, _ = publish_overridden(world)
    clock.advance(300)
    publishing.retract(world, "Dana", d.id, "Named the wrong region")
    clock.advance(120)
    fixed = publishing.correct(world, "Sam Writer", d.id)
    review.submit(world, "Dana", fixed, acknowledge=True)
    review.override(world, "Dana", fixed, "Correction of our own words", acknowledge=True)
    publishing.publish(world, "Dana", fixed, acknowledge=True)
    w = retro.compute(world, inc.id, viewer="Dana").to_json()["words"]
    assert (w["retractions"], w["corrections"]) == (1, 1)
    assert w["retraction_list"][0]["reason"] == "Named the wrong region"
    assert w["revisions_per_update"]["updates"] == 2


def test_an_ended_exercise_closes_its_silences_where_its_clock_stopped(tmp_path, clock, memory_keyring):
    """After an exercise ends its clock stands still: each audience's last silence ends
    there ("ended"), not at the record's last event "so far"."""
    from tests.unit.exercise.conftest import FACILITATOR, SCENARIOS
    from warroom.app import open_store
    from warroom.exercise import play, run, scenario

    store = open_store(tmp_path / "x.db", clock=clock)
    try:
        played = play.play(store, FACILITATOR, scenario.load(SCENARIOS / "regional-cloud-outage.scenario.toml"))
        ended = run.get(store, played.incident_id, viewer=FACILITATOR).ended_at
        figures = retro.compute(store, played.incident_id, viewer=FACILITATOR)
    finally:
        store.close()
    last = [c["gaps"][-1] for c in figures.figures["cadence"].values()]
    assert last and all(g["ends"] == "ended" and g["to"] == ended for g in last)
    from warroom.retro.summary import sections

    [cadence] = [sec for sec in sections(figures) if sec.title == "Cadence kept"]
    cells = [cell for table in cadence.tables for row in table.rows for cell in row]
    assert any(cell.endswith("(ended)") for cell in cells) and not any("(so far)" in cell for cell in cells)
