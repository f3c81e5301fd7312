"""Every duration War room writes out comes from one function, in five styles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom.services.cadence import parse_interval
from warroom.text.durations import duration_text


def test_countdown_texts():
    assert duration_text(timedelta(seconds=65), "clock") == "1:05"
    assert duration_text(timedelta(hours=1, seconds=5), "clock") == "1:00:05"
    assert duration_text(timedelta(days=2, hours=3), "clock") == "2 d 03:00:00"
    assert duration_text(timedelta(seconds=42)) == "42 s"
    assert duration_text(timedelta(minutes=125)) == "2 h 05 min"


def test_a_countdown_past_its_time_drops_the_sign_and_an_age_is_never_negative():
    assert duration_text(timedelta(minutes=-3, seconds=-5), "clock") == "3:05"
    assert duration_text(timedelta(seconds=-30)) == "0 s"
    assert duration_text(timedelta(days=3, hours=4, minutes=59)) == "3 d 4 h"


@pytest.mark.parametrize("seconds, text", [(90, "90 s"), (120, "2 min"), (7199, "119 min"), (7200, "2 h"),
                                           (2 * 86400 - 1, "47 h"), (3 * 86400, "3 days")])
def test_a_rough_span_uses_one_unit(seconds, text):
    assert duration_text(timedelta(seconds=seconds), "rough") == text


@pytest.mark.parametrize("seconds, cadence, entry", [(0, "0 min", "0m"), (45, "45 s", "45s"), (1800, "30 min", "30m"),
                                                     (5400, "90 min", "90m"), (4 * 3600, "4 h", "4h"),
                                                     (86400, "1 d", "1d"), (36 * 3600, "36 h", "36h")])
def test_a_cadence_reads_in_its_largest_whole_unit_and_is_typed_back_as_it_was(seconds, cadence, entry):
    delta = timedelta(seconds=seconds)
    assert duration_text(delta, "cadence") == cadence
    assert duration_text(delta, "entry") == entry
    if seconds >= 300:
        assert parse_interval(entry) == delta


def test_an_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown duration style"):
        duration_text(timedelta(seconds=1), "fortnights")  # type: ignore[arg-type]
