"""Which clock stamps a change: an exercise incident's own, or this machine's.

The permission check (:func:`warroom.services.access.require`) calls :func:`stamp`
with the incident it checks, so every service that changes an exercise incident
stamps its rows and journal events with the exercise's simulated time, and no
service needs to know. A real incident is never touched here.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from warroom.exercise.clock import ClockState
from warroom.store.models import Exercise

#: The name an exercise's clock stamps into the events it times (``"clock": "exercise"``).
EXERCISE_CLOCK = "exercise"


def state_of(row: Exercise) -> ClockState:
    return ClockState(sim_anchor=row.sim_anchor, real_anchor=row.real_anchor, speed=row.speed,
                      paused=row.paused, ended_at=row.ended_at)


def now_for(session, incident_id: uuid.UUID, real_now: datetime) -> datetime:
    """The time on ``incident_id``'s clock: simulated for an exercise, else ``real_now``."""
    row = session.get(Exercise, incident_id)
    return real_now if row is None else state_of(row).now(real_now)


def ended(session, incident_id: uuid.UUID) -> bool:
    """Whether ``incident_id`` is an exercise that has ended (its clock stands still for good)."""
    row = session.get(Exercise, incident_id)
    return row is not None and row.ended_at is not None


def stamp(tx, incident_id: uuid.UUID) -> None:
    """Stamp the transaction with the incident's exercise clock, if it has one."""
    row = tx.session.get(Exercise, incident_id)
    if row is not None:
        tx.use_clock(state_of(row).now(tx.real_now), EXERCISE_CLOCK)
