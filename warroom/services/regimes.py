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
  the last one, in the regime's time zone, or at its ``due_time`` when the row
  gives one (the SEC's EDGAR dates a filing made after 17:30 Eastern the next
  business day, so a Form 8-K is due at 17:30 of the fourth);
- ``days_after_year_end``: due at the end of the day that many days after
  31 December of the start's year (HIPAA's annual log of small breaches);
- ``none``: "without undue delay", "as soon as feasible": shown with no countdown.

A row may also say:

- ``jurisdiction``: whose law it is (``EU``, ``US``, ``US-NY``, ``UK``…): the
  regulators stakeholders whose own jurisdiction matches are the ones to notify;
- ``applies_when``: conditions on the incident, joined by ``;``: another flag the
  incident must carry (``nydfs-covered``), or a number the flag records compared
  with a threshold (``affected>=500``). A number not recorded is read the
  conservative way: a duty for the larger breach ("more than", "at least")
  applies, one for the smaller does not, and the clock says so;
- ``counts_from``: a time the flag records besides its own (``classified_at``,
  when a DORA incident was classified as major), counted from when recorded;
- ``cap``: a second limit counted from the flag's own time (``24 hours from
  awareness``): the clock is due at whichever comes first, and says which binds.

Nothing here reads the clock: the start is given.
"""

from __future__ import annotations

import calendar
import csv
import functools
import io
import re
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

UNITS = ("hours", "days", "business_days", "months", "days_after_year_end", "none")
STATUSES = ("in force", "proposed")

REGIME_COLUMNS = ("key", "regime", "jurisdiction", "flags", "applies_when", "notify_whom", "deadline", "clock_start",
                  "counts_from", "unit", "amount", "due_time", "cap", "timezone", "holidays", "status", "citation",
                  "url", "notes")
FLAG_COLUMNS = ("flag", "label", "records", "facts")

#: The largest amount per unit: beyond it a row is a typing mistake.
_MAX_AMOUNT = {"hours": 24 * 366, "days": 3660, "business_days": 500, "months": 120, "days_after_year_end": 366}

#: What a flag may record besides its own time (the ``facts`` column of flags.csv
#: names which), in words for the clocks' explanations.
FACTS = {
    "classified_at": "classification as major",
    "affected": "individuals affected",
    "most_in_one_state": "residents of the most affected State or jurisdiction",
}
TIME_FACTS = ("classified_at",)
NUMBER_FACTS = ("affected", "most_in_one_state")
#: A number no larger than another: no State has more residents affected than there
#: are people affected.
_BOUNDED_BY = {"most_in_one_state": "affected"}
_OPS = {">": "more than {n}", ">=": "{n} or more", "<": "fewer than {n}", "<=": "{n} or fewer"}
_CONDITION = re.compile(r"^([a-z_]+)\s*(>=|<=|>|<)\s*([0-9]{1,9})$")
_CAP = re.compile(r"^([0-9]{1,4}) (hours|days) from (\S.*)$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
#: The European Union's member states (ISO 3166-1 alpha-2; Greece as EL too): a
#: regulator whose jurisdiction names one is notified of the EU's regimes.
EU_MEMBERS = frozenset("AT BE BG HR CY CZ DK EE FI FR DE GR EL HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
#: Other names of a jurisdiction a person may type.
_ALIASES = {"GB": "UK"}


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
    #: What else it may record (keys of :data:`FACTS`): ``classified_at``, ``affected``…
    facts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Facts:
    """What a flag recorded besides its time; None where not (yet) known."""

    classified_at: datetime | None = None
    affected: int | None = None
    most_in_one_state: int | None = None

    def get(self, name: str) -> Any:
        return getattr(self, name)

    def as_dict(self) -> dict[str, Any]:
        return {name: self.get(name) for name in FACTS}


@dataclass(frozen=True, slots=True)
class Condition:
    """One term of ``applies_when``: another flag the incident carries, or a number
    the flag records compared with a threshold."""

    flag: str = ""
    fact: str = ""
    op: str = ""
    value: int = 0

    def phrase(self) -> str:
        return self.flag if self.flag else _OPS[self.op].format(n=f"{self.value:,}")

    def holds(self, number: int) -> bool:
        return {">": number > self.value, ">=": number >= self.value, "<": number < self.value,
                "<=": number <= self.value}[self.op]


@dataclass(frozen=True, slots=True)
class Plan:
    """A regime's clock for one flag as the facts recorded make it: from when, due
    when, which limit binds, and the reasons in words."""

    start: datetime
    due: datetime | None
    #: The limit that sets the due time, in words ("24 hours from awareness"); "" for one limit.
    binds: str = ""
    basis: tuple[str, ...] = ()


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
    #: Whose law (``EU``, ``US``, ``US-NY``…): regulators of that jurisdiction are notified.
    jurisdiction: str = ""
    #: Conditions beyond the flag (all must hold).
    when: tuple[Condition, ...] = ()
    #: A time fact counted from when the flag records it (``classified_at``), or "".
    counts_from: str = ""
    #: The wall-clock time a business-day deadline falls due on its last day (17:30), or None: its end.
    due_time: time | None = None
    #: A second limit from the flag's own time: (amount, unit, what that time is), or None.
    cap: tuple[int, str, str] | None = None

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
        if self.unit == "days_after_year_end":
            return f"{self.amount} calendar day{'' if self.amount == 1 else 's'} after the end of the year"
        word = {"hours": "hour", "days": "calendar day", "business_days": "business day", "months": "month"}[self.unit]
        at = f" (at {self.due_time:%H:%M})" if self.due_time else ""
        return f"{self.amount} {word}{'' if self.amount == 1 else 's'}{at}"

    def due(self, start: datetime) -> datetime | None:
        """When this regime's clock started at ``start`` runs out (aware UTC), or None
        when it has no fixed deadline."""
        return due_at(self.unit, self.amount, start, zone=self.zone, calendar_code=self.holidays, at=self.due_time)

    def applies(self, facts: Facts = Facts(), present: frozenset[str] | set[str] = frozenset()
                ) -> tuple[bool, tuple[str, ...]]:
        """Whether this regime's clock runs for a flag with these ``facts`` on an
        incident carrying the flags ``present``, and why in words (a number not
        recorded is read the conservative way, and said)."""
        why: list[str] = []
        for c in self.when:
            if c.flag:
                if c.flag not in present:
                    return False, ()
                why.append(f"applies because the incident is also flagged {c.flag}")
                continue
            number = facts.get(c.fact)
            if number is None:
                bound = facts.get(_BOUNDED_BY[c.fact]) if c.fact in _BOUNDED_BY else None
                if c.op in ("<", "<=") or (bound is not None and not c.holds(bound)):
                    return False, ()          # the smaller case is never assumed; a bound may rule it out
                why.append(f"{FACTS[c.fact]} not recorded: applies as if {c.phrase()} (the conservative reading); "
                           "record the number to know")
                continue
            if not c.holds(number):
                return False, ()
            why.append(f"applies: {number:,} {FACTS[c.fact]} ({c.phrase()})")
        return True, tuple(why)

    def plan(self, flag_time: datetime, facts: Facts = Facts(),
             present: frozenset[str] | set[str] = frozenset()) -> Plan | None:
        """This regime's clock for a flag recorded at ``flag_time`` with ``facts``, or
        None when it does not apply (see :meth:`applies`)."""
        ok, why = self.applies(facts, present)
        if not ok:
            return None
        basis = list(why)
        counted = facts.get(self.counts_from) if self.counts_from else None
        if self.counts_from and counted is None and self.cap is None:
            basis.append(f"{FACTS[self.counts_from]} not recorded: counted from the flag's time, the earliest it "
                         "can be")
        start = counted or flag_time
        due = self.due(start)
        if self.cap is None or due is None:
            return Plan(start, due, "", tuple(basis))
        amount, unit, words = self.cap
        cap_due = due_at(unit, amount, flag_time, zone=self.zone)
        assert cap_due is not None
        limit = f"{amount} {unit} from {words}"
        mine = f"{self.period()} from {FACTS.get(self.counts_from, 'the start')}"
        if self.counts_from and counted is None:
            basis.append(f"{FACTS[self.counts_from]} not recorded: due {limit}; once recorded, {mine} if earlier")
            return Plan(flag_time, cap_due, limit, tuple(basis))
        if cap_due < due:
            basis.append(f"{limit} binds ({_utc(cap_due)}): earlier than {mine} ({_utc(due)})")
            return Plan(start, cap_due, limit, tuple(basis))
        basis.append(f"{mine} binds ({_utc(due)}); {limit} falls later ({_utc(cap_due)})")
        return Plan(start, due, mine, tuple(basis))

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "regime": self.name, "jurisdiction": self.jurisdiction, "flags": list(self.flags),
                "applies_when": [c.phrase() if c.flag else f"{c.fact}{c.op}{c.value}" for c in self.when],
                "notify_whom": self.notify_whom, "deadline": self.deadline, "clock_start": self.clock_start,
                "counts_from": self.counts_from or None, "unit": self.unit, "amount": self.amount,
                "due_time": f"{self.due_time:%H:%M}" if self.due_time else None,
                "cap": None if self.cap is None else f"{self.cap[0]} {self.cap[1]} from {self.cap[2]}",
                "timezone": self.timezone, "holidays": self.holidays or None,
                "status": self.status, "citation": self.citation, "url": self.url, "notes": self.notes}


def _utc(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


# -- due times ---------------------------------------------------------------------------

def due_at(unit: str, amount: int | None, start: datetime, *, zone: tzinfo = UTC,
           calendar_code: str = "", at: time | None = None) -> datetime | None:
    """The due time of a deadline of ``amount`` ``unit`` counted from ``start``
    (aware), in UTC; None for ``none``. ``at``: the wall-clock time a business-day
    deadline falls due on its last day (None: the end of that day). See the
    module's notes for each unit."""
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
        if at is not None:
            return _wall(day, at, zone)
        return _end_of(day, zone)
    if unit == "days_after_year_end":
        return _end_of(date(local.year, 12, 31) + timedelta(days=amount), zone)
    raise ValueError(f"unknown unit {unit!r}")


def _end_of(day: date, zone: tzinfo) -> datetime:
    """The last instant of ``day`` in ``zone`` (in UTC)."""
    return _wall(day + timedelta(days=1), time(0, 0), zone) - timedelta(microseconds=1)


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
        facts = tuple(f.strip() for f in row["facts"].split(";") if f.strip())
        unknown = [f for f in facts if f not in FACTS]
        if unknown:
            raise RegimeDataError(f"{name}, line {row['__line__']}: {key} records the unknown fact {unknown[0]!r} "
                                  f"(one of {', '.join(FACTS)}).")
        out[key] = Flag(key, row["label"].strip(), row["records"].strip(), facts)
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
        jurisdiction = row["jurisdiction"].strip()
        if not _JURISDICTION.match(jurisdiction):
            raise RegimeDataError(f"{where}: the jurisdiction {jurisdiction!r} is not a code such as EU, US or US-NY.")
        taken = set.intersection(*(set(flags[f].facts) for f in named))
        when = _conditions(where, key, row["applies_when"], flags, taken)
        counts_from = row["counts_from"].strip()
        if counts_from and (counts_from not in TIME_FACTS or counts_from not in taken):
            raise RegimeDataError(f"{where}: {key} counts from {counts_from!r}, a time its flags do not record.")
        due_time = _due_time(where, unit, row["due_time"].strip())
        cap = _cap(where, unit, row["cap"].strip())
        out.append(Regime(key, row["regime"].strip(), named, row["notify_whom"].strip(), row["deadline"].strip(),
                          row["clock_start"].strip(), unit, amount, zone, code, status, row["citation"].strip(),
                          url, row["notes"].strip(), jurisdiction, when, counts_from, due_time, cap))
    return tuple(out)


def _conditions(where: str, key: str, text: str, flags: dict[str, Flag], taken: set[str]) -> tuple[Condition, ...]:
    out = []
    for term in (t.strip() for t in text.split(";")):
        if not term:
            continue
        m = _CONDITION.match(term)
        if m:
            fact, op, value = m.group(1), m.group(2), int(m.group(3))
            if fact not in NUMBER_FACTS or fact not in taken:
                raise RegimeDataError(f"{where}: {key} applies when {fact!r} {op} {value}, a number its flags do "
                                      "not record.")
            out.append(Condition(fact=fact, op=op, value=value))
        elif term in flags:
            out.append(Condition(flag=term))
        else:
            raise RegimeDataError(f"{where}: {key} applies when {term!r}: neither a flag nor a number compared "
                                  "(affected>=500).")
    return tuple(out)


def _due_time(where: str, unit: str, text: str) -> time | None:
    if not text:
        return None
    m = _HHMM.match(text)
    if not m or unit != "business_days":
        raise RegimeDataError(f"{where}: a due time is HH:MM, for a business-day deadline only; found {text!r}.")
    return time(int(m.group(1)), int(m.group(2)))


def _cap(where: str, unit: str, text: str) -> tuple[int, str, str] | None:
    if not text:
        return None
    m = _CAP.match(text)
    if not m or unit == "none" or not 1 <= int(m.group(1)) <= _MAX_AMOUNT[m.group(2)]:
        raise RegimeDataError(f"{where}: a cap is 'N hours|days from WHAT' on a fixed deadline; found {text!r}.")
    return int(m.group(1)), m.group(2), m.group(3).strip()


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
    """The regimes a flag may start, in the data's order (some only with other
    flags or numbers: :meth:`Regime.applies`)."""
    return [r for r in regimes() if flag in r.flags]


def jurisdiction_codes(text: str | None) -> frozenset[str]:
    """The regime jurisdictions a stakeholder's free-text jurisdiction names:
    ``EU / BaFin`` → {EU}; ``DE`` → {EU} (a member state); ``US-NY`` → {US-NY};
    ``GB`` → {UK}. Case is forgiven; words that name none are ignored."""
    out = set()
    for word in re.split(r"[\s/,;()|]+", (text or "").upper()):
        word = _ALIASES.get(word, word)
        if word in EU_MEMBERS:
            out.add("EU")
        if _JURISDICTION.match(word):
            out.add(word)
    return frozenset(out)


def regime_jurisdictions() -> frozenset[str]:
    """The jurisdictions of the shipped regimes."""
    return frozenset(r.jurisdiction for r in regimes())


def parse_flag(text: str) -> Flag:
    """A flag by its key (``personal-data-eu``; case and ``_`` forgiven)."""
    key = " ".join(str(text).split()).lower().replace("_", "-")
    known = flags()
    if key not in known:
        raise InputError(f"There is no flag {text!r}. Flags: {', '.join(known)}.", field="flag")
    return known[key]
