"""Reminders: when each open incident owes each audience its next update, and
whether that is soon or already late.

The same cadence the window's countdown uses (the matrix cell's, else the
severity's, after the last update published to the audience or after the
declaration); the store's clock says what "now" is, so an exercise on a
simulated clock is reminded on its own time.

Nothing is owed once an incident is resolved or its exercise has ended
(:func:`settled`): such an incident has no reminders, and the window's countdown
(:func:`countdown_dues`) says so instead of counting.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from warroom.exercise.stamp import ended, now_for
from warroom.store import Store

#: How long before an update is due it counts as due soon.
SOON = timedelta(minutes=5)

OVERDUE, DUE_SOON, LATER = "overdue", "due soon", "later"
#: Why an incident owes no update (:func:`settled`).
RESOLVED, ENDED = "resolved", "exercise ended"


@dataclass(frozen=True)
class Reminder:
    """One audience's next update for one open incident."""

    incident_id: uuid.UUID
    ref: str
    title: str
    severity: str
    exercise: bool
    #: The audience owed the update; None when the matrix routes nobody and the
    #: severity's cadence is owed to the incident's stakeholders as a whole.
    audience: str | None
    due_at: datetime
    cadence: timedelta
    last_update_at: datetime | None
    #: overdue, due soon or later (at the moment the list was made).
    state: str
    #: Seconds until due (negative: overdue by that much).
    left_s: float

    @property
    def overdue(self) -> bool:
        return self.state == OVERDUE

    @property
    def due_soon(self) -> bool:
        return self.state == DUE_SOON

    @property
    def who(self) -> str:
        return self.audience or "stakeholders"

    @property
    def key(self) -> tuple:
        """What a reminder is about: the same update due at the same time (a notification is shown once per key)."""
        return (self.incident_id, self.audience, self.due_at)

    def as_json(self) -> dict:
        return {"incident": self.ref, "incident_id": str(self.incident_id), "title": self.title,
                "severity": self.severity, "exercise": self.exercise, "audience": self.audience,
                "due_at": self.due_at.isoformat(), "cadence_s": int(self.cadence.total_seconds()),
                "last_update_at": self.last_update_at.isoformat() if self.last_update_at else None,
                "state": self.state, "seconds_left": int(self.left_s)}


def state_at(due_at: datetime, now: datetime, soon: timedelta = SOON) -> str:
    if due_at <= now:
        return OVERDUE
    if due_at - now <= soon:
        return DUE_SOON
    return LATER


def settled(session, inc) -> str | None:
    """Why ``inc`` (an incident view) owes no update any more: :data:`RESOLVED`, or
    :data:`ENDED` for an exercise whose clock has stopped (nothing can fall due on
    it); None while updates are owed."""
    if not inc.active:
        return RESOLVED
    if inc.exercise and ended(session, inc.id):
        return ENDED
    return None


def countdown_dues(store: Store, incident_id: uuid.UUID, *, viewer: str):
    """What the window's countdown counts down to: the matrix's dues
    (:func:`warroom.services.matrix.dues_in`), or none with ``settled`` saying why
    nothing is owed (the same rule as :func:`reminders`)."""
    from warroom.services import incidents, matrix
    from warroom.services.cadence import update_intervals

    inc = incidents.get(store, incident_id, viewer=viewer)
    intervals = update_intervals(store)
    with store.read() as session:
        why = settled(session, inc)
        if why is not None:
            return matrix.Dues(settled=why)
        return matrix.dues_in(session, inc, intervals)


def reminders(store: Store, *, viewer: str, now: datetime | None = None, soon: timedelta = SOON,
              incident_id: uuid.UUID | None = None) -> list[Reminder]:
    """Every open incident's next update per audience that ``viewer`` may see, most
    pressing first (overdue, then due soon, then later; each soonest first).
    Resolved incidents and ended exercises owe nothing and are not listed."""
    from warroom.services import incidents, matrix
    from warroom.services.cadence import update_intervals

    now = now or store.clock.now()
    intervals = update_intervals(store)
    views = [v for v in incidents.list_incidents(store, viewer=viewer, include_resolved=False)
             if v.active and (incident_id is None or v.id == incident_id)]
    out: list[Reminder] = []
    with store.read() as session:
        for inc in views:
            if settled(session, inc) is not None:
                continue
            dues = matrix.dues_in(session, inc, intervals)
            rows = [(d.audience, d.at, d.cadence, d.last_update_at) for d in dues]
            if not rows and not dues.unowed and inc.next_update_due is not None:
                # The matrix routes nobody at this severity: the severity's cadence still holds.
                rows = [(None, inc.next_update_due, intervals[inc.severity], inc.last_update_at)]
            here = now_for(session, inc.id, now) if inc.exercise else now   # an exercise: its own clock
            for audience, at, cadence, last in rows:
                out.append(Reminder(inc.id, inc.ref, inc.title, inc.severity.value, inc.exercise, audience, at,
                                    cadence, last, state_at(at, here, soon), (at - here).total_seconds()))
    rank = {OVERDUE: 0, DUE_SOON: 1, LATER: 2}
    out.sort(key=lambda r: (rank[r.state], r.due_at, r.ref, r.who))
    return out


def pressing(items: list[Reminder]) -> list[Reminder]:
    """Those a person should hear about now: overdue or due soon."""
    return [r for r in items if r.state != LATER]
