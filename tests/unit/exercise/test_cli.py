"""``warroom-cli exercise``: start, move the clock, status, end, play."""

from __future__ import annotations

import json

from tests.unit.exercise.conftest import SCENARIOS, SMALL


def test_start_clock_status_and_end_from_the_command_line(cli, tmp_path, memory_keyring):
    path = tmp_path / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    code, out, err = cli("--as", "Fran", "exercise", "start", str(path), "--speed", "5")
    assert code == 0, err
    assert out.startswith("Started INC-1: Small drill at ×5.")
    code, out, _ = cli("--as", "Fran", "exercise", "clock", "INC-1", "--pause")
    assert code == 0 and "paused" in out
    code, out, _ = cli("--as", "Fran", "--json", "exercise", "clock", "INC-1", "--advance", "11m")
    data = json.loads(out)
    assert [i["state"] for i in data["injects"]] == ["done", "done", "next"] and data["paused"]
    code, out, _ = cli("--as", "Fran", "exercise", "clock", "INC-1", "--next")
    assert "done     +0:20:00  severity" in out
    code, _out, err = cli("--as", "Fran", "exercise", "clock", "INC-1", "--speed", "99")
    assert code == 2 and "×1 to ×60" in err
    code, _out, err = cli("--as", "Fran", "exercise", "clock", "INC-1", "--advance", "soon")
    assert code == 2 and "like 90s, 10m" in err
    code, _out, err = cli("--as", "Priya Nair", "exercise", "clock", "INC-1", "--resume")
    assert code == 3 and "run a tabletop exercise" in err
    code, out, _ = cli("--as", "Fran", "exercise", "end", "INC-1")
    assert code == 0 and out.startswith("Ended INC-1.")
    code, _out, err = cli("--as", "Fran", "exercise", "clock", "INC-1", "--resume")
    assert code == 2 and "ended" in err


def test_play_runs_a_shipped_scenario_to_the_end(cli, memory_keyring):
    code, out, err = cli("--as", "Fran", "exercise", "play", str(SCENARIOS / "regional-cloud-outage.scenario.toml"),
                         "--script")
    assert code == 0, err
    assert "Played INC-1 to the end: 15 scripted actions, 0 refused." in out
    code, out, _ = cli("--as", "Fran", "--json", "exercise", "status", "INC-1")
    assert json.loads(out)["state"] == "ended"


def test_a_played_scenario_ends_with_its_score_card_written_as_html_and_pdf(cli, tmp_path, memory_keyring):
    card = tmp_path / "card.html"
    code, out, err = cli("--as", "Fran", "exercise", "play", str(SCENARIOS / "regional-cloud-outage.scenario.toml"),
                         "--script", "--out", str(card))
    assert code == 0, err
    assert "Score card" in out and "targets met." in out and "Wrote the score card" in out
    html = card.read_text(encoding="utf-8")
    assert html.index("Score card") < html.index("Time to first word") and "EXERCISE" in html
    code, out, err = cli("--as", "Fran", "--json", "exercise", "status", "INC-1")
    assert code == 0
    pdf = tmp_path / "card.pdf"
    code, out, err = cli("--as", "Fran", "--json", "retro", "INC-1")
    assert code == 0 and json.loads(out)["incident"]["exercise"] is True
    code, out, err = cli("--as", "Fran", "exercise", "play", str(SCENARIOS / "regional-cloud-outage.scenario.toml"),
                         "--script", "--out", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    code, _out, err = cli("--as", "Fran", "exercise", "end", "INC-1", "--out", str(tmp_path / "card.docx"))
    assert code == 2 and ".html or a .pdf" in err


def test_a_scenario_file_that_is_not_one_is_refused_by_name(cli, tmp_path):
    path = tmp_path / "invoice.toml"
    path.write_text("this is not toml", encoding="utf-8")
    code, _out, err = cli("exercise", "start", str(path))
    assert code == 2 and "invoice.toml is not valid TOML" in err


def test_list_names_the_shipped_scenarios_and_start_takes_a_shipped_name(cli, memory_keyring):
    code, out, err = cli("exercise", "list", db=False)
    assert code == 0, err
    for name in ("regional-cloud-outage", "ransomware-personal-data", "endpoint-agent-crash"):
        assert f"{name}\n" in out
    assert "Regional cloud outage" in out
    code, out, _ = cli("--json", "exercise", "list", db=False)
    assert {s["name"] for s in json.loads(out)} == {"regional-cloud-outage", "ransomware-personal-data",
                                                  "endpoint-agent-crash"}
    for i, name in enumerate(("regional-cloud-outage", "endpoint-agent-crash.scenario.toml"), start=1):
        code, out, err = cli("--as", "Fran", "exercise", "start", name, "--speed", "5")
        assert code == 0, err
        assert out.startswith(f"Started INC-{i}:")
    # The endpoint scenario's 0m inject fired at the start: no one had to move the clock.
    code, out, _ = cli("--as", "Fran", "--json", "exercise", "status", "INC-2")
    data = json.loads(out)
    assert data["injects"][0]["state"] == "done" and data["injects"][0]["failed"] is None
    code, _out, err = cli("--as", "Fran", "exercise", "start", "no-such-drill")
    assert code == 2 and "Cannot read no-such-drill" in err
