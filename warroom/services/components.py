"""Component status: each component of the service and how it is doing
(operational, degraded_performance, partial_outage, major_outage), set by a
person or by a source (Alertmanager's firing alerts, Statuspage's component
updates). Every change is one journal event, applied on other laptops by
:mod:`warroom.sync.apply_inbound`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from warroom import inputs
from warroom.errors import InputError, NotFound
from warroom.ids import uuid7
from warroom.services import access
from warroom.services.access import Action
from warroom.store import Store, Tx
from warroom.store.models import ComponentStatus

#: Best first: the words Statuspage uses.
STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")
MAX_NAME = 100
MAX_NOTE = 500


@dataclass(frozen=True, slots=True)
class ComponentView:
    id: uuid.UUID
    name: str
    status: str
    set_by: str
    note: str | None
    updated_at: datetime

    @property
    def label(self) -> str:
        return self.status.replace("_", " ").capitalize()

    def as_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "status": self.status, "set_by": self.set_by,
                "note": self.note, "updated_at": self.updated_at}


def _view(row: ComponentStatus) -> ComponentView:
    return ComponentView(row.id, row.name, row.status, row.set_by, row.note, row.updated_at)


def parse_status(value: str) -> str:
    s = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if s not in STATUSES:
        raise InputError(f"Unknown component status {value!r}: choose one of {', '.join(STATUSES)}.",
                         field="status")
    return s


def clean_name(name: str) -> str:
    if not isinstance(name, str):
        raise InputError("A component's name is text.", field="component")
    inputs.check_plain(name, field="component", what="A component's name")
    name = " ".join(name.split())
    if not name:
        raise InputError("Name the component.", field="component")
    if len(name) > MAX_NAME:
        raise InputError(f"A component's name is at most {MAX_NAME} characters.", field="component")
    return name


def list_components(store: Store) -> list[ComponentView]:
    """Every component, the worst status first, then by name."""
    with store.read() as session:
        rows = [_view(r) for r in session.scalars(select(ComponentStatus))]
    return sorted(rows, key=lambda v: (-STATUSES.index(v.status), v.name.lower()))


def get(store: Store, name: str) -> ComponentView:
    with store.read() as session:
        row = session.scalars(select(ComponentStatus).where(ComponentStatus.name == clean_name(name))).first()
        if row is None:
            raise NotFound(f"No component {name!r}: component list shows them.", field="component")
        return _view(row)


def set_in(tx: Tx, name: str, status: str, note: str | None = None) -> tuple[ComponentView, str | None]:
    """Inside a checked write: set the component (made when new); journals only a
    change. Returns the view and the status it had before (None when new)."""
    name = clean_name(name)
    status = parse_status(status)
    note = " ".join((note or "").split())[:MAX_NOTE] or None
    row = tx.session.scalars(select(ComponentStatus).where(ComponentStatus.name == name)).first()
    before = row.status if row is not None else None
    if row is None:
        row = ComponentStatus(id=uuid7(), name=name, status=status, set_by=str(tx.actor), note=note,
                              updated_at=tx.now)
        tx.session.add(row)
    elif row.status == status:
        return _view(row), before
    else:
        row.status, row.set_by, row.note, row.updated_at = status, str(tx.actor), note, tx.now
    tx.record("component.set", {"component_id": row.id, "name": name, "status": status, "previous": before,
                                "note": note})
    tx.session.flush()
    return _view(row), before


def set_status(store: Store, actor: str, name: str, status: str, *, note: str | None = None) -> ComponentView:
    """Set a component's status (a commander, a communications owner, or a source)."""
    with store.write(actor) as tx:
        access.require(tx, Action.COMPONENTS)
        view, _ = set_in(tx, name, status, note)
        return view
