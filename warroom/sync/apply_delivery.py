"""Appliers of deliveries: what dispatchers recorded, retries and cancellations.
Leases are not applied: they are the claims of one device's dispatchers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.domain import EntryKind
from warroom.store.models import Delivery
from warroom.sync.apply_base import Applier, Event, as_uuid, change, opt_time
from warroom.sync.apply_drafts import put_delivery
from warroom.sync.apply_incidents import entry


def _sent(session: Session, ev: Event) -> None:
    p = ev.payload
    receipt = p["stored_receipt"] if "stored_receipt" in p else p.get("receipt")
    change(session, Delivery, as_uuid(ev.need("delivery_id")),
           state="simulated" if ev.kind == "delivery.simulated" else "delivered", receipt=receipt,
           delivered_at=ev.at, last_error=None, attempts=int(ev.need("attempts")), updated_at=ev.at)


def _attempt_failed(session: Session, ev: Event) -> None:
    p = ev.payload
    values = dict(attempts=int(ev.need("attempt")), last_error=ev.need("error"), updated_at=ev.at)
    if "stored_receipt" in p:
        values["receipt"] = p["stored_receipt"]
    if p.get("retry_at") is not None:
        values["next_attempt_at"] = opt_time(p["retry_at"])
    change(session, Delivery, as_uuid(ev.need("delivery_id")), **values)


def _settled(session: Session, ev: Event) -> None:
    """A failover or a dead letter: the rows it settled, the timeline's alert, and
    (a failover) the deliveries it queued on the next channel."""
    for row in ev.need("settled"):
        change(session, Delivery, as_uuid(row["id"]), state=row["state"], last_error=row["last_error"],
               updated_at=ev.at)
    for record in ev.payload.get("new_rows") or ():
        put_delivery(session, record, ev.device_id)
    if ev.payload.get("entry_id"):
        entry(session, ev, ev.payload["entry_id"], EntryKind.DELIVERY.value, ev.need("text"))


def _retried(session: Session, ev: Event) -> None:
    key = as_uuid(ev.need("delivery_id"))
    # Due in the dispatcher's real time (an exercise's events are stamped with its own clock).
    due = opt_time(ev.payload.get("due_at")) or ev.at
    if ev.need("from") == "queued":
        change(session, Delivery, key, next_attempt_at=due, updated_at=ev.at)
    else:
        change(session, Delivery, key, state="queued", next_attempt_at=due, attempts=0, queued_at=due,
               updated_at=ev.at)


def _adopted(session: Session, ev: Event) -> None:
    """Another device's dispatcher sends these from now on (its laptop took them over)."""
    device = as_uuid(ev.need("device"))
    for key in ev.need("delivery_ids"):
        change(session, Delivery, as_uuid(key), origin_device=device, updated_at=ev.at)


def _cancelled(session: Session, ev: Event) -> None:
    change(session, Delivery, as_uuid(ev.need("delivery_id")), state="cancelled", updated_at=ev.at)


APPLIERS: dict[str, Applier] = {
    "delivery.delivered": _sent,
    "delivery.simulated": _sent,
    "delivery.attempt_failed": _attempt_failed,
    "delivery.failed_over": _settled,
    "delivery.dead": _settled,
    "delivery.retried": _retried,
    "delivery.cancelled": _cancelled,
    "delivery.adopted": _adopted,
}
