"""The stakeholder matrix: for every audience and severity, whether it is told,
through which channels, how often, by whom and with which templates.

A cell's channels are *routes*: each route is an ordered chain whose first
channel is primary and the rest its failover ("slack>email"). A cell may hold
several routes, so one update goes to the status page and to Slack at once,
each with its own fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from warroom.domain import Severity, Status
from warroom.errors import InputError
from warroom.ids import uuid7
from warroom.services import access, incidents, outbox
from warroom.services.access import Action
from warroom.services.cadence import intervals_in, update_intervals
from warroom.services.stakeholders import register_of
from warroom.store import Store
from warroom.store.models import Audience, Channel, Exercise, MatrixCell, Person

Route = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CellView:
    audience: str
    severity: Severity
    told: bool
    routes: tuple[Route, ...]
    cadence: timedelta | None       # None: the severity's default interval
    owner: str | None
    template_audience: str | None   # None: the audience's own templates
    defined: bool                   # False: nobody has set this cell yet
    #: Owed only while the incident is customer-facing: an internal one owes this audience nothing.
    only_customer_facing: bool = False
    #: Key accounts of this audience are reached through their success manager's e-mail.
    via_success_manager: bool = False

    def owed(self, incident) -> bool:
        """Whether this audience is owed updates about ``incident`` (a row or a view)."""
        return self.told and bool(self.routes) and (incident.customer_facing or not self.only_customer_facing)

    @property
    def channels_text(self) -> str:
        return format_routes(self.routes)


def format_routes(routes) -> str:
    return ", ".join(">".join(route) for route in routes)


def parse_routes(text: str | list | tuple) -> tuple[Route, ...]:
    """``"statuspage>site, slack>email"`` -> (("statuspage", "site"), ("slack", "email"))."""
    if isinstance(text, (list, tuple)):
        raw = [list(r) if isinstance(r, (list, tuple)) else str(r).split(">") for r in text]
    else:
        raw = [part.split(">") for part in str(text).replace(";", ",").split(",") if part.strip()]
    routes: list[Route] = []
    for route in raw:
        names = tuple(n.strip().lower() for n in route if n.strip())
        if not names:
            continue
        if len(set(names)) != len(names):
            raise InputError(f"The route {'>'.join(names)!r} names a channel twice.", field="channels")
        routes.append(names)
    return tuple(routes)


def _default(audience: str, severity: Severity) -> CellView:
    return CellView(audience, severity, True, (), None, None, None, False)


def _cview(c: MatrixCell) -> CellView:
    return CellView(c.audience, Severity(c.severity), c.told, parse_routes(c.channels or []),
                    timedelta(seconds=c.cadence_s) if c.cadence_s else None, c.owner, c.template_audience, True,
                    bool(c.only_customer_facing), bool(c.via_success_manager))


def cell_in(session, audience: str, severity: Severity | str) -> CellView:
    sev = Severity.parse(severity)
    row = session.scalars(select(MatrixCell).where(MatrixCell.audience == audience,
                                                   MatrixCell.severity == sev.value)).first()
    return _cview(row) if row else _default(audience, sev)


def own_matrix(session, incident) -> list[dict] | None:
    """An exercise incident's own matrix (the scenario's, the only one it routes by), or
    None: a real incident, or an exercise started before exercises kept their own."""
    if not getattr(incident, "exercise", False):
        return None
    row = session.get(Exercise, incident.id)
    return None if row is None or row.matrix is None else list(row.matrix)


def _own_view(c: dict) -> CellView:
    return CellView(c["audience"], Severity(c["severity"]), bool(c.get("told", True)),
                    parse_routes(c.get("channels") or []),
                    timedelta(seconds=c["cadence_s"]) if c.get("cadence_s") else None, None, None, True)


def cells_at(session, incident, severity: Severity | str | None = None) -> list[CellView]:
    """Every cell set for the incident's routing at ``severity`` (its own by default):
    an exercise's own, else the database's."""
    sev = Severity.parse(severity or incident.severity)
    own = own_matrix(session, incident)
    if own is not None:
        return [_own_view(c) for c in own if c.get("severity") == sev.value]
    return [_cview(c) for c in session.scalars(select(MatrixCell).where(MatrixCell.severity == sev.value))]


def cell_for(session, incident, audience: str, severity: Severity | str | None = None) -> CellView:
    """The cell an incident routes ``audience`` by: for an exercise, its own matrix's
    (an audience it does not set goes nowhere), else the database's :func:`cell_in`."""
    sev = Severity.parse(severity or incident.severity)
    own = own_matrix(session, incident)
    if own is None:
        return cell_in(session, audience, sev)
    return next((_own_view(c) for c in own if c.get("audience") == audience and c.get("severity") == sev.value),
                _default(audience, sev))


def cell(store: Store, audience: str, severity: Severity | str) -> CellView:
    with store.read() as session:
        return cell_in(session, audience, severity)


def grid(store: Store) -> tuple[list[str], list[Severity], dict[tuple[str, Severity], CellView]]:
    """Audiences (rows), severities (columns) and every cell, set or not."""
    with store.read() as session:
        names = list(session.scalars(select(Audience.name).order_by(Audience.position, Audience.name)))
        cells = {(c.audience, Severity(c.severity)): _cview(c) for c in session.scalars(select(MatrixCell))}
    sevs = list(Severity)
    return names, sevs, {(a, s): cells.get((a, s)) or _default(a, s) for a in names for s in sevs}


_UNSET = object()


def set_cell(store: Store, actor: str, audience: str, severities: str | list, *, told: bool | None = None,
             channels=None, cadence: timedelta | None | object = _UNSET, owner: str | None | object = _UNSET,
             template_audience: str | None | object = _UNSET,
             only_customer_facing: bool | None = None,
             via_success_manager: bool | None = None) -> list[CellView]:
    """Change one or more cells (``severities`` "SEV1", "SEV1,SEV2" or "all").
    Only what is given changes; ``cadence=None`` and ``owner=None`` clear."""
    if isinstance(severities, str):
        parts = [p for p in severities.replace(" ", "").split(",") if p]
        sevs = list(Severity) if [p.lower() for p in parts] in (["all"], ["*"]) else [Severity.parse(p) for p in parts]
    else:
        sevs = [Severity.parse(s) for s in severities]
    if not sevs:
        raise InputError("Name the severities: SEV1, SEV1,SEV2 or all.")
    routes = parse_routes(channels) if channels is not None else None
    if cadence is not _UNSET and cadence is not None and cadence < timedelta(minutes=1):  # type: ignore[operator]
        raise InputError("An update cadence is at least a minute.", field="cadence")
    out: list[CellView] = []
    with store.write(actor) as tx:
        access.require(tx, Action.MATRIX)
        s = tx.session
        aud = audience.strip().lower()
        if s.scalars(select(Audience.id).where(Audience.name == aud)).first() is None:
            known = ", ".join(s.scalars(select(Audience.name).order_by(Audience.position)))
            raise InputError(f"Unknown audience {audience!r}: choose one of {known}.")
        if routes is not None:
            known_channels = set(s.scalars(select(Channel.name).where(Channel.state != "removed",
                                                                      Channel.exercise_id.is_(None))))
            missing = sorted({n for r in routes for n in r} - known_channels)
            drills = sorted(n for n in missing if "~" in n)
            if drills:      # an exercise's simulated channel: a real incident never routes to it
                raise InputError(f"{', '.join(drills)} belongs to an exercise: the matrix routes real "
                                 "incidents to real channels only.", field="channels")
            if missing:
                raise InputError(f"No channel named {', '.join(missing)}: add it among the channels first, "
                                 f"or choose among {', '.join(sorted(known_channels)) or 'none yet'}.", field="channels")
        if owner is not _UNSET and owner:
            if s.scalars(select(Person.id).where(Person.name == owner)).first() is None:
                raise InputError(f"{owner!r} is not in the people register: add them first, or check the spelling.", field="owner")
        if template_audience is not _UNSET and template_audience:
            template_audience = str(template_audience).strip().lower()
            if s.scalars(select(Audience.id).where(Audience.name == template_audience)).first() is None:
                raise InputError(f"Unknown template audience {template_audience!r}.", field="template_audience")
        for sev in sevs:
            row = s.scalars(select(MatrixCell).where(MatrixCell.audience == aud,
                                                     MatrixCell.severity == sev.value)).first()
            if row is None:
                row = MatrixCell(id=uuid7(), audience=aud, severity=sev.value, told=True, channels=[],
                                 cadence_s=None, owner=None, template_audience=None, only_customer_facing=False,
                                 via_success_manager=False, updated_at=tx.now)
                s.add(row)
            if told is not None:
                row.told = bool(told)
            if routes is not None:
                row.channels = [list(r) for r in routes]
            if cadence is not _UNSET:
                row.cadence_s = int(cadence.total_seconds()) if cadence else None  # type: ignore[union-attr]
            if owner is not _UNSET:
                row.owner = owner or None  # type: ignore[assignment]
            if template_audience is not _UNSET:
                row.template_audience = template_audience or None  # type: ignore[assignment]
            if only_customer_facing is not None:
                row.only_customer_facing = bool(only_customer_facing)
            if via_success_manager is not None:
                row.via_success_manager = bool(via_success_manager)
            row.updated_at = tx.now
            tx.record("matrix.changed", {"audience": aud, "severity": sev.value, "told": row.told,
                                         "channels": row.channels, "cadence_s": row.cadence_s,
                                         "owner": row.owner, "template_audience": row.template_audience,
                                         "only_customer_facing": bool(row.only_customer_facing),
                                         "via_success_manager": bool(row.via_success_manager),
                                         "cell_id": row.id})
            out.append(_cview(row))
    return out


@dataclass(frozen=True, slots=True)
class PlanRow:
    """What one audience gets for one incident, as ``matrix show INCIDENT`` prints."""

    audience: str
    cell: CellView
    cadence: timedelta
    last_update_at: datetime | None
    next_due: datetime | None
    #: Per channel of the routes: (name, kind, state, recipients, missing contacts)
    channels: tuple[tuple[str, str, str, int, int], ...]


@dataclass(frozen=True, slots=True)
class Due:
    """When an audience is owed its next update for an incident."""

    audience: str
    at: datetime
    cadence: timedelta
    last_update_at: datetime | None


def next_update_at(session, incident, audience: str, now: datetime) -> datetime | None:
    """What an update published now promises its audience: a full cadence from now
    (the audience's in the matrix, else the severity's), or nothing once resolved."""
    if Status(incident.status) == Status.RESOLVED:
        return None
    every = cell_for(session, incident, audience).cadence or \
        intervals_in(session)[Severity.parse(incident.severity)]
    return now + every


class Dues(list):
    """What is owed, soonest first; ``unowed``: audiences the matrix routes at this
    severity but excuses because the incident is internal (for the countdown to say);
    ``settled``: why nothing at all is owed (see :func:`warroom.services.reminders.settled`)."""

    unowed: tuple[str, ...] = ()
    settled: str | None = None

    def __init__(self, items=(), *, settled: str | None = None) -> None:
        super().__init__(items)
        if settled is not None:
            self.settled = settled


def dues_in(session, inc, intervals: dict[Severity, timedelta]) -> Dues:
    """Soonest first: every audience the matrix tells through a channel at the
    incident's severity, due its cell's cadence (else the severity's) after the
    last update published to it, or after the declaration. Empty for a resolved
    incident, or when the matrix routes nobody at this severity."""
    if Status(inc.status) == Status.RESOLVED:
        return Dues()
    last = outbox.last_published(session, inc.id)
    out = []
    unowed = []
    for view in cells_at(session, inc):
        if not view.told:
            continue
        if not view.owed(inc):
            if view.routes and view.only_customer_facing:
                unowed.append(view.audience)
            continue  # no channel, or an internal incident this audience is not owed
        every = view.cadence or intervals[view.severity]
        when = last.get(view.audience)
        out.append(Due(view.audience, (when or inc.declared_at) + every, every, when))
    dues = Dues(sorted(out, key=lambda d: (d.at, d.audience)))
    dues.unowed = tuple(sorted(unowed))
    return dues


def update_dues(store: Store, incident_id, *, viewer: str) -> list[Due]:
    """:func:`dues_in` for one incident: what the window's countdown counts down to."""
    inc = incidents.get(store, incident_id, viewer=viewer)
    intervals = update_intervals(store)
    with store.read() as session:
        return dues_in(session, inc, intervals)


def plan(store: Store, incident_id, *, viewer: str) -> list[PlanRow]:
    """Who will get what for this incident, given its severity now."""
    inc = incidents.get(store, incident_id, viewer=viewer)
    intervals = update_intervals(store)
    rows: list[PlanRow] = []
    with store.read() as session:
        names = list(session.scalars(select(Audience.name).order_by(Audience.position, Audience.name)))
        last = outbox.last_published(session, inc.id)
        channels = {c.name: c for c in session.scalars(select(Channel).where(Channel.state != "removed"))}
        mine = register_of(session, inc)       # whose stakeholders it addresses
        for name in names:
            c = cell_for(session, inc, name)
            every = c.cadence or intervals[inc.severity]
            when = last.get(name)
            due = (when or inc.declared_at) + every if c.owed(inc) else None
            chans = []
            for ch_name in dict.fromkeys(n for r in c.routes for n in r):
                ch = channels.get(ch_name)
                if ch is None:
                    chans.append((ch_name, "?", "missing", 0, 0))
                    continue
                have, missing = outbox.recipient_counts(session, ch.kind, name, exercise=mine)
                chans.append((ch_name, ch.kind, ch.state if ch.enabled else "disabled", have, missing))
            rows.append(PlanRow(name, c, every, when, due, tuple(chans)))
    return rows
