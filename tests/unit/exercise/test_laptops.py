"""Players on two laptops meet through an exercise bundle: the second laptop gets the
exercise's clock with its events, stamps its players' actions with it, and the
facilitator's laptop sees them as they come back."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.helpers.bundles import told
from tests.unit.exercise.conftest import FACILITATOR, SMALL, incident_events
from warroom.app import open_store
from warroom.exercise import run, scenario
from warroom.services import timeline
from warroom.sync import bundle


def _carry(source, target, tmp_path, name):
    path = tmp_path / f"{name}.wrb"
    bundle.export(source, path, since=bundle.parse_heads(json.dumps(bundle.heads(target))))
    return bundle.import_(target, path, signer=told(path)).events


def test_a_player_on_another_laptop_acts_on_the_exercise_clock(tmp_path, clock, memory_keyring):
    a = open_store(tmp_path / "facilitator.db", clock=clock)
    b = open_store(tmp_path / "player.db", clock=clock)
    try:
        ex = run.start(a, FACILITATOR, scenario.parse(SMALL, source="small.toml"), paused=True)
        run.control(a, FACILITATOR, ex.ref, advance=timedelta(minutes=7))
        assert _carry(a, b, tmp_path, "out") > 0
        there = run.get(b, ex.incident_id, viewer="Alex Rivera")
        assert there.sim_now == run.get(a, ex.ref, viewer=FACILITATOR).sim_now   # the same clock, paused at +7
        timeline.log(b, "Alex Rivera", ex.incident_id, "Paged the payments team from the player's laptop.")
        _carry(b, a, tmp_path, "back")
        logged = [(at, p) for kind, at, p in incident_events(a, ex.incident_id)
                  if kind == "timeline.logged" and "player's laptop" in p.get("text", "")]
        assert len(logged) == 1
        at, payload = logged[0]
        assert payload.get("clock") == "exercise" and at == there.sim_now
        seen = run.actions(a, ex.ref, viewer=FACILITATOR)            # the facilitator's view of the players
        assert any("player's laptop" in x.summary and x.offset_s == 7 * 60 for x in seen)
    finally:
        a.close()
        b.close()
