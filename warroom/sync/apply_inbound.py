"""Appliers of signals in (:mod:`warroom.inbound`) and component status
(:mod:`warroom.services.components`): each sets the row to what its event
carries, so applying one twice changes nothing. Sources' secrets stay in each
laptop's keyring: a source added elsewhere needs its secret given here too."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.store.models import ComponentStatus, InboundAlert, InboundEvent, InboundSource, IncidentLink
from warroom.sync.apply_base import Applier, Event, as_uuid, change, put


def _source_added(session: Session, ev: Event) -> None:
    put(session, InboundSource, as_uuid(ev.need("source_id")), name=ev.need("name"), kind=ev.need("kind"),
        settings=dict(ev.need("settings")), created_at=ev.at, updated_at=ev.at)


def _source_changed(session: Session, ev: Event) -> None:
    change(session, InboundSource, as_uuid(ev.need("source_id")), settings=dict(ev.need("settings")),
           updated_at=ev.at)


def _source_removed(session: Session, ev: Event) -> None:
    row = session.get(InboundSource, as_uuid(ev.need("source_id")))
    if row is not None:
        session.delete(row)


def _linked(session: Session, ev: Event) -> None:
    put(session, IncidentLink, as_uuid(ev.need("link_id")), incident_id=ev.incident(), source=ev.need("source"),
        kind=ev.need("kind"), external_id=ev.need("external_id"), url=ev.payload.get("url"), created_at=ev.at)


def _received(session: Session, ev: Event) -> None:
    # The same vendor event received on two laptops: the first one applied stands.
    other = session.scalars(select(InboundEvent).where(InboundEvent.source == ev.need("source"),
                                                       InboundEvent.vendor_event_id == ev.need("event_id"))).first()
    if other is not None and other.id != as_uuid(ev.need("event_row_id")):
        return
    put(session, InboundEvent, as_uuid(ev.need("event_row_id")), source=ev.need("source"),
        vendor_event_id=ev.need("event_id"), kind=ev.need("kind"),
        incident_id=ev.incident() if ev.incident_id is not None else None, outcome=ev.need("outcome"),
        received_at=ev.at)


def _alert_firing(session: Session, ev: Event) -> None:
    # One alert is one row by source and key, whichever laptop first saw it fire.
    row = session.scalars(select(InboundAlert).where(InboundAlert.source == ev.need("source"),
                                                     InboundAlert.alert_key == ev.need("alert_key"))).first()
    values = {"component": ev.need("component"), "status": ev.need("status"), "title": ev.payload.get("title") or ""}
    if row is None:
        put(session, InboundAlert, as_uuid(ev.need("alert_row_id")), source=ev.need("source"),
            alert_key=ev.need("alert_key"), fired_at=ev.at, **values)
    else:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)


def _alert_cleared(session: Session, ev: Event) -> None:
    row = session.scalars(select(InboundAlert).where(InboundAlert.source == ev.need("source"),
                                                     InboundAlert.alert_key == ev.need("alert_key"))).first()
    if row is not None:
        session.delete(row)


def _component_set(session: Session, ev: Event) -> None:
    put(session, ComponentStatus, as_uuid(ev.need("component_id")), name=ev.need("name"), status=ev.need("status"),
        set_by=ev.actor, note=ev.payload.get("note"), updated_at=ev.at)


APPLIERS: dict[str, Applier] = {
    "inbound.source_added": _source_added,
    "inbound.source_changed": _source_changed,
    "inbound.source_removed": _source_removed,
    "inbound.linked": _linked,
    "inbound.received": _received,
    "inbound.alert_firing": _alert_firing,
    "inbound.alert_cleared": _alert_cleared,
    "component.set": _component_set,
}
