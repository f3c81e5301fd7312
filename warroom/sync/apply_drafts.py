"""Appliers of updates: drafts and their revisions, reviews, publishing, withdrawing
and retracting."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.delivery import records
from warroom.domain import EntryKind
from warroom.store.models import Delivery, Draft, DraftRevision, Incident, ReviewRequest
from warroom.sync.apply_base import Applier, Event, EventRefused, as_uuid, change, opt_time, opt_uuid, put
from warroom.sync.apply_incidents import entry


def derived_id(ev: Event, what: str) -> uuid.UUID:
    """The id of a row an older event made without naming it: the same on every device."""
    return uuid.uuid5(ev.id, what)


def put_delivery(session: Session, record: dict, origin: uuid.UUID) -> Delivery:
    """A delivery as a journal event carries it (see :mod:`warroom.delivery.records`),
    sent by ``origin``: the device whose event queued it, never this one's dispatcher."""
    values = dict(record, origin_device=origin)
    key = as_uuid(values.pop("id"))
    for name in ("incident_id", "draft_id", "channel_id"):
        values[name] = as_uuid(values[name])
    values["failover_from"] = opt_uuid(values.get("failover_from"))
    for name in ("next_attempt_at", "created_at", "queued_at", "updated_at", "delivered_at"):
        values[name] = opt_time(values.get(name))
    return put(session, Delivery, key, **values)


def _revision_row(session: Session, draft_id: uuid.UUID, number: int) -> DraftRevision:
    row = session.scalars(select(DraftRevision).where(DraftRevision.draft_id == draft_id,
                                                      DraftRevision.number == number)).first()
    if row is None:
        raise EventRefused(f"no revision {number} of update {draft_id}: an event it depends on was not applied")
    return row


def _composed(session: Session, ev: Event) -> None:
    p = ev.payload
    draft_id = as_uuid(ev.need("draft_id"))
    values = dict(incident_id=ev.incident(), audience=ev.need("audience"), locale=ev.need("locale"),
                  template_id=opt_uuid(p.get("template_id")), template_version=p.get("template_version"),
                  etr=p.get("etr"), created_by=ev.actor, created_at=ev.at, kind=p.get("kind") or "update",
                  corrects_id=opt_uuid(p.get("corrects")), addressee=p.get("addressee"))
    if session.get(Draft, draft_id) is None:
        session.add(Draft(id=draft_id, state="draft", current_revision=1, updated_at=ev.at, published_at=None,
                          next_update_at=None, retracted_at=None, retracted_by=None, retract_reason=None, **values))
    else:
        change(session, Draft, draft_id, **values)


def _revised(session: Session, ev: Event) -> None:
    p = ev.payload
    draft_id = as_uuid(ev.need("draft_id"))
    number = int(ev.need("revision"))
    revision_id = as_uuid(p["revision_id"]) if p.get("revision_id") else derived_id(ev, "revision")
    put(session, DraftRevision, revision_id, draft_id=draft_id, number=number, subject=p["subject"], long=p["long"],
        short=p["short"], chat=p["chat"], title=p.get("title") or "", short_own=bool(p.get("short_own")),
        chat_own=bool(p.get("chat_own")), author=ev.actor, created_at=ev.at, content_hash=p["content_hash"])
    d = session.get(Draft, draft_id)
    # The first revision is written before its draft's own event (in the same transaction).
    if d is not None and number > 1:
        d.current_revision, d.updated_at = number, ev.at


def _acknowledged(session: Session, ev: Event) -> None:
    rev = _revision_row(session, as_uuid(ev.need("draft_id")), int(ev.need("revision")))
    rev.acknowledged = ev.need("acknowledged")


def _requested(session: Session, ev: Event) -> None:
    draft_id = as_uuid(ev.need("draft_id"))
    for request_id in ev.need("voided"):
        change(session, ReviewRequest, as_uuid(request_id), state="void")
    for r in ev.need("requests"):
        put(session, ReviewRequest, as_uuid(r["id"]), draft_id=draft_id, revision=int(ev.need("revision")),
            content_hash=ev.need("content_hash"), role=r["role"], state="pending", decided_by=None,
            decided_at=None, comment=None, created_at=ev.at, assignee=r.get("assignee"),
            due_at=opt_time(r.get("due_at")), level=0)
    change(session, Draft, draft_id, state="in_review", updated_at=ev.at)


def _decided(session: Session, ev: Event) -> None:
    change(session, ReviewRequest, as_uuid(ev.need("request_id")), state=ev.need("decision"), decided_by=ev.actor,
           decided_at=ev.at, comment=ev.payload.get("comment"))
    change(session, Draft, as_uuid(ev.need("draft_id")), state=ev.need("draft_state"), updated_at=ev.at)


def _dispute_decided(session: Session, ev: Event) -> None:
    change(session, Draft, as_uuid(ev.need("draft_id")), state=ev.need("draft_state"), updated_at=ev.at)


def _overridden(session: Session, ev: Event) -> None:
    change(session, Draft, as_uuid(ev.need("draft_id")), state="overridden", updated_at=ev.at)


def _handed_over(session: Session, ev: Event) -> None:
    change(session, ReviewRequest, as_uuid(ev.need("request_id")), assignee=ev.payload.get("to"),
           level=int(ev.need("level")), due_at=opt_time(ev.payload.get("due_at")))


def _published(session: Session, ev: Event) -> None:
    p = ev.payload
    change(session, Draft, as_uuid(ev.need("draft_id")), state="published", updated_at=ev.at, published_at=ev.at,
           next_update_at=opt_time(p.get("next_update_at")))
    change(session, Incident, ev.incident(), last_update_at=ev.at, updated_at=ev.at)
    entry(session, ev, ev.need("entry_id"), EntryKind.PUBLISHED.value, ev.need("entry_text"))
    if "delivery_groups" not in p:
        ev.need("delivery_rows")
    for record in records.published(p):
        put_delivery(session, record, ev.device_id)


def _withdrawn(session: Session, ev: Event) -> None:
    change(session, Draft, as_uuid(ev.need("draft_id")), state="withdrawn", updated_at=ev.at)
    for request_id in ev.need("voided"):
        change(session, ReviewRequest, as_uuid(request_id), state="void")


_CANCELLED = "cancelled: the update was retracted"


def _retracted(session: Session, ev: Event) -> None:
    d = change(session, Draft, as_uuid(ev.need("draft_id")), state="retracted", retracted_at=ev.at,
               retracted_by=ev.actor, retract_reason=ev.need("reason"), updated_at=ev.at)
    notice_id = as_uuid(ev.need("notice_id"))
    put(session, Draft, notice_id, incident_id=d.incident_id, audience=d.audience, locale=d.locale, template_id=None,
        template_version=None, state="published", current_revision=1, etr=None, created_by=ev.actor,
        created_at=ev.at, updated_at=ev.at, kind="retraction", corrects_id=d.id, published_at=ev.at,
        next_update_at=None, retracted_at=None, retracted_by=None, retract_reason=None)
    texts = ev.need("notice")
    content_hash = ev.need("notice_content_hash")
    put(session, DraftRevision, as_uuid(ev.need("notice_revision_id")), draft_id=notice_id, number=1,
        author=ev.actor, created_at=ev.at, content_hash=content_hash, short_own=False, chat_own=False,
        **{k: texts[k] for k in ("title", "subject", "long", "short", "chat")})
    for r in ev.need("notice_requests"):
        put(session, ReviewRequest, as_uuid(r["id"]), draft_id=notice_id, revision=1, content_hash=content_hash,
            role=r["role"], state="pending", decided_by=None, decided_at=None, comment=None, created_at=ev.at,
            assignee=None, due_at=None, level=0)
    for delivery_id in ev.need("cancelled_ids"):
        change(session, Delivery, as_uuid(delivery_id), state="cancelled", updated_at=ev.at, last_error=_CANCELLED)
    for record in ev.need("retraction_rows"):
        put_delivery(session, record, ev.device_id)
    entry(session, ev, ev.need("entry_id"), EntryKind.PUBLISHED.value, ev.need("entry_text"))


APPLIERS: dict[str, Applier] = {
    "draft.composed": _composed,
    "draft.revised": _revised,
    "draft.warnings_acknowledged": _acknowledged,
    "review.requested": _requested,
    "review.decided": _decided,
    "review.dispute_decided": _dispute_decided,
    "review.overridden": _overridden,
    "review.handed_over": _handed_over,
    "update.published": _published,
    "update.withdrawn": _withdrawn,
    "update.retracted": _retracted,
}
