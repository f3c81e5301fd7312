"""Showing times to people: UTC and local time side by side, in their locale (Babel).

Formatting is on the hot path of the timeline view, so a formatter parses its
patterns once and caches the date part per day; one call costs a few microseconds.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, get_time_format, get_timezone_name, parse_pattern
from babel.localtime import get_localzone

from warroom.clock import UTC


def user_locale(name: str | None = None) -> Locale:
    """The user's locale: ``name``, else LC_ALL / LC_TIME / LANG, else en_US."""
    return named_locale(name) or Locale.parse("en_US")


def named_locale(name: str | None = None) -> Locale | None:
    """The locale ``name`` or the environment names, None when none is named (unset,
    ``C`` or ``POSIX``): such a machine gets English words on a 24-hour clock, as its
    own ``date`` prints them, not the 12-hour clock of en_US."""
    candidates = [name] if name else [os.environ.get(v) for v in ("LC_ALL", "LC_TIME", "LANG")]
    for cand in candidates:
        if not cand:
            continue
        cand = cand.split(".")[0].split("@")[0]
        if cand in ("C", "POSIX", ""):
            continue
        try:
            return Locale.parse(cand.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
    return None


def local_zone(name: str | None = None) -> tzinfo:
    """The user's time zone: ``name``, else the TZ variable / system setting.

    Always a ``zoneinfo`` zone: Babel hands out pytz zones when pytz is installed
    (a dependency of a dependency can bring it), and a pytz zone attached with
    ``replace(tzinfo=…)`` silently uses local mean time (Berlin +0:53)."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        zone = get_localzone()
    except Exception:
        return UTC
    key = getattr(zone, "key", None) or getattr(zone, "zone", None)
    try:
        return ZoneInfo(key) if key else zone
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class TimeFormatter:
    """Formats aware datetimes in one zone and locale."""

    def __init__(self, locale: Locale | str | None = None, zone: tzinfo | str | None = None,
                 *, hour24: bool | None = None) -> None:
        if isinstance(locale, Locale):
            named = locale
        else:
            named = named_locale(locale)
        self.locale = named or Locale.parse("en_US")
        # No locale named: a 24-hour clock, the POSIX habit, unless told otherwise.
        self.hour24 = (named is None) if hour24 is None else hour24
        self.zone = zone if isinstance(zone, tzinfo) else local_zone(zone)
        self._pattern = None  # the locale's data loads on first use, not at start-up
        self._dates: dict[date, str] = {}

    def in_zone(self, zone: tzinfo | str) -> "TimeFormatter":
        """The same locale and clock, in another zone."""
        return TimeFormatter(self.locale, zone, hour24=self.hour24)

    def time_pattern(self, width: str = "medium"):
        """The locale's time pattern (``medium`` with seconds, ``short`` without),
        24-hour where the locale uses it or none is named."""
        if self.hour24:
            return parse_pattern("HH:mm:ss" if width == "medium" else "HH:mm")
        return get_time_format(width, locale=self.locale)

    @property
    def _time(self):
        if self._pattern is None:
            self._pattern = self.time_pattern("medium")
        return self._pattern

    @property
    def is_utc(self) -> bool:
        return self.zone.utcoffset(datetime(2026, 1, 1)) == timedelta(0) and \
            self.zone.utcoffset(datetime(2026, 7, 1)) == timedelta(0)

    def zone_label(self, when: datetime | None = None) -> str:
        if self.is_utc:
            return "UTC"
        when = when or datetime(2026, 1, 1, tzinfo=UTC)
        return when.astimezone(self.zone).tzname() or str(self.zone)

    def zone_long_name(self) -> str:
        return "UTC" if self.is_utc else get_timezone_name(self.zone, locale=self.locale)

    def time(self, when: datetime) -> str:
        return self._time.apply(when.astimezone(self.zone), self.locale)

    def day(self, when: datetime) -> str:
        local = when.astimezone(self.zone)
        d = local.date()
        text = self._dates.get(d)
        if text is None:
            text = format_skeleton("MMMd", local, locale=self.locale)
            self._dates[d] = text
        return text

    def stamp(self, when: datetime) -> str:
        """Short day and time, e.g. ``Nov 23 4:43:49 PM`` or ``23. Nov. 16:43:49``."""
        return f"{self.day(when)} {self.time(when)}"

    def full(self, when: datetime) -> str:
        """Day, time and zone, e.g. ``Nov 23 16:43:49 CET``."""
        return f"{self.stamp(when)} {self.zone_label(when)}"


@lru_cache(maxsize=8)
def utc_formatter(locale_name: str, hour24: bool = False) -> TimeFormatter:
    return TimeFormatter(locale_name, UTC, hour24=hour24)
