"""Regulatory regimes and the incident flags that start their clocks: data shipped
in ``resources/obligations/`` (``regulatory_clocks.csv`` and ``flags.csv``), read
with a size limit and a strict schema, and the pure arithmetic of a due time.

Which regimes a flag starts is a column of the data (``flags``), never a branch in
code. A regime's deadline is an ``amount`` of a ``unit``:

- ``hours``: elapsed time, the same instant on every clock (72 h is 72 h across a
  change to or from summer time);
- ``days`` and ``months``: calendar days or months in the regime's time zone, to
  the same wall-clock time (60 days from 10:00 in March is 10:00 in May, even
  though summer time began in between); a month from 31 January is the last day of
  February;
- ``business_days``: days that are neither a Saturday, a Sunday nor a public
  holiday of the regime's jurisdiction (the ``holidays`` library: ``US`` is the
  US federal calendar), counted from the day after the start; due at the end of
  the last one, in the regime's time zone;
- ``none``: "without undue delay", "as soon as feasible": shown with no countdown.

Nothing here reads the clock: the start is given.
"""

from __future__ import annotations

import calendar
import csv
import functools
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from warroom.clock import UTC
from warroom.errors import InputError
from warroom.paths import resource

#: The regimes file is a few kilobytes; anything much larger is not ours.
MAX_BYTES = 256 * 1024
#: At most this many regimes (or flags): a list a person reads.
MAX_ROWS = 500
#: No field of the data is longer than this.
MAX_FIELD = 2_000

UNITS = ("hours", "days", "business_days", "months", "none")
STATUSES = ("in force", "proposed")

REGIME_COLUMNS = ("key", "regime", "flags", "notify_whom", "deadline", "clock_start", "unit", "amount", "timezone",
                  "holidays", "status", "citation", "url", "notes")
FLAG_COLUMNS = ("flag", "label", "records")

#: The largest amount per unit: beyond it a row is a typing mistake.
_MAX_AMOUNT = {"hours": 24 * 366, "days": 3660, "business_days": 500, "months": 120}


class RegimeDataError(InputError):
    """The regimes or flags data is not what War room can use: the message says
    which file, which line and what is wrong."""


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the commander marks an incident as (``personal-data-eu``); its time
    is what the regimes it starts count from."""

    key: str
    label: str
    #: What the time recorded with the flag is: "when the controller became aware…".
    records: str


@dataclass(frozen=True, slots=True)
class Regime:
    key: str
    name: str
    flags: tuple[str, ...]
    notify_whom: str
    deadline: str
    clock_start: str
    unit: str
    amount: int | None
    timezone: str
    #: A ``holidays`` country code for business days (``US``), or "" for none.
    holidays: str
    status: str
    citation: str
    url: str
    notes: str

    @property
    def fixed(self) -> bool:
        """It has a deadline to count down to (not "without undue delay")."""
        return self.unit != "none"

    @property
    def in_force(self) -> bool:
        return self.status == "in force"

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.timezone)

    def period(self) -> str:
        """``72 hours``, ``4 business days``, ``1 month``, or the deadline's words."""
        if not self.fixed:
            return self.deadline
        word = {"hours": "hour", "days": "calendar day", "business_days": "business day", "months": "month"}[self.unit]
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}"

    def due(self, start: datetime) -> datetime | None:
        """When this regime's clock started at ``start`` runs out (aware UTC), or None
        when it has no fixed deadline."""
        return due_at(self.unit, self.amount, start, zone=self.zone, calendar_code=self.holidays)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "regime": self.name, "flags": list(self.flags), "notify_whom": self.notify_whom,
                "deadline": self.deadline, "clock_start": self.clock_start, "unit": self.unit,
                "amount": self.amount, "timezone": self.timezone, "holidays": self.holidays or None,
                "status": self.status, "citation": self.citation, "url": self.url, "notes": self.notes}


# -- due times ---------------------------------------------------------------------------

def due_at(unit: str, amount: int | None, start: datetime, *, zone: tzinfo = UTC,
           calendar_code: str = "") -> datetime | None:
    """The due time of a deadline of ``amount`` ``unit`` counted from ``start``
    (aware), in UTC; None for ``none``. See the module's notes for each unit."""
    if start.tzinfo is None:
        raise ValueError("a clock starts at an aware time")
    if unit == "none":
        return None
    if amount is None or amount < 0:
        raise ValueError(f"a {unit} deadline needs a whole amount")
    if unit == "hours":
        return start.astimezone(UTC) + timedelta(hours=amount)   # elapsed time: UTC arithmetic, not wall-clock
    local = start.astimezone(zone)
    if unit == "days":
        day = local.date() + timedelta(days=amount)
        return _wall(day, local.time().replace(tzinfo=None), zone)
    if unit == "months":
        return _wall(add_months(local.date(), amount), local.time().replace(tzinfo=None), zone)
    if unit == "business_days":
        day = add_business_days(local.date(), amount, calendar_code)
        return _wall(day + timedelta(days=1), time(0, 0), zone) - timedelta(microseconds=1)
    raise ValueError(f"unknown unit {unit!r}")


def _wall(day: date, at: time, zone: tzinfo) -> datetime:
    """``day`` at wall-clock ``at`` in ``zone``, in UTC. A time skipped by a change to
    summer time is read as the same number of minutes after the change (02:30 on the
    night clocks go from 02:00 to 03:00 is 03:30); a repeated one as its first time."""
    # fold=0: in a gap the offset before the change applies (02:30 EST is 03:30 EDT);
    # of a repeated hour, the first.
    return datetime.combine(day, at).replace(tzinfo=zone, fold=0).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@functools.lru_cache(maxsize=16)
def _calendar(code: str, years: tuple[int, ...]) -> holidays.HolidayBase:
    return holidays.country_holidays(code, years=years)


def is_business_day(day: date, calendar_code: str = "") -> bool:
    """Neither a weekend nor a public holiday of ``calendar_code`` ("" for no holidays)."""
    if day.weekday() >= 5:
        return False
    return not calendar_code or day not in _calendar(calendar_code, (day.year,))


def add_business_days(day: date, count: int, calendar_code: str = "") -> date:
    """The ``count``-th business day after ``day`` (``day`` itself never counts:
    a deadline of 4 business days from a Wednesday is the next Tuesday, or the
    Wednesday when the Thursday is a holiday)."""
    current = day
    left = count
    while left > 0:
        current += timedelta(days=1)
        if is_business_day(current, calendar_code):
            left -= 1
    return current


# -- the shipped data ----------------------------------------------------------------------

def _read(name: str, data: bytes | None, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of a shipped CSV file (or ``data``) as dicts with their line number
    under ``__line__``, after checking size, encoding, header and every field."""
    if data is None:
        with resource("obligations", name).open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise RegimeDataError(f"{name} is larger than {MAX_BYTES // 1024} KiB: it is not the file War room ships.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegimeDataError(f"{name} is not UTF-8 text (byte {exc.start}).") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise RegimeDataError(f"{name}, line {reader.line_num}: {exc}.") from None
    if not rows:
        raise RegimeDataError(f"{name} is empty.")
    header, body = rows[0], rows[1:]
    if tuple(header) != columns:
        raise RegimeDataError(f"{name}: the columns must be {', '.join(columns)}; found {', '.join(header)}.")
    if len(body) > MAX_ROWS:
        raise RegimeDataError(f"{name} has {len(body)} rows; at most {MAX_ROWS}.")
    out = []
    for n, row in enumerate(body, 2):
        if len(row) != len(columns):
            raise RegimeDataError(f"{name}, line {n}: {len(row)} fields, expected {len(columns)}.")
        for column, value in zip(columns, row):
            if len(value) > MAX_FIELD:
                raise RegimeDataError(f"{name}, line {n}: {column} is longer than {MAX_FIELD} characters.")
            if any(ord(ch) < 32 or 0x7f <= ord(ch) < 0xa0 for ch in value):
                raise RegimeDataError(f"{name}, line {n}: {column} has a control character.")
        out.append({"__line__": str(n), **dict(zip(columns, row))})
    return out


def parse_flags(data: bytes | None = None) -> dict[str, Flag]:
    """The flags, by key, from ``flags.csv`` (or ``data``, the same format)."""
    name = "flags.csv"
    rows = _read(name, data, FLAG_COLUMNS)
    out: dict[str, Flag] = {}
    for row in rows:
        key = row["flag"].strip()
        if not _is_key(key):
            raise RegimeDataError(f"{name}, line {row['__line__']}: the flag {key!r} is not lower-case words joined "
                                  "by hyphens.")
        if key in out:
            raise RegimeDataError(f"{name}, line {row['__line__']}: the flag {key} is listed twice.")
        if not row["label"].strip() or not row["records"].strip():
            raise RegimeDataError(f"{name}, line {row['__line__']}: {key} needs a label and what its time records.")
        out[key] = Flag(key, row["label"].strip(), row["records"].strip())
    return out


def parse_regimes(data: bytes | None = None, flags: dict[str, Flag] | None = None) -> tuple[Regime, ...]:
    """The regimes from ``regulatory_clocks.csv`` (or ``data``), checked against the
    schema and the flags: a bad row is a :class:`RegimeDataError` naming its line."""
    name = "regulatory_clocks.csv"
    flags = parse_flags() if flags is None else flags
    rows = _read(name, data, REGIME_COLUMNS)
    out: list[Regime] = []
    seen: set[str] = set()
    for row in rows:
        where = f"{name}, line {row['__line__']}"
        key = row["key"].strip()
        if not _is_key(key) or key in seen:
            raise RegimeDataError(f"{where}: the key {key!r} is not a new lower-case hyphenated name.")
        seen.add(key)
        named = tuple(f.strip() for f in row["flags"].split(";") if f.strip())
        if not named:
            raise RegimeDataError(f"{where}: {key} names no flag that starts it.")
        unknown = [f for f in named if f not in flags]
        if unknown:
            raise RegimeDataError(f"{where}: {key} names the unknown flag {unknown[0]!r} (flags.csv lists them).")
        unit = row["unit"].strip()
        if unit not in UNITS:
            raise RegimeDataError(f"{where}: the unit {unit!r} is not one of {', '.join(UNITS)}.")
        amount = _amount(where, unit, row["amount"].strip())
        zone = row["timezone"].strip()
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RegimeDataError(f"{where}: {zone!r} is not a time zone (e.g. America/New_York).") from None
        code = row["holidays"].strip()
        if code and code not in holidays.list_supported_countries():
            raise RegimeDataError(f"{where}: {code!r} is not a holiday calendar the holidays library knows.")
        if unit == "business_days" and not code:
            raise RegimeDataError(f"{where}: business days need a holiday calendar (e.g. US).")
        status = row["status"].strip()
        if status not in STATUSES:
            raise RegimeDataError(f"{where}: the status {status!r} is not one of {', '.join(STATUSES)}.")
        url = row["url"].strip()
        if not url.startswith("https://"):
            raise RegimeDataError(f"{where}: the url must be an https:// address of the cited text.")
        for column in ("regime", "notify_whom", "deadline", "clock_start", "citation"):
            if not row[column].strip():
                raise RegimeDataError(f"{where}: {column} is empty.")
        out.append(Regime(key, row["regime"].strip(), named, row["notify_whom"].strip(), row["deadline"].strip(),
                          row["clock_start"].strip(), unit, amount, zone, code, status, row["citation"].strip(),
                          url, row["notes"].strip()))
    return tuple(out)


def _amount(where: str, unit: str, text: str) -> int | None:
    if unit == "none":
        if text:
            raise RegimeDataError(f"{where}: a regime with no fixed deadline has no amount.")
        return None
    if not text.isascii() or not text.isdigit():
        raise RegimeDataError(f"{where}: the amount {text!r} is not a whole number.")
    value = int(text)
    if not 1 <= value <= _MAX_AMOUNT[unit]:
        raise RegimeDataError(f"{where}: {value} {unit} is outside 1–{_MAX_AMOUNT[unit]}.")
    return value


def _is_key(text: str) -> bool:
    return bool(text) and text.isascii() and all(part.isalnum() and part.islower() or part.isdigit()
                                                 for part in text.split("-"))


@functools.lru_cache(maxsize=1)
def shipped() -> tuple[dict[str, Flag], tuple[Regime, ...]]:
    """The shipped flags and regimes (read once)."""
    flags = parse_flags()
    return flags, parse_regimes(flags=flags)


def flags() -> dict[str, Flag]:
    return shipped()[0]


def regimes() -> tuple[Regime, ...]:
    return shipped()[1]


def started_by(flag: str) -> list[Regime]:
    """The regimes a flag starts, in the data's order."""
    return [r for r in regimes() if flag in r.flags]


def parse_flag(text: str) -> Flag:
    """A flag by its key (``personal-data-eu``; case and ``_`` forgiven)."""
    key = " ".join(str(text).split()).lower().replace("_", "-")
    known = flags()
    if key not in known:
        raise InputError(f"There is no flag {text!r}. Flags: {', '.join(known)}.", field="flag")
    return known[key]
