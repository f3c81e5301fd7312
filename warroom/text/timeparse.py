"""Reading times that people type: ISO 8601, a time of day, or "15m ago"."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, tzinfo

from warroom.clock import UTC
from warroom.errors import InputError
from warroom.text.timefmt import local_zone

# re.ASCII: digits are 0-9 only (Python's \d and int() take any script's digits).
_RELATIVE = re.compile(r"^\s*(in\s+|\+|-)?\s*(\d+)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|days?)\s*(ago)?\s*$",
                       re.I | re.ASCII)
_TIME_OF_DAY = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|UTC)?\s*$", re.I | re.ASCII)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_when(text: str, *, now: datetime, local: tzinfo | None = None, future: bool = False) -> datetime:
    """Parse a user's time; naive values are in ``local`` (the machine's zone by default).

    Accepted: ``2026-11-23T10:30:00Z``, ``2026-11-23 10:30+01:00``, ``10:30`` (today),
    ``10:30Z``, ``15m`` / ``-15m`` / ``2h ago``, ``now``. With ``future`` (an ETR, say),
    ``2h`` / ``in 2h`` / ``+2h`` are ahead of now and a time of day already past is tomorrow's.
    """
    raw = text.strip()
    if not raw:
        raise InputError("An empty time: give e.g. 2026-11-23T10:30Z, 10:30, or 15m ago.")
    if not raw.isascii():
        raise InputError(f"Cannot read the time {text!r}: write it with the digits 0-9, e.g. 2026-11-23T10:30Z, "
                         "10:30, or 15m ago.")
    if raw.lower() == "now":
        return now
    # The zone's own rules, not today's offset: 10:30 in July is summer time.
    local = local or local_zone()
    try:
        return _parse(raw, text, now, local, future)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"The time {text!r} is out of range.") from None


def _parse(raw: str, text: str, now: datetime, local: tzinfo, future: bool = False) -> datetime:
    m = _RELATIVE.match(raw)
    if m:
        unit = _UNITS[m.group(3)[0].lower()]
        delta = timedelta(**{unit: int(m.group(2))})
        ahead = future and not m.group(4) and (m.group(1) or "").strip() != "-"
        ahead = ahead or (m.group(1) or "").strip() in ("in", "+")
        return now + delta if ahead else now - delta
    m = _TIME_OF_DAY.match(raw)
    if m:
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise InputError(f"{text!r} is not a time of day.")
        zone = UTC if m.group(4) else local
        today = now.astimezone(zone).date()
        value = datetime.combine(today, time(hour, minute, second), tzinfo=zone).astimezone(UTC)
        if future and value < now:
            value = datetime.combine(today + timedelta(days=1), time(hour, minute, second),
                                     tzinfo=zone).astimezone(UTC)
        return value
    iso = raw[:-1] + "+00:00" if raw[-1] in "zZ" else raw
    try:
        value = datetime.fromisoformat(iso)
    except ValueError:
        raise InputError(
            f"Cannot read the time {text!r}: give e.g. 2026-11-23T10:30Z, 2026-11-23 10:30+01:00, 10:30, or 15m ago."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local)
    return value.astimezone(UTC)
