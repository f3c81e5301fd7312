"""Appliers of follow-up actions (:mod:`warroom.services.followups`): each sets the
row to what its event carries, so applying one twice changes nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from warroom.store.models import Followup
from warroom.sync.apply_base import Applier, Event, as_uuid, change, put


def _added(session: Session, ev: Event) -> None:
    put(session, Followup, as_uuid(ev.need("followup_id")), incident_id=ev.incident(), text=ev.need("text"),
        owner=ev.need("owner"), due=date.fromisoformat(ev.need("due")), done_at=None, done_by=None,
        created_by=ev.actor, created_at=ev.at, updated_at=ev.at)


def _changed(session: Session, ev: Event) -> None:
    values = {}
    for field, (_old, new) in dict(ev.need("changes")).items():
        if field in ("text", "owner"):
            values[field] = new
        elif field == "due":
            values[field] = date.fromisoformat(new)
    change(session, Followup, as_uuid(ev.need("followup_id")), updated_at=ev.at, **values)


def _done(session: Session, ev: Event) -> None:
    change(session, Followup, as_uuid(ev.need("followup_id")), done_at=ev.at, done_by=ev.actor, updated_at=ev.at)


def _reopened(session: Session, ev: Event) -> None:
    change(session, Followup, as_uuid(ev.need("followup_id")), done_at=None, done_by=None, updated_at=ev.at)


APPLIERS: dict[str, Applier] = {
    "followup.added": _added,
    "followup.changed": _changed,
    "followup.done": _done,
    "followup.reopened": _reopened,
}
