"""Appliers of stakeholders' inquiries (:mod:`warroom.services.inquiries`): each sets
the row to what its event carries, so applying one twice changes nothing."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.store.models import Draft, Inquiry, Stakeholder
from warroom.sync.apply_base import Applier, Event, EventRefused, as_time, as_uuid, change, put


def _added(session: Session, ev: Event) -> None:
    sid = ev.payload.get("stakeholder_id")
    sid = as_uuid(sid) if sid else None
    if sid is not None and session.get(Stakeholder, sid) is None:
        sid = None      # the register here does not hold them (the name is kept all the same)
    put(session, Inquiry, as_uuid(ev.need("inquiry_id")), incident_id=ev.incident(), asked_by=ev.need("asked_by"),
        stakeholder_id=sid, channel=ev.need("channel"), text=ev.need("text"), category=ev.need("category"),
        asked_at=as_time(ev.need("asked_at")), answer_id=None, answered_by=None, answered_at=None,
        created_by=ev.actor, created_at=ev.at, source_ref=ev.payload.get("source_ref"))


def _answered(session: Session, ev: Event) -> None:
    did = as_uuid(ev.need("draft_id"))
    if session.get(Draft, did) is None:
        raise EventRefused(f"no update {did} for inquiry answer: an event it depends on was not applied")
    change(session, Inquiry, as_uuid(ev.need("inquiry_id")), answer_id=did, answered_by=ev.actor,
           answered_at=ev.at)


def _reopened(session: Session, ev: Event) -> None:
    change(session, Inquiry, as_uuid(ev.need("inquiry_id")), answer_id=None, answered_by=None, answered_at=None)


APPLIERS: dict[str, Applier] = {
    "inquiry.added": _added,
    "inquiry.answered": _answered,
    "inquiry.reopened": _reopened,
}
