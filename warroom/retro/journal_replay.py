"""The journal of one incident read back: its events, and the policy in force at any
moment (severity, cadence per severity, the matrix's cells, resolved or not). An
exercise's cells are its scenario's own, from its ``exercise.started`` event.

Everything here comes from journal events and their ``at``: never from the current
tables, never from the wall clock. An exercise's events carry the exercise's
simulated time as their ``at``, so the same code reads both.
"""

from __future__ import annotations

import bisect
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from warroom.domain import DEFAULT_UPDATE_INTERVALS, Severity
from warroom.store.models import JournalEvent

#: Events that are not about one incident but change the cadence an incident owes.
POLICY_KINDS = ("policy.interval_set", "matrix.changed")


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    kind: str
    actor: str
    payload: dict[str, Any]


def parse_time(value: Any) -> datetime | None:
    """A time as the journal's canonical JSON writes it (``…Z``), aware UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _event(row) -> Event:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        payload = {}
    return Event(row.at, row.kind, row.actor, payload if isinstance(payload, dict) else {})


def incident_events(session, incident_id: uuid.UUID) -> list[Event]:
    """The incident's events that the figures read: timeline entries (the bulk of a long
    incident) are left in the database; :func:`last_event_at` says how far the record runs."""
    rows = session.execute(select(JournalEvent.at, JournalEvent.kind, JournalEvent.actor, JournalEvent.payload)
                           .where(JournalEvent.incident_id == incident_id, JournalEvent.kind.not_like("timeline.%"))
                           .order_by(JournalEvent.at, JournalEvent.device_id, JournalEvent.seq)).all()
    return [_event(r) for r in rows]


def last_event_at(session, incident_id: uuid.UUID) -> datetime | None:
    """When the incident's record ends so far: its last event of any kind."""
    return session.scalar(select(func.max(JournalEvent.at)).where(JournalEvent.incident_id == incident_id))


def policy_events(session, until: datetime) -> list[Event]:
    rows = session.execute(select(JournalEvent.at, JournalEvent.kind, JournalEvent.actor, JournalEvent.payload)
                           .where(JournalEvent.kind.in_(POLICY_KINDS), JournalEvent.at <= until)
                           .order_by(JournalEvent.at, JournalEvent.device_id, JournalEvent.seq)).all()
    return [_event(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Cell:
    """One matrix cell as the journal last set it."""

    told: bool = True
    routed: bool = False
    cadence_s: int | None = None
    only_customer_facing: bool = False


@dataclass(frozen=True, slots=True)
class State:
    """What was in force for the incident from one moment on."""

    severity: str
    intervals: dict[str, int]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    customer_facing: bool = False
    resolved: bool = False
    #: An exercise routes by its scenario's own matrix: the database's changes do not reach it.
    own_matrix: bool = False

    def cadence_s(self, audience: str) -> int | None:
        """The update interval owed to ``audience`` now, or None (resolved: nothing owed)."""
        if self.resolved:
            return None
        cell = self.cells.get((audience, self.severity))
        if cell is not None and cell.cadence_s:
            return cell.cadence_s
        return self.intervals.get(self.severity)

    def owed(self, audience: str) -> bool:
        cell = self.cells.get((audience, self.severity))
        return (cell is not None and cell.told and cell.routed and not self.resolved
                and (self.customer_facing or not cell.only_customer_facing))


class PolicyTimeline:
    """The :class:`State` in force at any moment of the incident."""

    def __init__(self, opened: Event, incident: list[Event], policy: list[Event]) -> None:
        intervals = {s.value: int(d.total_seconds()) for s, d in DEFAULT_UPDATE_INTERVALS.items()}
        state = State(str(opened.payload.get("severity") or Severity.SEV3.value), intervals,
                      customer_facing=bool(opened.payload.get("customer_facing")))
        # Policy set before the incident was declared is its starting point.
        merged = sorted([(e.at, 0, i, e) for i, e in enumerate(policy)] +
                        [(e.at, 1, i, e) for i, e in enumerate(incident)], key=lambda t: t[:3])
        self.times: list[datetime] = []
        self.states: list[State] = []
        self.initial: State = state
        for at, _order, _i, e in merged:
            if at <= opened.at:
                state = self.initial = _apply(state, e, starting=True)
                continue
            new = _apply(state, e)
            if new != state:
                state = new
                self.times.append(at)
                self.states.append(state)

    def at(self, when: datetime) -> State:
        i = bisect.bisect_right(self.times, when)
        return self.initial if i == 0 else self.states[i - 1]

    def pieces(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime, State]]:
        """The states in force over [start, end], each with the span it held."""
        out: list[tuple[datetime, datetime, State]] = []
        lo = bisect.bisect_right(self.times, start)
        hi = bisect.bisect_left(self.times, end)
        edges = [start] + self.times[lo:hi] + [end]
        for a, b in zip(edges, edges[1:]):
            if b > a or not out:
                out.append((a, b, self.at(a)))
        return out

    def ever_owed(self, audience: str) -> bool:
        return self.initial.owed(audience) or any(s.owed(audience) for s in self.states)

    def audiences_routed(self) -> set[str]:
        names = {a for (a, _s) in self.initial.cells}
        for s in self.states:
            names |= {a for (a, _sev) in s.cells}
        return names


def _apply(state: State, e: Event, *, starting: bool = False) -> State:
    p = e.payload
    if e.kind == "policy.interval_set":
        sev, new = p.get("severity"), p.get("new_s")
        if isinstance(sev, str) and isinstance(new, int):
            return replace(state, intervals={**state.intervals, sev: new})
    elif e.kind == "exercise.started" and isinstance(p.get("matrix"), list):
        cells = {(str(c.get("audience")), str(c.get("severity"))):
                 Cell(bool(c.get("told", True)), bool(c.get("channels")),
                      c.get("cadence_s") if isinstance(c.get("cadence_s"), int) else None)
                 for c in p["matrix"] if isinstance(c, dict)}
        return replace(state, cells=cells, own_matrix=True)
    elif e.kind == "matrix.changed" and not state.own_matrix:
        aud, sev = p.get("audience"), p.get("severity")
        if isinstance(aud, str) and isinstance(sev, str):
            cell = Cell(bool(p.get("told", True)), bool(p.get("channels")),
                        p.get("cadence_s") if isinstance(p.get("cadence_s"), int) else None,
                        bool(p.get("only_customer_facing")))
            return replace(state, cells={**state.cells, (aud, sev): cell})
    elif starting:
        return state
    elif e.kind == "incident.severity_changed" and isinstance(p.get("to"), str):
        return replace(state, severity=p["to"])
    elif e.kind == "incident.status_changed":
        return replace(state, resolved=p.get("to") == "resolved")
    elif e.kind == "incident.reopened":
        return replace(state, resolved=False)
    elif e.kind == "incident.updated":
        change = (p.get("changes") or {}).get("customer_facing")
        if isinstance(change, list) and len(change) == 2:
            return replace(state, customer_facing=bool(change[1]))
    return state


def seconds(delta: timedelta) -> int | float:
    """A duration as a number of seconds: whole when it is, else to the millisecond."""
    s = delta.total_seconds()
    return int(s) if s == int(s) else round(s, 3)
