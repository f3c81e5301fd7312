"""Time: one clock is passed in, nothing in the core reads the wall clock directly.

All times in the core are aware datetimes in UTC.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

UTC = timezone.utc


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""


class SystemClock:
    """The real time of this machine."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to: for exercises and tests."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
        self._now = ensure_utc(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | float = 0.0) -> datetime:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        if delta < timedelta(0):
            raise ValueError("a simulated clock does not run backwards")
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        when = ensure_utc(when)
        with self._lock:
            if when < self._now:
                raise ValueError("a simulated clock does not run backwards")
            self._now = when


def ensure_utc(when: datetime) -> datetime:
    """Return ``when`` as an aware UTC datetime; naive values are refused."""
    if when.tzinfo is None or when.tzinfo.utcoffset(when) is None:
        raise ValueError("naive datetime: the core only handles aware times")
    return when.astimezone(UTC)


def isoformat(when: datetime) -> str:
    """Canonical text form of a time: UTC, microseconds, a trailing Z."""
    return ensure_utc(when).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
