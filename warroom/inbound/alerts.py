"""Alertmanager's firing alerts, kept per component: a component's status is the
worst among the alerts firing on it (from any source), operational when none fire,
so a warning that resolves does not mark a component operational while a critical
alert on it still fires.

An alert is known by its source and its key (Alertmanager's fingerprint, or a
digest of its labels when it has none: :func:`warroom.inbound.alertmanager.alert_key`).
Each change is journaled in the same transaction as the component status it leads
to (``inbound.alert_firing``, ``inbound.alert_cleared``, applied by
:mod:`warroom.sync.apply_inbound`), so a laptop rebuilding from the journal holds
the same firing alerts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from warroom.ids import uuid7
from warroom.services import access, components
from warroom.services.access import Action
from warroom.services.components import STATUSES, ComponentView
from warroom.store import Store, Tx
from warroom.store.models import InboundAlert

#: The longest alert title kept on a firing alert's row.
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class FiringView:
    source: str
    alert_key: str
    component: str
    status: str
    title: str


def worst(statuses) -> str:
    """The worst of these component statuses (operational when there are none)."""
    return max(statuses, key=STATUSES.index, default="operational")


def firing(store: Store, component: str | None = None) -> list[FiringView]:
    """The alerts firing now (on ``component`` only, when named), worst first."""
    with store.read() as session:
        stmt = select(InboundAlert)
        if component is not None:
            stmt = stmt.where(InboundAlert.component == components.clean_name(component))
        rows = [FiringView(r.source, r.alert_key, r.component, r.status, r.title) for r in session.scalars(stmt)]
    return sorted(rows, key=lambda v: (-STATUSES.index(v.status), v.component, v.source, v.alert_key))


def _settle(tx: Tx, component: str, said: str) -> tuple[ComponentView, int]:
    """Set ``component`` to the worst of its firing alerts: (its view, how many fire)."""
    tx.session.flush()
    rows = list(tx.session.scalars(select(InboundAlert).where(InboundAlert.component == component)
                                   .order_by(InboundAlert.fired_at, InboundAlert.id)))
    status = worst(r.status for r in rows)
    if rows:
        top = max(rows, key=lambda r: STATUSES.index(r.status))
        note = f"Alertmanager: {top.title}" + (f" (+{len(rows) - 1} more firing)" if len(rows) > 1 else "")
    else:
        note = f"Alertmanager: {said}; no alert firing"
    view, _before = components.set_in(tx, component, status, note)
    return view, len(rows)


def fire(store: Store, actor, source: str, key: str, component: str, status: str,
         title: str) -> tuple[ComponentView, int]:
    """An alert fires (or fires still) on ``component``, meaning ``status``: kept, and
    the component set to the worst of its firing alerts. Returns the component and
    how many alerts fire on it."""
    component = components.clean_name(component)
    status = components.parse_status(status)
    title = " ".join(str(title or "").split())[:MAX_TITLE]
    with store.write(actor) as tx:
        access.require(tx, Action.COMPONENTS)
        row = tx.session.scalars(select(InboundAlert).where(InboundAlert.source == source,
                                                            InboundAlert.alert_key == key)).first()
        moved_from = None
        if row is None:
            row = InboundAlert(id=uuid7(), source=source, alert_key=key, component=component, status=status,
                               title=title, fired_at=tx.now)
            tx.session.add(row)
            changed = True
        else:
            changed = (row.component, row.status, row.title) != (component, status, title)
            if row.component != component:
                moved_from = row.component
            row.component, row.status, row.title = component, status, title
        if changed:
            tx.record("inbound.alert_firing", {"alert_row_id": row.id, "source": source, "alert_key": key,
                                               "component": component, "status": status, "title": title})
        if moved_from is not None:   # the source's label rules changed since it first fired
            _settle(tx, moved_from, title)
        return _settle(tx, component, title)


def clear(store: Store, actor, source: str, key: str, component: str, title: str) -> tuple[ComponentView, int]:
    """An alert resolved: no longer kept, and the component it fired on set to the
    worst of those still firing (operational when none)."""
    component = components.clean_name(component)
    title = " ".join(str(title or "").split())[:MAX_TITLE]
    with store.write(actor) as tx:
        access.require(tx, Action.COMPONENTS)
        row = tx.session.scalars(select(InboundAlert).where(InboundAlert.source == source,
                                                            InboundAlert.alert_key == key)).first()
        if row is not None:
            was = row.component
            tx.record("inbound.alert_cleared", {"alert_row_id": row.id, "source": source, "alert_key": key,
                                                "component": was})
            tx.session.delete(row)
            if was != component:
                _settle(tx, was, f"{title} resolved")
        return _settle(tx, component, f"{title} resolved")
