"""The score card against hand-made retrospective figures (the retrospective's JSON shape)."""

from __future__ import annotations

from warroom.exercise.score import score, text

TARGETS = {"declare_s": 600, "first_update_s": 1200, "review_s": {"technical_reviewer": 600, "legal_reviewer": 900},
           "max_overdue": 0, "longest_silence_s": 3600, "lint_blocking": 0, "lint_warnings": 2}


def _figures(**over):
    base = {
        "first_word": {"detection_to_declared_s": 360, "by_audience": {"customers": {"from_detection_s": 1080},
                                                                       "employees": {"from_detection_s": 1500}}},
        "cadence": {"customers": {"gaps": [{"seconds": 1500, "allowed_s": 1800, "overdue_s": 0},
                                           {"seconds": 2400, "allowed_s": 1800, "overdue_s": 600}],
                                  "overdue_count": 1, "longest_silence_s": 2400},
                    "employees": {"gaps": [], "overdue_count": 0, "longest_silence_s": 0}},
        "reviews": {"by_role": {"technical_reviewer": {"count": 2, "median_s": 200, "max_s": 300}}},
        "words": {"lint_blocking": 0, "lint_warnings": 3},
    }
    base.update(over)
    return base


def _by_target(rows):
    return {r.target: r for r in rows}


def test_each_target_is_a_row_with_its_figure_a_pass_or_miss_and_why():
    rows = _by_target(score(_figures(), TARGETS))
    assert rows["declared after detection"].passed and rows["declared after detection"].figure == "0:06:00"
    assert rows["first update to customers"].passed
    miss = rows["first update to employees"]
    assert not miss.passed and "over the target of 0:20:00" in miss.why
    late = rows["cadence kept for customers"]
    assert not late.passed and late.figure == "1 late" and "0:10:00 past the cadence" in late.why
    assert rows["cadence kept for employees"].passed
    assert rows["longest silence to customers"].passed
    assert rows["technical reviewer within its window"].passed
    assert not rows["legal reviewer within its window"].passed
    assert rows["legal reviewer within its window"].why == "no legal reviewer review was given"
    assert rows["blocking lint findings"].passed
    assert not rows["lint warnings"].passed and rows["lint warnings"].why == "3 warnings; 2 allowed"


def test_no_update_at_all_misses_the_first_update_target():
    rows = _by_target(score(_figures(first_word={"detection_to_declared_s": 60, "by_audience": {}}, cadence={}),
                            TARGETS))
    assert rows["first update after detection"].passed is False
    assert rows["first update after detection"].why == "no update was published"


def test_blocking_findings_miss_and_the_text_counts_what_was_met():
    rows = score(_figures(words={"lint_blocking": 2, "lint_warnings": 0}), {"lint_blocking": 0})
    assert [(r.target, r.passed) for r in rows][-1] == ("blocking lint findings", False)
    out = text(rows)
    assert out.splitlines()[-1].endswith("targets met.") and "MISS  blocking lint findings" in out


def test_card_of_reads_an_exercises_card_and_none_for_a_real_incident(store, memory_keyring):
    from tests.unit.exercise.conftest import FACILITATOR, SMALL
    from warroom import retro
    from warroom.exercise import run, scenario
    from warroom.exercise.score import card_of
    from warroom.services import incidents

    drill = run.start(store, FACILITATOR, scenario.parse(SMALL, source="small.toml"), paused=True)
    real = incidents.open_incident(store, "Alex Rivera", title="VPN down", severity="SEV2")
    flagged = incidents.open_incident(store, "Alex Rivera", title="Old-style drill", severity="SEV2", exercise=True)
    rows = card_of(store, drill.ref, viewer=FACILITATOR)
    expected = score(retro.compute(store, drill.incident_id, viewer=FACILITATOR).to_json(), drill.targets)
    assert rows == expected and rows[0].target == "first update after detection" and not rows[0].passed
    assert card_of(store, real.id, viewer=FACILITATOR) is None
    assert card_of(store, flagged.id, viewer=FACILITATOR) is None        # flagged, but no clock and no targets


def test_retro_out_of_an_exercise_leads_with_its_score_card_as_exercise_end_does(cli, tmp_path, memory_keyring):
    from tests.unit.exercise.conftest import SCENARIOS

    code, _out, err = cli("--as", "Fran", "exercise", "play",
                          str(SCENARIOS / "regional-cloud-outage.scenario.toml"), "--script")
    assert code == 0, err
    code, _out, err = cli("--as", "Fran", "retro", "INC-1", "--out", str(tmp_path / "r.html"))
    assert code == 0, err
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.index("<h2>Score card</h2>") < html.index("<svg") < html.index("<h2>Time to first word</h2>")
    assert "cadence kept for executives" in html and "targets met" in html
