"""Appliers of regulatory flags (:mod:`warroom.services.obligations`): each sets the
flag row to what its event carries, so applying one twice changes nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.store.models import IncidentFlag
from warroom.sync.apply_base import Applier, Event, as_time, as_uuid, change, put


def _flagged(session: Session, ev: Event) -> None:
    put(session, IncidentFlag, as_uuid(ev.need("flag_id")), incident_id=ev.incident(), flag=ev.need("flag"),
        started_at=as_time(ev.need("started_at")), set_by=ev.actor, set_at=ev.at)


def _start_changed(session: Session, ev: Event) -> None:
    change(session, IncidentFlag, as_uuid(ev.need("flag_id")), started_at=as_time(ev.need("started_at")),
           set_by=ev.actor, set_at=ev.at)


def _unflagged(session: Session, ev: Event) -> None:
    row = session.get(IncidentFlag, as_uuid(ev.need("flag_id")))
    if row is not None:
        session.delete(row)


APPLIERS: dict[str, Applier] = {
    "obligation.flagged": _flagged,
    "obligation.start_changed": _start_changed,
    "obligation.unflagged": _unflagged,
}
