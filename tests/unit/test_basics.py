"""Small core pieces: ids, clocks, time parsing and formatting, logging."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warroom import logs
from warroom.clock import SimulatedClock, SystemClock, ensure_utc, isoformat
from warroom.errors import InputError
from warroom.ids import uuid7
from warroom.text.timefmt import TimeFormatter, user_locale
from warroom.text.timeparse import parse_when

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
BERLIN = TimeFormatter("de_DE", "Europe/Berlin").zone


def test_uuid7_is_version_7_and_ordered():
    ids = [uuid7() for _ in range(5000)]
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_clocks():
    assert SystemClock().now().tzinfo is timezone.utc
    sim = SimulatedClock(NOW)
    assert sim.advance(90) == NOW + timedelta(seconds=90)
    with pytest.raises(ValueError):
        sim.advance(-1)
    with pytest.raises(ValueError):
        ensure_utc(datetime(2026, 1, 1))
    assert isoformat(NOW) == "2026-11-23T12:00:00.000000Z"


@pytest.mark.parametrize("text, expected", [
    ("2026-11-23T10:30:00Z", datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)),
    ("2026-11-23 10:30+01:00", datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)),
    ("10:30Z", datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)),
    ("10:30", datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)),  # Berlin local time
    ("2026-11-23T10:30", datetime(2026, 11, 23, 9, 30, tzinfo=timezone.utc)),
    ("15m", NOW - timedelta(minutes=15)),
    ("2h ago", NOW - timedelta(hours=2)),
    ("now", NOW),
])
def test_parse_when(text, expected):
    assert parse_when(text, now=NOW, local=BERLIN) == expected


def test_naive_times_follow_daylight_saving():
    """Given in November, a July time in Berlin is summer time (UTC+2), not today's UTC+1."""
    assert parse_when("2026-07-01 10:30", now=NOW, local=BERLIN) == datetime(2026, 7, 1, 8, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["", "yesterday", "25:00", "2026-13-01", "10:61", "0001-01-01T00:00+01:00",
                                  "99999999d ago"])
def test_parse_when_refuses(text):
    with pytest.raises(InputError):
        parse_when(text, now=NOW, local=BERLIN)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(timezone.utc)))
def test_parse_when_reads_what_isoformat_writes(when):
    assert parse_when(isoformat(when), now=NOW) == when


def test_time_formatter_side_by_side():
    utc = TimeFormatter("de_DE", "UTC")
    berlin = TimeFormatter("de_DE", "Europe/Berlin")
    when = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
    assert utc.full(when) == "1. Juli 12:00:00 UTC"
    assert berlin.full(when) == "1. Juli 14:00:00 CEST"
    assert TimeFormatter("en_US", "America/New_York").stamp(when) == "Jul 1 8:00:00\u202fAM"
    assert user_locale("C").language == "en"


@pytest.mark.parametrize("env", [{}, {"LANG": "C"}, {"LC_ALL": "C.UTF-8"}, {"LANG": "POSIX"}])
def test_a_machine_without_a_locale_reads_a_24_hour_clock(monkeypatch, env):
    """LANG=C is a machine nobody localised: English words, but the 24-hour clock
    its own ``date`` prints, not en_US's 'PM'; a named locale keeps its own habit."""
    for var in ("LC_ALL", "LC_TIME", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    when = datetime(2026, 7, 1, 15, 4, 5, tzinfo=timezone.utc)
    plain = TimeFormatter(None, "UTC")
    assert plain.full(when) == "Jul 1 15:04:05 UTC"
    assert plain.time_pattern("short").apply(when, plain.locale) == "15:04"
    assert plain.in_zone("Europe/Berlin").time(when) == "17:04:05"  # the window's second clock agrees
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    assert TimeFormatter(None, "UTC").time(when) == "3:04:05\u202fPM"
    assert TimeFormatter(None, "UTC", hour24=True).time(when) == "15:04:05"


@pytest.mark.parametrize("secret_line", [
    "password=hunter2",
    "token: abc123def456",
    'api_key="sk_live_123456"',
    "Authorization: Bearer eyJhbGciOi.payload.sig",
    "posting to https://hooks.slack.com/services/T000/B000/XXXXSECRET",
    "smtp://ops:Sup3rS3cret@mail.example.com:587",
])
def test_secrets_never_reach_the_log_file(tmp_path, secret_line):
    path = logs.setup(directory=tmp_path)
    logging.getLogger("warroom.test").warning("channel failed: %s", secret_line)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "channel failed" in text
    for secret in ("hunter2", "abc123def456", "sk_live_123456", "payload.sig", "XXXXSECRET", "Sup3rS3cret"):
        assert secret not in text
    logs.setup(directory=tmp_path / "other")  # detach from this test's file


def test_log_file_goes_to_the_user_log_folder(isolated_home):
    path = logs.setup()
    assert path is not None and str(path).startswith(str(isolated_home))
    assert path.name == "warroom.log"


def test_zones_are_zoneinfo_even_with_pytz_installed():
    """A pytz zone attached with replace() uses local mean time (Berlin +0:53): never hand one out."""
    from zoneinfo import ZoneInfo

    from warroom.text.timefmt import local_zone

    assert isinstance(local_zone("Europe/Berlin"), ZoneInfo)
    assert isinstance(local_zone(), (ZoneInfo, type(timezone.utc)))
    when = datetime(2026, 11, 23, 10, 30).replace(tzinfo=local_zone("Europe/Berlin"))
    assert when.utcoffset() == timedelta(hours=1)
