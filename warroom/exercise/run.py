"""Running an exercise: start it from a scenario, move its clock, fire its injects,
end it.

An exercise plays with the scenario's own channels, stakeholders and matrix, never
the database's: its channels and stakeholders are made for it alone
(:func:`warroom.services.channels.exercise_name`,
:func:`warroom.services.stakeholders.exercise_name`, scoped to its incident) and its
matrix is kept on its row (:func:`warroom.services.matrix.cell_for`), so two
exercises in one database, of the same scenario or not, never share a channel or a
stakeholder, a real incident never routes to one nor addresses one, and the
exercise addresses none of the real register.
A channel going down is a simulated vendor outage that the dispatcher meets as a real
one. An inject that cannot be played is recorded as failed, with its reason.

Every change here is a journal event written after a permission check
(:data:`Action.EXERCISE`: the facilitator), so an exercise travels over team sync
and bundles like any incident. Injects are one more caller of the ordinary
services (timeline, incidents, channels, people), as the System actor or the
scenario's named player, so the same rules hold. An inject is marked fired in the
same transaction as its effect (:meth:`warroom.store.Store.joined`): it fires
exactly once, whoever reads the clock first, also across a crash.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from warroom.clock import SimulatedClock
from warroom.domain import REVIEW_ROLES, EntryKind, Severity
from warroom.errors import InputError, NotFound, WarroomError
from warroom.exercise.clock import ClockState, check_speed
from warroom.exercise.scenario import Scenario
from warroom.exercise.stamp import EXERCISE_CLOCK, state_of
from warroom.services import access, channels, incidents, inquiries, people, reviewers, stakeholders, timeline
from warroom.services.access import SYSTEM, Action
from warroom.services.review_rules import review_window
from warroom.store import Store
from warroom.store.models import Audience, Delivery, Exercise, Person

log = logging.getLogger(__name__)

DONE, NEXT, UPCOMING = "done", "next", "upcoming"


class AlreadyFired(WarroomError):
    """Another reader of the clock fired this inject first: this attempt wrote nothing."""


@dataclass(frozen=True, slots=True)
class InjectView:
    index: int
    offset_s: int
    kind: str
    text: str
    state: str          # done | next | upcoming
    detail: dict[str, Any]
    #: Why a done inject could not be played (None: it was played).
    failed: str | None = None


@dataclass(frozen=True, slots=True)
class ExerciseView:
    """An exercise as its facilitator sees it, at one moment."""

    incident_id: uuid.UUID
    ref: str
    title: str
    scenario: str
    digest: str
    facilitator: str
    sim_start: datetime
    sim_now: datetime
    speed: int
    paused: bool
    ended_at: datetime | None
    injects: tuple[InjectView, ...]
    targets: dict[str, Any]
    #: The scenario's channel names -> this exercise's own channels (as the outbox names them).
    channels: dict[str, str] = field(default_factory=dict)

    @property
    def elapsed_s(self) -> int:
        return int((self.sim_now - self.sim_start).total_seconds())

    @property
    def state(self) -> str:
        return "ended" if self.ended_at else "paused" if self.paused else f"running ×{self.speed}"

    @property
    def next_inject(self) -> InjectView | None:
        return next((i for i in self.injects if i.state == NEXT), None)

    def as_json(self) -> dict[str, Any]:
        return {"incident": self.ref, "incident_id": str(self.incident_id), "title": self.title,
                "scenario": self.scenario, "digest": self.digest, "facilitator": self.facilitator,
                "sim_start": self.sim_start.isoformat(), "sim_now": self.sim_now.isoformat(),
                "elapsed_s": self.elapsed_s, "speed": self.speed, "paused": self.paused,
                "ended_at": self.ended_at.isoformat() if self.ended_at else None, "state": self.state,
                "injects": [{"index": i.index, "offset_s": i.offset_s, "kind": i.kind, "text": i.text,
                             "state": i.state, "failed": i.failed} for i in self.injects],
                "targets": self.targets, "channels": self.channels}


def _view(row: Exercise, ref: str, title: str, real_now: datetime) -> ExerciseView:
    failed = dict(row.failed or {})
    injects = tuple(InjectView(i, int(j["offset_s"]), j["kind"], j.get("text") or "",
                               DONE if i < row.next_inject else NEXT if i == row.next_inject else UPCOMING,
                               {k: v for k, v in j.items() if k not in ("offset_s", "kind", "text", "index")},
                               failed.get(str(i)))
                    for i, j in enumerate(row.injects or []))
    return ExerciseView(row.incident_id, ref, title, row.scenario_name, row.scenario_digest, row.facilitator,
                        row.sim_start, state_of(row).now(real_now), row.speed, row.paused, row.ended_at, injects,
                        dict(row.targets or {}), _own_channels(row))


def _own_channels(row: Exercise) -> dict[str, str]:
    mine = (row.owned or {}).get("channels") or {}
    return dict(mine) if isinstance(mine, dict) else {}


def _exercise_row(session, incident) -> Exercise:
    row = session.get(Exercise, incident.id)
    if row is None:
        raise NotFound(f"{incident.ref} is not a running exercise (it has no exercise clock).", field="incident")
    return row


def get(store: Store, key: str | uuid.UUID, *, viewer: str) -> ExerciseView:
    with store.read() as session:
        inc = incidents.find(session, key, viewer)
        return _view(_exercise_row(session, inc), inc.ref, inc.title, store.real_clock.now())


def status(store: Store, key: str | uuid.UUID, *, viewer: str) -> ExerciseView:
    """The exercise as its clock stands now, after firing every inject that fell due:
    what the command line shows when asked (a clock read is when injects fire)."""
    incident_id = incidents.resolve_id(store, key, viewer=viewer)
    fire_due(store, incident_id)
    return get(store, incident_id, viewer=viewer)


def clock_of(store: Store, incident_id: uuid.UUID) -> ClockState | None:
    """Where an exercise incident's clock stands (None for a real incident): its
    time at any real moment is ``.now(real_now)``, so a countdown can tick without
    reading the database every second."""
    with store.read() as session:
        row = session.get(Exercise, incident_id)
        return None if row is None else state_of(row)


def list_exercises(store: Store, *, viewer: str) -> list[ExerciseView]:
    """The exercises ``viewer`` may see, the newest first."""
    from warroom.store.models import Incident

    real_now = store.real_clock.now()
    with store.read() as session:
        w = access.reader(session, viewer)
        rows = session.execute(select(Exercise, Incident).join(Incident, Incident.id == Exercise.incident_id)
                               .order_by(Exercise.sim_start.desc())).all()
        return [_view(ex, inc.ref, inc.title, real_now) for ex, inc in rows if access.visible(w, inc)]


# -- starting -----------------------------------------------------------------

def start(store: Store, actor: str, scenario: Scenario, *, speed: int | None = None,
          paused: bool = False) -> ExerciseView:
    """Start an exercise: the scenario's people where the database lacks them, its
    incident, declared on the exercise's own clock by the scenario's commander, the
    scenario's channels and stakeholders made for this exercise alone, its matrix, and
    the clock itself; then the injects already due (those at 0m) fire."""
    speed = check_speed(speed if speed is not None else scenario.speed)
    with store.read() as session:
        access.check(session, actor, Action.EXERCISE)
        _check_audiences(session, scenario)
        targets = _targets(session, scenario)
    cast = _cast_people(store, actor, scenario)
    real_now = store.real_clock.now()
    sim_start = scenario.start or real_now
    spec = scenario.incident
    declared = incidents.open_incident(
        store.under_clock(SimulatedClock(sim_start), EXERCISE_CLOCK), spec["commander"], title=spec["title"],
        severity=spec["severity"], category=spec["category"], impact=spec["impact"],
        customer_facing=spec["customer_facing"], components=spec["components"], commander=spec["commander"],
        confidential=spec["confidential"], exercise=True,
        detected_at=sim_start - timedelta(seconds=spec["detected_before_s"]))
    if spec["confidential"] and actor != spec["commander"]:    # the facilitator sees what the players see
        incidents.set_members(store.under_clock(SimulatedClock(sim_start), EXERCISE_CLOCK), spec["commander"],
                              declared.id, add=[actor])
    names = {c["name"]: channels.add(store, SYSTEM, c["name"], c["kind"], c["config"], exercise=declared.id).name
             for c in scenario.channels}
    owned = {"people": cast, "channels": names, "stakeholders": _cast_stakeholders(store, scenario, declared.id)}
    with store.under_clock(SimulatedClock(sim_start), EXERCISE_CLOCK).write(actor) as tx:
        inc = incidents.find_row(tx.session, declared.id)
        access.require(tx, Action.EXERCISE, inc)
        values = dict(scenario_name=scenario.name, scenario_digest=scenario.digest, injects=scenario.injects,
                      targets=targets, owned=owned, facilitator=actor, sim_start=sim_start,
                      sim_anchor=sim_start, real_anchor=tx.real_now, speed=speed, paused=bool(paused),
                      next_inject=0, ended_at=None, matrix=own_matrix(scenario, names), failed={})
        tx.session.add(Exercise(incident_id=inc.id, **values))
        tx.record("exercise.started", values, incident_id=inc.id)
    fire_due(store, declared.id)
    return get(store, declared.id, viewer=SYSTEM)


def own_matrix(scenario: Scenario, names: dict[str, str]) -> list[dict[str, Any]]:
    """The scenario's matrix as the exercise routes by it: one cell per audience and
    severity (a later entry wins), each route naming the exercise's own channels."""
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for cell in scenario.matrix:
        sevs = [sv.value for sv in Severity] if cell["severities"] == "all" else cell["severities"]
        routes = [[names[n.strip()] for n in route.split(">") if n.strip()] for route in cell["channels"]]
        for sv in sevs:
            cells[(cell["audience"], sv)] = {"audience": cell["audience"], "severity": sv, "told": True,
                                             "channels": routes, "cadence_s": cell["cadence_s"]}
    return list(cells.values())


def _targets(session, scenario: Scenario) -> dict[str, Any]:
    """The scenario's targets; where it names no review times, the policy's review window
    at the incident's starting severity for every review role (``review_from_policy``:
    a role the exercise never asks is not scored)."""
    targets = dict(scenario.targets)
    if not targets.get("review_s"):
        window = int(review_window(session, Severity(scenario.incident["severity"])).total_seconds())
        targets["review_s"] = {role.value: window for role in REVIEW_ROLES}
        targets["review_from_policy"] = True
    return targets


def _check_audiences(session, scenario: Scenario) -> None:
    known = set(session.scalars(select(Audience.name)))
    for i, cell in enumerate(scenario.matrix):
        if cell["audience"] not in known:
            raise InputError(f"{scenario.source}: matrix[{i}].audience: unknown audience {cell['audience']!r}; "
                             f"this database has {', '.join(sorted(known)) or 'none'}.", field="matrix")


def _cast_people(store: Store, actor: str, scenario: Scenario) -> list[str]:
    """Add the scenario's people the database lacks; return those the exercise may take
    off duty: the ones it made, and those an earlier exercise made (never a real person).
    Those start on duty, as the scenario has them, unless a running exercise has them off."""
    with store.read() as session:
        empty = access.register_empty(session)
        known = {p.name: p for p in session.scalars(select(Person))}
        drills: set[str] = set()
        busy: set[str] = set()
        for row in session.scalars(select(Exercise)):
            made = set((row.owned or {}).get("people") or [])
            drills |= made
            if row.ended_at is None:
                busy |= made
    if empty and actor not in {p["name"] for p in scenario.people}:
        people.save(store, actor, actor)             # the facilitator is the first person: commander and admin
    cast: list[str] = []
    for p in scenario.people:
        if p["name"] not in known:
            people.save(store, SYSTEM, p["name"], roles=p["roles"], email=p["email"])
            cast.append(p["name"])
        elif p["name"] in drills:
            if known[p["name"]].availability != "on_duty" and p["name"] not in busy:
                people.save(store, SYSTEM, p["name"], availability="on_duty")
            cast.append(p["name"])
    for p in scenario.people:               # backups once everyone is there
        if p["backups"] and p["name"] not in known:
            people.save(store, SYSTEM, p["name"], backups=p["backups"])
    return cast


def _cast_stakeholders(store: Store, scenario: Scenario, incident_id: uuid.UUID) -> list[str]:
    """Make the scenario's stakeholders for this exercise alone (never the real register's:
    a real incident never addresses them, nor this exercise the register's); return their names."""
    for s in scenario.stakeholders:
        stakeholders.save(store, SYSTEM, name=s["name"], audience=s["audience"], email=s["email"],
                          exercise=incident_id)
    return [s["name"] for s in scenario.stakeholders]


# -- the clock ----------------------------------------------------------------

def control(store: Store, actor: str, key: str | uuid.UUID, *, pause: bool = False, resume: bool = False,
            speed: int | None = None, advance: timedelta | None = None, to_next: bool = False) -> ExerciseView:
    """Pause, resume, set the speed, advance, or jump to the next inject (and fire
    it, with any others that fall due)."""
    asked = sum([pause, resume, speed is not None, advance is not None, to_next])
    if asked > 1:
        raise InputError("Change one thing at a time: pause, resume, a speed, an advance or the next inject.")
    incident_id = None
    if asked:
        with store.write(actor) as tx:
            inc = incidents.find_row(tx.session, key)
            access.require(tx, Action.EXERCISE, inc)
            row = _exercise_row(tx.session, inc)
            state = state_of(row)
            real_now = tx.real_now
            if pause:
                new, why = state.pause(real_now), "paused"
            elif resume:
                new, why = state.resume(real_now), "resumed"
            elif speed is not None:
                new, why = state.with_speed(speed, real_now), "speed"
            elif advance is not None:
                new, why = state.advance(advance, real_now), "advanced"
            else:
                if row.next_inject >= len(row.injects or []):
                    raise InputError("Every inject has fired: there is no next one to jump to.", field="next")
                target = row.sim_start + timedelta(seconds=int(row.injects[row.next_inject]["offset_s"]))
                new, why = state.jump_to(target, real_now), "next"
            _set_clock(tx, row, new, why)
            incident_id = inc.id
    else:
        incident_id = incidents.resolve_id(store, key, viewer=actor)
    fire_due(store, incident_id)
    return get(store, incident_id, viewer=actor)


def _set_clock(tx, row: Exercise, new: ClockState, why: str) -> None:
    row.sim_anchor, row.real_anchor, row.speed, row.paused = new.sim_anchor, new.real_anchor, new.speed, new.paused
    tx.record("exercise.clock_set", {"why": why, "sim_anchor": new.sim_anchor, "real_anchor": new.real_anchor,
                                     "speed": new.speed, "paused": new.paused}, incident_id=row.incident_id)


def end(store: Store, actor: str, key: str | uuid.UUID) -> ExerciseView:
    """End the exercise: its clock stops where it stands; injects not yet fired are not
    played, and deliveries still queued in its sink are cancelled."""
    with store.write(actor) as tx:
        inc = incidents.find_row(tx.session, key)
        access.require(tx, Action.EXERCISE, inc)
        row = _exercise_row(tx.session, inc)
        new = state_of(row).end(tx.real_now)
        row.sim_anchor, row.real_anchor, row.paused, row.ended_at = (new.sim_anchor, new.real_anchor, True,
                                                                     new.ended_at)
        tx.record("exercise.ended", {"ended_at": new.ended_at, "real_anchor": new.real_anchor,
                                     "fired": row.next_inject, "injects": len(row.injects or [])},
                  incident_id=inc.id)
        # What still waits in the sink would wait for ever on a clock that no longer moves.
        for d in tx.session.scalars(select(Delivery).where(Delivery.incident_id == inc.id,
                                                           Delivery.state == "queued")):
            if d.lease_until is None or d.lease_until <= tx.real_now:   # one being "sent" settles itself
                d.state, d.updated_at = "cancelled", tx.now
                tx.record("delivery.cancelled", {"delivery_id": d.id, "reason": "the exercise ended"},
                          incident_id=inc.id)
        incident_id = inc.id
    return get(store, incident_id, viewer=actor)


# -- injects -------------------------------------------------------------------

def fire_due(store: Store, incident_id: uuid.UUID) -> list[int]:
    """Fire every inject whose offset the clock has passed, in order; returns their
    indexes. Called by whoever reads or moves the clock (the command line, the
    window's timer); two callers at once fire each inject once between them."""
    fired: list[int] = []
    for _ in range(1000):
        with store.read() as session:
            row = session.get(Exercise, incident_id)
            if row is None or row.ended_at is not None or row.next_inject >= len(row.injects or []):
                break
            index = row.next_inject
            inject = dict(row.injects[index])
            at = row.sim_start + timedelta(seconds=int(inject["offset_s"]))
            if at > state_of(row).now(store.real_clock.now()):
                break
            owned = dict(row.owned or {})
        try:
            _fire(store, incident_id, index, inject, at, owned)
        except AlreadyFired:
            pass                                     # another reader of the clock fired it first
        fired.append(index)
    reviewers.sweep(store, exercise=incident_id)     # review windows lapse on the exercise's clock
    return fired


def _marker(incident_id: uuid.UUID, index: int, inject: dict[str, Any], failed: str | None = None):
    def mark(tx) -> None:
        row = tx.session.get(Exercise, incident_id)
        if row is None or row.next_inject != index:
            raise AlreadyFired(f"inject {index + 1} has fired already")
        row.next_inject = index + 1
        payload: dict[str, Any] = {"index": index, "kind": inject["kind"], "next_inject": index + 1}
        if failed is not None:
            row.failed = {**(row.failed or {}), str(index): failed}
            payload["failed"] = failed
        tx.record("exercise.inject_fired", payload, incident_id=incident_id)
    return mark


def _fire(store: Store, incident_id: uuid.UUID, index: int, inject: dict[str, Any], at: datetime,
          owned: dict[str, list[str]]) -> None:
    """The inject's effect and its mark, in one transaction, stamped at the inject's own time."""
    plain = store.under_clock(SimulatedClock(at), EXERCISE_CLOCK)
    view = plain.joined(_marker(incident_id, index, inject))
    try:
        _effect(view, plain, incident_id, inject, owned)
    except AlreadyFired:
        raise
    except WarroomError as exc:
        # The inject cannot be played as written (the severity is already so, the
        # channel is gone): it is passed, marked failed with the reason, and the players hear so.
        log.info("inject %d of exercise %s could not be played: %s", index + 1, incident_id, exc)
        failed = plain.joined(_marker(incident_id, index, inject, failed=str(exc)[:500]))
        timeline.log(failed, SYSTEM, incident_id, f"Exercise inject {index + 1} ({inject['kind']}) could not be "
                                                  f"played: {exc}", kind=EntryKind.EXTERNAL)


_SAY = {"question": "Stakeholder question", "regulator": "Regulator call", "journalist": "Press enquiry"}
#: Who asks, in what category and how, when the inject does not say (see :mod:`warroom.services.inquiries`).
_ASKED = {"question": ("a stakeholder", "impact", "email"), "regulator": ("a regulator", "other", "phone"),
          "journalist": ("a journalist", "other", "email")}


def _effect(view: Store, plain: Store, incident_id: uuid.UUID, inject: dict[str, Any],
            owned: dict[str, list[str]]) -> None:
    """Play the inject; the first write goes through ``view`` (which marks it fired),
    any later one through ``plain``."""
    kind, text, actor = inject["kind"], inject.get("text") or "", inject.get("by") or SYSTEM
    if kind == "log":
        timeline.log(view, actor, incident_id, text, kind=EntryKind.EXTERNAL)
    elif kind in _SAY:
        asker, category, via = _ASKED[kind]
        inquiries.add_inquiry(view, actor, incident_id, text, asked_by=inject.get("from") or asker,
                              category=inject.get("category") or category, channel=inject.get("via") or via)
        who = f" from {inject['from']}" if inject.get("from") else ""
        timeline.log(plain, actor, incident_id, f"{_SAY[kind]}{who}: {text}", kind=EntryKind.EXTERNAL)
    elif kind == "severity":
        incidents.set_severity(view, actor, incident_id, inject["to"], note=text or "Exercise inject")
    elif kind == "status":
        incidents.set_status(view, actor, incident_id, inject["to"], note=text or "Exercise inject")
    elif kind in ("channel_down", "channel_up"):
        name, down = inject["channel"], kind == "channel_down"
        mine = owned.get("channels") or {}
        if isinstance(mine, dict):          # the exercise's own channel: a simulated vendor outage
            if name not in mine:
                raise InputError(f"channel {name} is not one of this exercise's channels")
            channels.set_outage(view, SYSTEM, mine[name], down=down)
        elif name in mine:                  # an exercise started before it had channels of its own
            channels.update(view, SYSTEM, name, enabled=not down)
        else:
            raise InputError(f"channel {name} is a real channel of this database, not the exercise's: "
                             f"it stays {'up' if down else 'as it is'}")
        timeline.log(plain, SYSTEM, incident_id, text or f"Channel {name} is {'down' if down else 'back'}.",
                     kind=EntryKind.EXTERNAL)
    elif kind in ("off_duty", "on_duty"):
        name = inject["person"]
        if name not in owned.get("people", []):
            raise InputError(f"{name} is a real person of this database, not the exercise's: their availability "
                             "stays as it is")
        people.save(view, SYSTEM, name, availability=kind)
        timeline.log(plain, SYSTEM, incident_id, text or f"{name} is {'off' if kind == 'off_duty' else 'on'} duty.",
                     kind=EntryKind.EXTERNAL)
    else:  # the scenario checker knows every kind; a stored one from a newer version is told, not guessed
        raise InputError(f"unknown inject kind {kind!r}")


@dataclass(frozen=True, slots=True)
class ActionView:
    """One event of an exercise incident, as the facilitator follows the players."""

    seq: int
    offset_s: int
    actor: str
    kind: str
    summary: str


def actions(store: Store, key: str | uuid.UUID, *, viewer: str, limit: int = 500) -> list[ActionView]:
    """The exercise incident's journal, oldest first (at most the last ``limit`` events):
    what the players and the injects did, at exercise offsets."""
    import json

    from warroom.store.models import JournalEvent

    with store.read() as session:
        inc = incidents.find(session, key, viewer)
        row = _exercise_row(session, inc)
        events = session.scalars(select(JournalEvent).where(JournalEvent.incident_id == inc.id)
                                 .order_by(JournalEvent.at.desc(), JournalEvent.seq.desc()).limit(limit)).all()
        out = []
        for e in reversed(events):
            p = json.loads(e.payload)
            summary = p.get("entry_text") or p.get("text") or p.get("audience") or p.get("why") or ""
            if e.kind == "exercise.inject_fired":
                summary = f"inject {int(p.get('index', 0)) + 1}: {p.get('kind', '')}" + (
                    f", failed: {p['failed']}" if p.get("failed") else "")
            out.append(ActionView(e.seq, int((e.at - row.sim_start).total_seconds()), str(e.actor), e.kind,
                                  " ".join(str(summary).split())[:200]))
        return out
