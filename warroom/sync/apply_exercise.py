"""Appliers of tabletop exercises: the exercise's clock and its injects."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.store.models import Exercise
from warroom.sync.apply_base import Applier, Event, as_time, change, opt_time, put


def _started(session: Session, ev: Event) -> None:
    p = ev.payload
    put(session, Exercise, ev.incident(), scenario_name=ev.need("scenario_name"),
        scenario_digest=ev.need("scenario_digest"), injects=list(ev.need("injects")),
        targets=dict(p.get("targets") or {}), owned=dict(p.get("owned") or {}), facilitator=ev.need("facilitator"),
        sim_start=as_time(ev.need("sim_start")), sim_anchor=as_time(ev.need("sim_anchor")),
        real_anchor=as_time(ev.need("real_anchor")), speed=int(ev.need("speed")), paused=bool(p.get("paused")),
        next_inject=int(p.get("next_inject") or 0), ended_at=opt_time(p.get("ended_at")),
        matrix=list(p["matrix"]) if p.get("matrix") is not None else None, failed=dict(p.get("failed") or {}))


def _clock_set(session: Session, ev: Event) -> None:
    change(session, Exercise, ev.incident(), sim_anchor=as_time(ev.need("sim_anchor")),
           real_anchor=as_time(ev.need("real_anchor")), speed=int(ev.need("speed")), paused=bool(ev.need("paused")))


def _inject_fired(session: Session, ev: Event) -> None:
    row = change(session, Exercise, ev.incident())
    # Injects fire in order, each once: the count only grows (a stale event changes nothing).
    row.next_inject = max(row.next_inject, int(ev.need("next_inject")))
    if ev.payload.get("failed"):        # it could not be played: the reason, as the firing device saw it
        row.failed = {**(row.failed or {}), str(ev.need("index")): str(ev.payload["failed"])}


def _ended(session: Session, ev: Event) -> None:
    ended = as_time(ev.need("ended_at"))
    change(session, Exercise, ev.incident(), sim_anchor=ended, real_anchor=as_time(ev.need("real_anchor")),
           paused=True, ended_at=ended)


APPLIERS: dict[str, Applier] = {
    "exercise.started": _started,
    "exercise.clock_set": _clock_set,
    "exercise.inject_fired": _inject_fired,
    "exercise.ended": _ended,
}
