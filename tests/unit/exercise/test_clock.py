"""The arithmetic of an exercise's own clock, driven by a simulated "real" clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warroom.clock import SimulatedClock
from warroom.errors import InputError
from warroom.exercise.clock import ClockState, offset_text, parse_duration

SIM0 = datetime(2024, 7, 19, 4, 24, tzinfo=timezone.utc)
REAL0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def real():
    return SimulatedClock(REAL0)


def test_running_at_speed_multiplies_real_time(real):
    c = ClockState(SIM0, REAL0, speed=60)
    real.advance(30)
    assert c.now(real.now()) == SIM0 + timedelta(minutes=30)


def test_pause_holds_the_time_and_resume_goes_on_from_there(real):
    c = ClockState(SIM0, REAL0, speed=10)
    real.advance(60)
    c = c.pause(real.now())
    assert c.paused and c.now(real.now()) == SIM0 + timedelta(minutes=10)
    real.advance(3600)
    assert c.now(real.now()) == SIM0 + timedelta(minutes=10)
    c = c.resume(real.now())
    real.advance(6)
    assert c.now(real.now()) == SIM0 + timedelta(minutes=11)


def test_a_new_speed_reanchors_so_nothing_already_passed_moves(real):
    c = ClockState(SIM0, REAL0, speed=2)
    real.advance(60)
    before = c.now(real.now())
    c = c.with_speed(60, real.now())
    assert c.now(real.now()) == before
    real.advance(1)
    assert c.now(real.now()) == before + timedelta(minutes=1)
    with pytest.raises(InputError, match="×1 to ×60"):
        c.with_speed(61, real.now())
    with pytest.raises(InputError):
        c.with_speed(0, real.now())


def test_advance_and_jump_never_go_backwards(real):
    c = ClockState(SIM0, REAL0, speed=1, paused=True)
    c = c.advance(timedelta(minutes=10), real.now())
    assert c.now(real.now()) == SIM0 + timedelta(minutes=10) and c.paused
    assert c.jump_to(SIM0, real.now()).now(real.now()) == SIM0 + timedelta(minutes=10)
    assert c.jump_to(SIM0 + timedelta(hours=1), real.now()).now(real.now()) == SIM0 + timedelta(hours=1)
    with pytest.raises(InputError, match="backwards"):
        c.advance(timedelta(minutes=-1), real.now())


def test_a_real_clock_set_back_stops_the_simulated_one_without_reversing_it():
    c = ClockState(SIM0, REAL0, speed=5)
    assert c.now(REAL0 - timedelta(minutes=3)) == SIM0


def test_an_ended_exercise_stands_still_and_refuses_to_move(real):
    c = ClockState(SIM0, REAL0, speed=60)
    real.advance(10)
    c = c.end(real.now())
    real.advance(1000)
    assert c.now(real.now()) == SIM0 + timedelta(minutes=10)
    for move in (lambda: c.pause(real.now()), lambda: c.advance(timedelta(1), real.now())):
        with pytest.raises(InputError, match="ended"):
            move()


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("10m", 600), ("1h30m", 5400), ("2h", 7200), ("15", 900),
                                          ("1h 5m 3s", 3903)])
def test_durations_read_as_people_write_them(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "ten", "5x", "1m1m", "-5m", "1e9h"])
def test_a_bad_duration_says_how_to_write_one(text):
    with pytest.raises(InputError, match="like 90s, 10m, 1h30m"):
        parse_duration(text)


def test_offsets_print_as_hours_minutes_seconds():
    assert offset_text(timedelta(minutes=75, seconds=3)) == "+1:15:03"
