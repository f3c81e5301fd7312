"""Scenario files: the shipped ones play to the end and replay the same; hostile ones are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.unit.exercise.conftest import FACILITATOR, SCENARIOS, SMALL, incident_events
from warroom.app import open_store
from warroom.errors import InputError
from warroom import retro
from warroom.exercise import play, run, scenario
from warroom.services import outbox
from warroom.store.models import JournalEvent

SHIPPED = sorted(p.name for p in SCENARIOS.glob("*.toml"))


def test_three_scenarios_ship_as_package_data():
    # Named *.scenario.toml: the desktop opens them in War room (packaging/linux).
    assert SHIPPED == ["endpoint-agent-crash.scenario.toml", "ransomware-personal-data.scenario.toml",
                       "regional-cloud-outage.scenario.toml"]
    from importlib import resources

    names = {p.name for p in resources.files("warroom_resources").joinpath("scenarios").iterdir()}
    assert set(SHIPPED) <= names


def _relative(figures, sim_start):
    """The retrospective's figures with every time as an offset from the exercise's start
    (each run starts at its own simulated date: the scenario says when, relative to now)."""
    if isinstance(figures, dict):
        return {k: _relative(v, sim_start) for k, v in figures.items() if k not in ("ref",)}
    if isinstance(figures, list):
        return [_relative(v, sim_start) for v in figures]
    if isinstance(figures, str) and len(figures) >= 20 and figures[4] == "-" and figures[10] == "T":
        from datetime import datetime

        return (datetime.fromisoformat(figures.replace("Z", "+00:00")) - sim_start).total_seconds()
    return figures


def _facts(store, incident_id, sim_start):
    """What the replay must repeat: each event's kind and offset from the start."""
    return [(kind, int((at - sim_start).total_seconds())) for kind, at, _p in incident_events(store, incident_id)]


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_scenario_plays_to_the_end_with_its_scripted_players_and_replays_the_same(
        name, tmp_path, clock, memory_keyring):
    s = scenario.load(SCENARIOS / name)
    assert s.injects and s.script and s.targets
    runs = []
    for i in range(2):
        store = open_store(tmp_path / f"replay{i}.db", clock=clock)
        try:
            played = play.play(store, FACILITATOR, s)
            assert not played.failures
            view = run.get(store, played.incident_id, viewer=FACILITATOR)
            assert view.ended_at is not None and all(j.state == "done" for j in view.injects)
            events = incident_events(store, played.incident_id)
            assert all(p.get("clock") == "exercise" for _k, _at, p in events)
            assert sum(k == "exercise.inject_fired" for k, _at, _p in events) == len(s.injects)
            sink = outbox.list_deliveries(store, viewer=FACILITATOR, incident_id=played.incident_id)
            # Into the sink, or handed on by a simulated outage to the next channel of its route.
            assert sink and all(d.exercise and d.state in ("simulated", "failed_over") for d in sink)
            assert all(d.receipt["payload"]["subject"].startswith("[EXERCISE]") for d in sink
                       if d.state == "simulated")
            figures = retro.compute(store, played.incident_id, viewer=FACILITATOR).to_json()
            assert figures["incident"]["exercise"] and figures["first_word"]["by_audience"]
            runs.append((_facts(store, played.incident_id, view.sim_start), _relative(figures, view.sim_start)))
        finally:
            store.close()
        clock.advance(timedelta(hours=3))        # the second run starts at another real time
    assert runs[0] == runs[1]


def test_a_script_a_service_refuses_stops_and_names_the_step(store, memory_keyring):
    text = SMALL + '\n[[script]]\nat = "1m"\nas = "Priya Nair"\ndo = "publish"\naudience = "customers"\n'
    with pytest.raises(InputError, match=r"small.toml: the scripted action at 1 min \(Priya Nair: publish\)"):
        play.play(store, FACILITATOR, scenario.parse(text, source="small.toml"))


def _events(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(JournalEvent))


@pytest.mark.parametrize("text,message", [
    ("x" * (scenario.MAX_FILE + 1), "too large"),
    ("[scenario\nname = 1", "not valid TOML.*line 1"),
    ("a = " + "[" * 5000 + "]" * 5000, "nests too deeply|not valid TOML"),
    ('[scenario]\nname = 5\n[incident]\ntitle="t"\nseverity="SEV1"\ncommander="c"', "scenario.name: must be text"),
    ('[scenario]\nname = "n"\n[incident]\ntitle="t"\nseverity="SEV9"\ncommander="c"', "incident.severity"),
    ('[scenario]\nname = "n"\nspeed = 600\n[incident]\ntitle="t"\nseverity="SEV1"\ncommander="c"',
     "scenario.speed: must be a whole number from 1 to 60"),
    (SMALL + '[[injects]]\nat = "1m"\nkind = "alien_landing"\n', r"injects\[3\].kind: unknown inject kind"),
    (SMALL + '[[injects]]\nat = "soon"\nkind = "log"\ntext = "x"\n', r"injects\[3\].at"),
    (SMALL + '[[injects]]\nat = "1m"\nkind = "channel_down"\nchannel = "nowhere"\n', "not one of the scenario"),
    (SMALL + '[[injects]]\nat = "1m"\nkind = "log"\ntext = "' + "y" * 5000 + '"\n', "at most 4000"),
    (SMALL + '[[injects]]\nat = "1m"\nkind = "log"\ntext = "bell\\u0007"\n', "control character"),
    (SMALL + "[[channels]]\nname = \"hook\"\nkind = \"webhook\"\n", "only email channels"),
    (SMALL + "[surprise]\n", "unknown key 'surprise'"),
    (SMALL + "".join(f'[[injects]]\nat = "{i}m"\nkind = "log"\ntext = "x"\n' for i in range(201)), "at most 200"),
])
def test_a_hostile_scenario_is_refused_with_a_clear_message_and_nothing_written(text, message, store, tmp_path):
    path = tmp_path / "from-email.toml"
    path.write_text(text, encoding="utf-8")
    before = _events(store)
    with pytest.raises(InputError, match=message) as caught:
        scenario.load(path)
    assert "from-email.toml" in str(caught.value)
    assert _events(store) == before
