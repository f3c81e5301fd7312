"""The arithmetic of an exercise's own clock, apart from any storage.

While it runs, simulated now = ``sim_anchor`` + (real now − ``real_anchor``) ×
``speed``. Pausing, resuming, changing the speed and advancing re-anchor it: the
simulated time at that moment becomes the new ``sim_anchor`` and the real time the
new ``real_anchor``, so nothing already stamped moves. The simulated clock never
runs backwards, not even when the real one is set back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from warroom.errors import InputError

MIN_SPEED, MAX_SPEED = 1, 60
#: The longest single jump ``advance`` takes (a typo of 10d for 10m is refused).
MAX_ADVANCE = timedelta(days=2)

_PART = re.compile(r"(\d{1,6})\s*(h|m|s)")


@dataclass(frozen=True, slots=True)
class ClockState:
    """Where an exercise's clock stands."""

    sim_anchor: datetime
    real_anchor: datetime
    speed: int = 1
    paused: bool = False
    #: Simulated time the exercise ended: from then on the clock stands still there.
    ended_at: datetime | None = None

    def now(self, real_now: datetime) -> datetime:
        """The simulated time at ``real_now``."""
        if self.ended_at is not None:
            return self.ended_at
        if self.paused:
            return self.sim_anchor
        elapsed = max(real_now - self.real_anchor, timedelta(0))   # a real clock set back stops, never reverses
        return self.sim_anchor + elapsed * self.speed

    def _anchored(self, real_now: datetime, **changes) -> ClockState:
        self._running_check()
        return replace(self, sim_anchor=self.now(real_now), real_anchor=real_now, **changes)

    def _running_check(self) -> None:
        if self.ended_at is not None:
            raise InputError("The exercise has ended: its clock no longer moves.", field="clock")

    def pause(self, real_now: datetime) -> ClockState:
        return self._anchored(real_now, paused=True)

    def resume(self, real_now: datetime) -> ClockState:
        return self._anchored(real_now, paused=False)

    def with_speed(self, speed: int, real_now: datetime) -> ClockState:
        return self._anchored(real_now, speed=check_speed(speed))

    def advance(self, delta: timedelta, real_now: datetime) -> ClockState:
        """Jump ``delta`` ahead (paused or not: a paused clock stays paused)."""
        if delta < timedelta(0):
            raise InputError("An exercise's clock does not run backwards.", field="advance")
        if delta > MAX_ADVANCE:
            raise InputError(f"Advance at most {MAX_ADVANCE.days} days at once.", field="advance")
        moved = self._anchored(real_now)
        return replace(moved, sim_anchor=moved.sim_anchor + delta)

    def jump_to(self, when: datetime, real_now: datetime) -> ClockState:
        """Move the clock to ``when``, or leave it where it is if that is already later."""
        moved = self._anchored(real_now)
        return replace(moved, sim_anchor=max(moved.sim_anchor, when))

    def end(self, real_now: datetime) -> ClockState:
        self._running_check()
        at = self.now(real_now)
        return replace(self, sim_anchor=at, real_anchor=real_now, paused=True, ended_at=at)


def check_speed(speed: int) -> int:
    if isinstance(speed, bool) or not isinstance(speed, int) or not MIN_SPEED <= speed <= MAX_SPEED:
        raise InputError(f"The speed is a whole number from ×{MIN_SPEED} to ×{MAX_SPEED}, not {speed!r}.",
                         field="speed")
    return speed


def parse_duration(text: str, *, field: str = "duration") -> timedelta:
    """``90s``, ``10m``, ``1h30m``, ``2h``, or a plain number of minutes."""
    raw = (text or "").strip().lower().replace(" ", "")
    if raw.isdigit() and len(raw) <= 6:
        return timedelta(minutes=int(raw))
    pos, total = 0, timedelta(0)
    units = {"h": "hours", "m": "minutes", "s": "seconds"}
    seen: set[str] = set()
    while pos < len(raw):
        m = _PART.match(raw, pos)
        if m is None or m.group(2) in seen:
            break
        seen.add(m.group(2))
        total += timedelta(**{units[m.group(2)]: int(m.group(1))})
        pos = m.end()
    if not raw or pos != len(raw):
        raise InputError(f"{text!r} is not a duration: write it like 90s, 10m, 1h30m.", field=field)
    return total


def offset_text(delta: timedelta) -> str:
    """An offset as the scenario files write it: ``+0:45``, ``+1:30:00``."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    h, rest = divmod(abs(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}"
