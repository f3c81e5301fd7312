"""Appliers of regulatory flags (:mod:`warroom.services.obligations`): each sets the
flag row to what its event carries, so applying one twice changes nothing. The
facts a flag records (a DORA classification time, a health-data breach's numbers)
come with the event; one written before facts existed is read as
:func:`warroom.services.obligations.event_facts` says."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.services.obligations import event_facts
from warroom.store.models import IncidentFlag
from warroom.sync.apply_base import Applier, Event, as_time, as_uuid, change, put


def _facts(ev: Event) -> dict:
    facts = event_facts(ev.need("flag"), {**ev.payload, "started_at": ev.need("started_at")}, as_time)
    return {"classified_at": facts.classified_at, "affected": facts.affected,
            "most_in_one_state": facts.most_in_one_state}


def _flagged(session: Session, ev: Event) -> None:
    put(session, IncidentFlag, as_uuid(ev.need("flag_id")), incident_id=ev.incident(), flag=ev.need("flag"),
        started_at=as_time(ev.need("started_at")), set_by=ev.actor, set_at=ev.at, **_facts(ev))


def _start_changed(session: Session, ev: Event) -> None:
    change(session, IncidentFlag, as_uuid(ev.need("flag_id")), started_at=as_time(ev.need("started_at")),
           set_by=ev.actor, set_at=ev.at, **_facts(ev))


def _unflagged(session: Session, ev: Event) -> None:
    row = session.get(IncidentFlag, as_uuid(ev.need("flag_id")))
    if row is not None:
        session.delete(row)


APPLIERS: dict[str, Applier] = {
    "obligation.flagged": _flagged,
    "obligation.start_changed": _start_changed,
    "obligation.unflagged": _unflagged,
}
