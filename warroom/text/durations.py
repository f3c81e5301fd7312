"""Every duration War room writes out, in one function: a countdown, an age, a rough
span for a sentence, a cadence as people read it, and a cadence as it is typed."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

Style = Literal["clock", "age", "rough", "cadence", "entry"]


def duration_text(delta: timedelta, style: Style = "age") -> str:
    """``delta`` written out in one of these styles:

    * ``"clock"``: a countdown, ``12:05``, ``1:02:05``, ``2 d 03:00:00`` (the sign is dropped);
    * ``"age"``: how long, compactly, ``45 s``, ``12 min``, ``3 h 05 min``, ``2 d 4 h`` (never negative);
    * ``"rough"``: one unit for a sentence, ``90 s``, ``45 min``, ``30 h``, ``3 days``;
    * ``"cadence"``: the largest unit that divides it, ``30 min``, ``4 h``, ``1 d``, ``45 s``;
    * ``"entry"``: the same as :func:`warroom.services.cadence.parse_interval` reads it back,
      ``30m``, ``4h``, ``1d``, ``45s``.
    """
    if style == "clock":
        seconds = int(abs(delta.total_seconds()))
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        if days:
            return f"{days} d {hours:02d}:{minutes:02d}:{secs:02d}"
        return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    if style == "age":
        seconds = int(max(delta.total_seconds(), 0))
        if seconds < 60:
            return f"{seconds} s"
        minutes = seconds // 60
        if minutes < 60:
            return f"{minutes} min"
        hours, minutes = divmod(minutes, 60)
        if hours < 48:
            return f"{hours} h {minutes:02d} min"
        days, hours = divmod(hours, 24)
        return f"{days} d {hours} h"
    if style == "rough":
        seconds = int(delta.total_seconds())
        if seconds < 120:
            return f"{seconds} s"
        if seconds < 7200:
            return f"{seconds // 60} min"
        if seconds < 2 * 86400:
            return f"{seconds // 3600} h"
        return f"{seconds // 86400} days"
    if style in ("cadence", "entry"):
        seconds = int(delta.total_seconds())
        gap = " " if style == "cadence" else ""
        for size, unit in ((86400, "d"), (3600, "h"), (60, "min" if style == "cadence" else "m")):
            if seconds % size == 0 and (seconds or size == 60):  # nothing at all reads as "0 min"
                return f"{seconds // size}{gap}{unit}"
        return f"{seconds}{gap}s"
    raise ValueError(f"unknown duration style {style!r}")
