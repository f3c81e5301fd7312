"""Appliers of incidents and their timelines."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.domain import EntryKind, Status
from warroom.store.models import Incident, Meta, TimelineEntry
from warroom.sync import lww, references
from warroom.sync.apply_base import Applier, Event, as_time, as_uuid, change, put


def entry(session: Session, ev: Event, entry_id, kind: str, text: str, occurred_at=None) -> TimelineEntry:
    """A timeline entry an event wrote (its author is the event's actor)."""
    return put(session, TimelineEntry, as_uuid(entry_id), incident_id=ev.incident(), kind=kind, text=text,
               author=ev.actor, occurred_at=occurred_at or ev.at, recorded_at=ev.at, edited_at=None)


def _opened(session: Session, ev: Event) -> None:
    p = ev.payload
    commander = p.get("commander") or ""
    confidential = bool(p.get("confidential"))
    members = p.get("members")
    if members is None:  # written before events carried it: the service's own rule
        members = [ev.actor] if confidential and ev.actor != commander else []
    status = p.get("status") or Status.INVESTIGATING.value
    here = session.get(Incident, ev.incident())
    ref = here.ref if here is not None else references.take(session, ev.incident(), ev.need("ref"), ev.at, ev.id)
    put(session, Incident, ev.incident(), ref=ref, title=ev.need("title"), category=p["category"],
        severity=p["severity"], impact=p["impact"], status=status, customer_facing=bool(p.get("customer_facing")),
        components=list(p.get("components") or []), commander=commander, confidential=confidential,
        members=list(members), exercise=bool(p.get("exercise")), detected_at=as_time(p["detected_at"]),
        declared_at=ev.at, status_changed_at=ev.at, resolved_at=None, last_update_at=None, created_at=ev.at,
        updated_at=ev.at)
    text = p.get("entry_text") or f"Incident declared: {p['severity']}, {Status(status).label}. {p['title']}"
    entry(session, ev, ev.need("entry_id"), EntryKind.STATUS_CHANGE.value, text)
    _count_past(session, ev.need("ref"))


def _count_past(session: Session, ref: str) -> None:
    """The next incident number stays past every reference seen (INC-n)."""
    try:
        number = int(str(ref).rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return
    meta = session.get(Meta, "next_incident_number")
    if meta is None:
        session.add(Meta(key="next_incident_number", value=str(number + 1)))
    elif int(meta.value) <= number:
        meta.value = str(number + 1)


def _renumbered(session: Session, ev: Event) -> None:
    """Another laptop's incident took its final number (see :mod:`warroom.sync.references`)."""
    new = ev.need("to")
    incident = session.get(Incident, ev.incident())
    if incident is None:
        change(session, Incident, ev.incident())          # refused: out of order
    if incident.ref != new:
        incident.ref = references.take(session, incident.id, new, ev.at, ev.id)
    incident.updated_at = ev.at
    text = ev.payload.get("entry_text") or references.renumbered_text(ev.need("from"), new)
    entry(session, ev, ev.need("entry_id"), EntryKind.NOTE.value, text)
    _count_past(session, new)


def _lost(session: Session, ev: Event, lost) -> None:
    if lost is not None:
        entry_id, author, text, at = lost
        put(session, TimelineEntry, entry_id, incident_id=ev.incident(), kind=EntryKind.NOTE.value, text=text,
            author=author, occurred_at=at, recorded_at=at, edited_at=None)


def _status(session: Session, ev: Event) -> None:
    """The latest move by the clock sets the status on every laptop, whatever order
    moves arrive in; a move lost to one made at the same time is shown (see
    :func:`warroom.sync.lww.resolve_move`). Every move stays on the timeline."""
    new = Status(ev.need("to"))
    takes, lost = lww.resolve_move(session, ev, "status", lww.STATUS_KINDS, lambda v: Status(v).label)
    if takes:
        change(session, Incident, ev.incident(), status=new.value, status_changed_at=ev.at, updated_at=ev.at,
               resolved_at=ev.at if new == Status.RESOLVED else None)
    _lost(session, ev, lost)
    note = ev.payload.get("note")
    verb = "Reopened" if ev.kind == "incident.reopened" else "Status"
    text = ev.payload.get("entry_text") or (f"{verb}: {Status(ev.payload['from']).label} → {new.label}"
                                            + (f". {note}" if note else ""))
    entry(session, ev, ev.need("entry_id"), EntryKind.STATUS_CHANGE.value, text)


def _severity(session: Session, ev: Event) -> None:
    """As :func:`_status`: the latest move by the clock sets the severity everywhere."""
    old, new = ev.need("from"), ev.need("to")
    takes, lost = lww.resolve_move(session, ev, "severity", lww.SEVERITY_KINDS)
    if takes:
        change(session, Incident, ev.incident(), severity=new, updated_at=ev.at)
    _lost(session, ev, lost)
    note = ev.payload.get("note")
    word = "raised" if new < old else "lowered"      # SEV1 is the most severe
    text = ev.payload.get("entry_text") or (f"Severity {word}: {old} → {new}" + (f". {note}" if note else ""))
    entry(session, ev, ev.need("entry_id"), EntryKind.SEVERITY_CHANGE.value, text)


def _updated(session: Session, ev: Event) -> None:
    """The last writer of each field wins; a value lost to an edit made at the same time
    is kept on the timeline (see :mod:`warroom.sync.lww`)."""
    sets, lost, last_edit = lww.resolve(session, ev)
    values = {field: as_time(new) if field == "detected_at" else new for field, new in sets.items()}
    row = change(session, Incident, ev.incident(), **values)
    row.updated_at = last_edit
    for entry_id, author, text, at, _field in lost:
        put(session, TimelineEntry, entry_id, incident_id=row.id, kind=EntryKind.NOTE.value, text=text,
            author=author, occurred_at=at, recorded_at=at, edited_at=None)


def _members(session: Session, ev: Event) -> None:
    change(session, Incident, ev.incident(), members=list(ev.need("to")), updated_at=ev.at)


def _logged(session: Session, ev: Event) -> None:
    entry(session, ev, ev.need("entry_id"), ev.need("kind"), ev.need("text"), as_time(ev.need("occurred_at")))


def _edited(session: Session, ev: Event) -> None:
    change(session, TimelineEntry, as_uuid(ev.need("entry_id")), text=ev.need("text"), edited_at=ev.at)


APPLIERS: dict[str, Applier] = {
    "incident.opened": _opened,
    "incident.status_changed": _status,
    "incident.reopened": _status,
    "incident.severity_changed": _severity,
    "incident.updated": _updated,
    "incident.renumbered": _renumbered,
    "incident.members_changed": _members,
    "timeline.logged": _logged,
    "timeline.edited": _edited,
}
