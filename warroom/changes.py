"""Which kinds of state a write changed, read from the journal events it recorded.

Every change appends journal events (see :mod:`warroom.store.db`); an event's
kind says what it touched, so a transaction knows its :class:`Change` flags
without each service saying so, and so does a reader that finds events written
by another program (the CLI, the dispatcher, a sync). The window redraws only
the views those flags name.

``with collect() as seen: service_call(...)`` gathers the flags (and the
sequence numbers) of the transactions committed by this thread inside the block.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Flag, auto
from typing import Any


class Change(Flag):
    NONE = 0
    INCIDENTS = auto()
    TIMELINE = auto()
    DRAFTS = auto()
    REVIEWS = auto()
    DELIVERIES = auto()
    CHANNELS = auto()
    MATRIX = auto()
    PEOPLE = auto()
    STAKEHOLDERS = auto()
    SETTINGS = auto()
    TEMPLATES = auto()
    TRUST = auto()
    #: An exercise's clock or injects (the facilitator view).
    EXERCISE = auto()
    FOLLOWUPS = auto()
    #: Inbound sources, what they sent, and component status.
    INBOUND = auto()
    #: The providers watched and what their status feeds said.
    WATCH = auto()
    INQUIRIES = auto()


EVERYTHING = Change(sum(c.value for c in Change))

#: An event kind's first word → what it changes. Exact kinds below take precedence.
_BY_PREFIX: dict[str, Change] = {
    # A status or severity change logs a timeline entry too.
    "incident": Change.INCIDENTS | Change.TIMELINE,
    "timeline": Change.TIMELINE,
    "draft": Change.DRAFTS,
    "review": Change.REVIEWS | Change.DRAFTS,
    # Publishing logs the update in the timeline, restarts the incident's countdown and
    # queues its deliveries.
    "update": Change.INCIDENTS | Change.DRAFTS | Change.REVIEWS | Change.DELIVERIES | Change.TIMELINE,
    "delivery": Change.DELIVERIES | Change.CHANNELS,
    "channel": Change.CHANNELS,
    "matrix": Change.MATRIX,
    "audience": Change.MATRIX | Change.STAKEHOLDERS,
    "person": Change.PEOPLE,
    "stakeholder": Change.STAKEHOLDERS,
    "stakeholders": Change.STAKEHOLDERS,
    "settings": Change.SETTINGS,
    "policy": Change.SETTINGS | Change.REVIEWS,
    "template": Change.TEMPLATES,
    "templates": Change.TEMPLATES,
    "key": Change.TRUST,
    # An exercise's clock moves every countdown of its incident.
    "exercise": Change.EXERCISE | Change.INCIDENTS,
    "followup": Change.FOLLOWUPS,
    # A received signal may have opened or changed an incident (its own events say so too).
    "inbound": Change.INBOUND | Change.INCIDENTS,
    "component": Change.INBOUND,
    "watch": Change.WATCH,
    # A regulatory flag starts or stops clocks shown in the incident's header.
    "obligation": Change.INCIDENTS,
    "inquiry": Change.INQUIRIES,
    "journal": Change.NONE,
    "database": Change.NONE,
}
_BY_KIND: dict[str, Change] = {
    # A dead letter or a failover is told in the timeline.
    "delivery.dead": Change.DELIVERIES | Change.CHANNELS | Change.TIMELINE,
    "delivery.failed_over": Change.DELIVERIES | Change.CHANNELS | Change.TIMELINE,
    "delivery.settings_changed": Change.SETTINGS | Change.DELIVERIES,
    # The cadence per severity: the countdowns count to another time.
    "policy.interval_set": Change.SETTINGS | Change.MATRIX,
}


def change_of(kind: str) -> Change:
    """What an event of this kind changed; an unknown kind may have changed anything."""
    exact = _BY_KIND.get(kind)
    if exact is not None:
        return exact
    prefix = _BY_PREFIX.get(kind.split(".", 1)[0])
    return EVERYTHING if prefix is None else prefix


def changes_of(kinds: Iterable[str]) -> Change:
    out = Change.NONE
    for kind in kinds:
        out |= change_of(kind)
    return out


@dataclass
class Seen:
    """What the transactions committed inside :func:`collect` wrote."""

    flags: Change = Change.NONE
    #: (device id, sequence number) of every journal event written.
    events: set[tuple[uuid.UUID, int]] = field(default_factory=set)

    def add(self, flags: Change, events: Iterable[tuple[uuid.UUID, int]]) -> None:
        self.flags |= flags
        self.events.update(events)


_sink: ContextVar[Seen | None] = ContextVar("warroom_changes", default=None)


@contextlib.contextmanager
def collect() -> Iterator[Seen]:
    """Gather what the writes committed in this block (on this thread) changed."""
    seen = Seen()
    token = _sink.set(seen)
    try:
        yield seen
    finally:
        _sink.reset(token)


def committed(flags: Change, events: Iterable[tuple[uuid.UUID, int]]) -> None:
    """Called by a transaction once it has committed."""
    seen = _sink.get()
    if seen is not None:
        seen.add(flags, events)


def heads(store: Any) -> dict[uuid.UUID, int]:
    """Every device's last sequence number (what :func:`since` starts from); ``store`` is a
    :class:`warroom.store.Store` (not imported here: the store imports this module)."""
    from sqlalchemy import select

    from warroom.store.models import Device

    with store.read() as session:
        return {d: s for d, s in session.execute(select(Device.id, Device.last_seq))}


def since(store: Any, marks: dict[uuid.UUID, int], *,
          skip: set[tuple[uuid.UUID, int]] = frozenset()) -> tuple[Change, dict[uuid.UUID, int]]:
    """What the journal events after ``marks`` changed (leaving out ``skip``: writes the
    caller already knows of), and the new marks."""
    from sqlalchemy import and_, or_, select

    from warroom.store.models import Device, JournalEvent

    with store.read() as session:
        now = {d: s for d, s in session.execute(select(Device.id, Device.last_seq))}
        grown = {d: marks.get(d, 0) for d, s in now.items() if s > marks.get(d, 0)}
        if not grown:
            return Change.NONE, now
        rows = session.execute(select(JournalEvent.device_id, JournalEvent.seq, JournalEvent.kind).where(
            or_(*(and_(JournalEvent.device_id == d, JournalEvent.seq > s) for d, s in grown.items()))))
        flags = Change.NONE
        for device, seq, kind in rows:
            if (device, seq) not in skip:
                flags |= change_of(kind)
    return flags, now
