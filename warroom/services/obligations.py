"""Regulatory flags on an incident and the clocks they start.

The incident's commander (or an incident commander: :attr:`Action.EDIT_INCIDENT`)
flags an incident — personal data of people in the EU, a material cybersecurity
incident of an SEC registrant, a NIS2 entity's significant incident… — and records
the awareness or determination time that starts each regime's clock (now by
default; never in the future). Some flags record more (flags.csv's ``facts``):
a DORA flag the time the incident was classified as major, a US health-data flag
how many individuals are affected in all and in the most affected State. Which
regimes a flag starts, and on what conditions, is data
(:mod:`warroom.services.regimes`). Each change is one journal event, applied on
other laptops by :mod:`warroom.sync.apply_obligations`.

Each clock names the regulators stakeholders (the ``regulators`` audience) whose
jurisdiction matches its regime's, so the commander and the regulators drafts know
whom to notify.

A clock is met by an update published to the regulators audience at or after its
start and no later than its due time: the clocks a flag starts, taken by due time,
are answered by that audience's published updates in the order they went out
(the early warning, then the notification, then the final report).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import UTC
from warroom.errors import InputError, NotFound
from warroom.exercise.stamp import now_for
from warroom.ids import uuid7
from warroom.services import access, incidents, regimes
from warroom.services.access import Action
from warroom.services.regimes import Facts, Flag, Regime
from warroom.services.stakeholders import in_register, register_of, shown_name
from warroom.store import Store
from warroom.store.models import Draft, Incident, IncidentFlag, Stakeholder
from warroom.text.timeparse import parse_when

#: The audience whose updates answer a regulator's clock (and always need legal review).
REGULATORS = "regulators"
#: A clock start this far back is a typing mistake (a year).
MAX_BACKDATE = timedelta(days=366)
#: More individuals than this is a typing mistake (more than live on Earth).
MAX_PEOPLE = 10_000_000_000


@dataclass(frozen=True, slots=True)
class FlagView:
    flag: Flag
    started_at: datetime
    set_by: str
    set_at: datetime
    facts: Facts = Facts()

    def as_dict(self) -> dict[str, Any]:
        return {"flag": self.flag.key, "label": self.flag.label, "records": self.flag.records,
                "started_at": self.started_at, "set_by": self.set_by, "set_at": self.set_at,
                **{name: self.facts.get(name) for name in self.flag.facts}}


@dataclass(frozen=True, slots=True)
class ClockView:
    """One regime's clock on one incident, as of ``now``."""

    regime: Regime
    flag: str
    start: datetime
    #: None for "without undue delay" regimes: shown, with no countdown.
    due: datetime | None
    now: datetime
    #: When the regulators update that answers this clock was published, if one was.
    answered_at: datetime | None = None
    #: The limit that sets ``due`` when there are two ("24 hours from awareness"), else "".
    binds: str = ""
    #: Why it applies and how it was counted, in words (assumptions said).
    basis: tuple[str, ...] = ()
    #: The flag's own time when the clock counts from another (a DORA classification).
    flag_time: datetime | None = None
    #: The regulators stakeholders whose jurisdiction is the regime's.
    regulators: tuple[str, ...] = ()

    @property
    def left(self) -> timedelta | None:
        """Time left (negative when overdue); None with no fixed deadline."""
        return None if self.due is None else self.due - self.now

    @property
    def state(self) -> str:
        """``met``, ``missed`` (answered late, or not at all and overdue), ``late``
        (sent after the due time), ``running`` or ``no deadline``."""
        if self.due is None:
            return "sent" if self.answered_at is not None else "no deadline"
        if self.answered_at is not None:
            return "met" if self.answered_at <= self.due else "late"
        return "overdue" if self.now > self.due else "running"

    def due_local(self) -> datetime | None:
        return None if self.due is None else self.due.astimezone(self.regime.zone)

    def as_dict(self) -> dict[str, Any]:
        left = self.left
        return {"regime": self.regime.name, "key": self.regime.key, "flag": self.flag,
                "jurisdiction": self.regime.jurisdiction, "notify": self.regime.notify_whom,
                "regulators": list(self.regulators), "deadline": self.regime.deadline,
                "period": self.regime.period(), "flag_time": self.flag_time or self.start, "start": self.start,
                "due": self.due, "due_local": self.due_local().isoformat() if self.due is not None else None,
                "timezone": self.regime.timezone, "binds": self.binds or None, "basis": list(self.basis),
                "seconds_left": None if left is None else int(left.total_seconds()),
                "state": self.state, "answered_at": self.answered_at, "citation": self.regime.citation,
                "url": self.regime.url, "status": self.regime.status, "notes": self.regime.notes}


def clocks_of(flag: str, start: datetime, facts: Facts, present: set[str] | frozenset[str], now: datetime
              ) -> list[ClockView]:
    """The clocks one flag recorded at ``start`` with ``facts`` starts on an incident
    carrying the flags ``present``: those that apply (:meth:`Regime.plan`)."""
    out = []
    for r in regimes.started_by(flag):
        plan = r.plan(start, facts, present)
        if plan is not None:
            out.append(ClockView(r, flag, plan.start, plan.due, now, binds=plan.binds, basis=plan.basis,
                                 flag_time=start))
    return out


def event_facts(flag: str, payload: Mapping[str, Any], as_time: Callable[[Any], datetime]) -> Facts:
    """The facts an ``obligation.flagged`` or ``.start_changed`` event carries. An
    event written before flags recorded facts carries none: a DORA flag's time was
    then its classification as major, and is read so."""
    known = regimes.flags().get(flag)
    takes = known.facts if known is not None else ()
    given = payload.get("facts")
    if not isinstance(given, Mapping):
        return Facts(classified_at=as_time(payload["started_at"])) if "classified_at" in takes else Facts()
    at = given.get("classified_at")
    return Facts(classified_at=as_time(at) if at and "classified_at" in takes else None,
                 affected=_count(given.get("affected")) if "affected" in takes else None,
                 most_in_one_state=_count(given.get("most_in_one_state")) if "most_in_one_state" in takes else None)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _facts_payload(flag: Flag, facts: Facts) -> dict[str, Any]:
    return {name: facts.get(name) for name in flag.facts}


def format_left(left: timedelta | None) -> str:
    """``2d 03h left``, ``5h 10m overdue``, or ``no deadline``."""
    if left is None:
        return "no deadline"
    seconds = abs(int(left.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    text = f"{days}d {hours:02d}h" if days else f"{hours}h {minutes:02d}m"
    return f"{text} {'left' if left.total_seconds() >= 0 else 'overdue'}"


# -- reading ------------------------------------------------------------------------------

def list_flags(store: Store, incident: str | uuid.UUID, *, viewer: str) -> list[FlagView]:
    """The incident's flags in the order of the flags file."""
    with store.read() as session:
        row = incidents.find(session, incident, viewer)
        return _flags(session, row)


def _flags(session: Session, row: Incident) -> list[FlagView]:
    known = regimes.flags()
    order = {key: n for n, key in enumerate(known)}
    found = session.scalars(select(IncidentFlag).where(IncidentFlag.incident_id == row.id))
    views = [FlagView(known[f.flag], f.started_at, f.set_by, f.set_at,
                      Facts(f.classified_at, f.affected, f.most_in_one_state)) for f in found if f.flag in known]
    return sorted(views, key=lambda v: order[v.flag.key])


def clocks(store: Store, incident: str | uuid.UUID, *, viewer: str, now: datetime | None = None) -> list[ClockView]:
    """Every clock the incident's flags start, soonest due first (those with no fixed
    deadline last), as of ``now`` (the incident's clock: an exercise's simulated time)."""
    with store.read() as session:
        row = incidents.find(session, incident, viewer)
        at = now or now_for(session, row.id, store.clock.now())
        return clocks_in(session, row, at)


def clocks_in(session: Session, row: Incident, now: datetime) -> list[ClockView]:
    """:func:`clocks` in a session the caller has checked (the retrospective's)."""
    published = list(session.scalars(
        select(Draft.published_at).where(Draft.incident_id == row.id, Draft.audience == REGULATORS,
                                         Draft.published_at.is_not(None)).order_by(Draft.published_at)))
    flagged = _flags(session, row)
    present = {fv.flag.key for fv in flagged}
    out: list[ClockView] = []
    for fv in flagged:
        out.extend(pair_with_updates(clocks_of(fv.flag.key, fv.started_at, fv.facts, present, now), published))
    if out:
        mine = register_of(session, row)        # an exercise's regulators are its scenario's
        register = [(shown_name(s.name, s.exercise_id), regimes.jurisdiction_codes(s.jurisdiction))
                    for s in session.scalars(select(Stakeholder).where(Stakeholder.audience == REGULATORS,
                                                                       in_register(mine)).order_by(Stakeholder.name))]
        out = [replace(c, regulators=tuple(name for name, codes in register if c.regime.jurisdiction in codes))
               for c in out]
    return by_due(out)


def by_due(items: list[ClockView]) -> list[ClockView]:
    """Soonest due first; those with no fixed deadline last."""
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(items, key=lambda c: (c.due is None, c.due or far, c.regime.name))


def pair_with_updates(mine: list[ClockView], published: list[datetime]) -> list[ClockView]:
    """Pair one flag's clocks, by due time, with the regulators updates published
    since each started, in the order they went out."""
    used: set[int] = set()
    out = []
    for clock in by_due(mine):
        hit = next((i for i, at in enumerate(published) if i not in used and at >= clock.start), None)
        if hit is not None:
            used.add(hit)
            clock = replace(clock, answered_at=published[hit])
        out.append(clock)
    return out


# -- changing ------------------------------------------------------------------------------

def parse_start(value: datetime | str | None, now: datetime) -> datetime:
    """The clock start: ``now`` when not given; a time in the past, at most a year ago."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return now
    if isinstance(value, str):
        try:
            at = parse_when(value, now=now)
        except InputError as exc:
            raise InputError(f"{exc} The clock start is when you became aware (or determined it).",
                             field="at") from None
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError("The clock start has no time zone.", field="at")
        at = value
    else:
        raise InputError(f"A clock start is a time, not {type(value).__name__}.", field="at")
    at = at.astimezone(UTC)
    if at > now + timedelta(seconds=1):
        raise InputError(f"The clock start {at:%Y-%m-%d %H:%M} UTC is in the future: a clock starts when you "
                         "became aware, which has already happened.", field="at")
    if at < now - MAX_BACKDATE:
        raise InputError(f"The clock start {at:%Y-%m-%d} is more than a year ago: check the year.", field="at")
    return min(at, now)


def flag(store: Store, actor: str, incident: str | uuid.UUID, key: str, *,
         at: datetime | str | None = None, classified: datetime | str | None = None,
         affected: int | str | None = None, most_in_one_state: int | str | None = None) -> FlagView:
    """Flag an incident and record when its clocks start (now by default), and what
    else the flag records where it takes it: ``classified`` (when a DORA incident
    was classified as major; the flag's time is awareness), ``affected`` and
    ``most_in_one_state`` (a US health-data breach's individuals, in all and in the
    most affected State). Flagging again changes the start; a fact not given keeps
    what was recorded (the journal keeps the old values)."""
    f = regimes.parse_flag(key)
    given = {"classified_at": classified, "affected": affected, "most_in_one_state": most_in_one_state}
    for name, value in given.items():
        if value is not None and name not in f.facts:
            option = {"classified_at": "classification time"}.get(name, "number of " + regimes.FACTS[name])
            takers = [x.key for x in regimes.flags().values() if name in x.facts]
            raise InputError(f"The flag {f.key} records no {option} (only {', '.join(takers)} does).",
                             field="classified" if name == "classified_at" else name)
    with store.write(actor) as tx:
        row = incidents.find_row(tx.session, incident)
        access.require(tx, Action.EDIT_INCIDENT, row)
        existing = tx.session.scalars(select(IncidentFlag).where(IncidentFlag.incident_id == row.id,
                                                                 IncidentFlag.flag == f.key)).first()
        start = parse_start(at, tx.now) if at is not None or existing is None else existing.started_at
        before = Facts() if existing is None else Facts(existing.classified_at, existing.affected,
                                                        existing.most_in_one_state)
        facts = Facts(
            _classified(classified, start, tx.now) if classified is not None else before.classified_at,
            _people(affected, "affected") if affected is not None else before.affected,
            _people(most_in_one_state, "most_in_one_state") if most_in_one_state is not None
            else before.most_in_one_state)
        _check_facts(facts, start)
        if existing is None:
            existing = IncidentFlag(id=uuid7(), incident_id=row.id, flag=f.key, started_at=start, set_by=actor,
                                    set_at=tx.now, classified_at=facts.classified_at, affected=facts.affected,
                                    most_in_one_state=facts.most_in_one_state)
            tx.session.add(existing)
            tx.record("obligation.flagged", {"flag_id": existing.id, "flag": f.key, "started_at": start,
                                             "facts": _facts_payload(f, facts)}, incident_id=row.id)
        elif existing.started_at != start or facts != before:
            was = existing.started_at
            existing.started_at, existing.set_by, existing.set_at = start, actor, tx.now
            existing.classified_at, existing.affected = facts.classified_at, facts.affected
            existing.most_in_one_state = facts.most_in_one_state
            tx.record("obligation.start_changed", {"flag_id": existing.id, "flag": f.key, "from": was,
                                                    "started_at": start, "facts": _facts_payload(f, facts)},
                      incident_id=row.id)
        tx.session.flush()
        return FlagView(f, existing.started_at, existing.set_by, existing.set_at, facts)


def _classified(value: datetime | str, start: datetime, now: datetime) -> datetime:
    try:
        return parse_start(value, now)
    except InputError as exc:
        raise InputError(str(exc).replace("The clock start", "The classification").replace(
            "a clock starts when you became aware", "an incident is classified when it is"), field="classified") \
            from None


def _people(value: int | str, name: str) -> int:
    text = str(value).strip().replace(",", "").replace("_", "") if not isinstance(value, int) else str(value)
    if isinstance(value, bool) or not text.isascii() or not text.isdigit() or int(text) > MAX_PEOPLE:
        raise InputError(f"The number of {regimes.FACTS[name]} is a whole number (e.g. 1200); found {value!r}.",
                         field=name)
    return int(text)


def _check_facts(facts: Facts, start: datetime) -> None:
    if facts.classified_at is not None and facts.classified_at < start:
        raise InputError(f"The classification ({facts.classified_at:%Y-%m-%d %H:%M} UTC) is before awareness "
                         f"({start:%Y-%m-%d %H:%M} UTC), the flag's time: an incident is classified after the "
                         "entity became aware of it.", field="classified")
    if None not in (facts.affected, facts.most_in_one_state) and facts.most_in_one_state > facts.affected:
        raise InputError(f"{facts.most_in_one_state:,} residents of one State is more than the {facts.affected:,} "
                         "individuals affected in all.", field="most_in_one_state")


def unflag(store: Store, actor: str, incident: str | uuid.UUID, key: str) -> None:
    """Take a flag off an incident: its clocks no longer show (the journal keeps them)."""
    f = regimes.parse_flag(key)
    with store.write(actor) as tx:
        row = incidents.find_row(tx.session, incident)
        access.require(tx, Action.EDIT_INCIDENT, row)
        existing = tx.session.scalars(select(IncidentFlag).where(IncidentFlag.incident_id == row.id,
                                                                 IncidentFlag.flag == f.key)).first()
        if existing is None:
            raise NotFound(f"{row.ref} is not flagged {f.key}.", field="flag")
        tx.record("obligation.unflagged", {"flag_id": existing.id, "flag": f.key,
                                           "started_at": existing.started_at}, incident_id=row.id)
        tx.session.delete(existing)
