"""An incident as every reader shows it, without the database layer: the plain
snapshot (:class:`IncidentView`), who may see a confidential one (:func:`sees`),
when the next update is owed and the order of a list of them.

One copy of each rule, for the services (through the ORM) and for the quick
readers that answer before SQLAlchemy is imported: the window's first screen and
the command line's ``incident list`` (:mod:`warroom.firstscreen`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from warroom.domain import Category, Impact, Severity, Status


def sees(name: str | None, *, confidential: bool, commander: str, members: Iterable[str] | None) -> bool:
    """Whether ``name`` may see an incident: a confidential incident is for its
    commander and members only (the system's own readers pass ``None``)."""
    return not confidential or name is None or name == commander or name in (members or ())


def next_update_due(status: Status, severity: Severity, declared_at: datetime, last_update_at: datetime | None,
                    intervals: dict[Severity, timedelta]) -> datetime | None:
    """When stakeholders are owed the next update: the severity's interval after the
    last published update, or after the declaration until one is published."""
    if status == Status.RESOLVED:
        return None
    return (last_update_at or declared_at) + intervals[severity]


@dataclass(frozen=True, slots=True)
class IncidentView:
    """A plain snapshot of an incident, safe to pass between threads."""

    id: uuid.UUID
    ref: str
    title: str
    category: Category
    severity: Severity
    impact: Impact
    status: Status
    customer_facing: bool
    components: tuple[str, ...]
    commander: str
    confidential: bool
    exercise: bool
    detected_at: datetime
    declared_at: datetime
    status_changed_at: datetime
    resolved_at: datetime | None
    last_update_at: datetime | None
    updated_at: datetime
    next_update_due: datetime | None
    members: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status != Status.RESOLVED

    def visible_to(self, viewer: str | None) -> bool:
        """A confidential incident is for its commander and members only."""
        return sees(viewer, confidential=self.confidential, commander=self.commander, members=self.members)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["components"] = list(self.components)
        return data


def list_order(view: IncidentView) -> tuple:
    """Active incidents first (most severe, then most recent), then resolved ones (most recent first)."""
    return (not view.active, view.severity.rank if view.active else 0,
            -(view.resolved_at or view.detected_at).timestamp())
