"""Incidents: open, list, show, change status and severity, edit the facts."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom import ids, inputs
from warroom.domain import DEFAULT_UPDATE_INTERVALS, Category, EntryKind, Impact, Severity, Status, check_transition
from warroom.errors import InputError, NotFound
from warroom.ids import uuid7
from warroom.services import access, cadence, refs
from warroom.services.access import Action
from warroom.store import Store, Tx
from warroom.store.models import Incident, Meta, Person, TimelineEntry
from warroom.sync import lww
from warroom.views import IncidentView, list_order, next_update_due

__all__ = ["IncidentView", "next_update_due"]  # the plain view and its rule live in warroom.views

MAX_TITLE = 200
MAX_COMPONENTS = 50
MAX_NAME = 200


def _view(row: Incident, intervals: dict[Severity, timedelta]) -> IncidentView:
    severity = Severity(row.severity)
    status = Status(row.status)
    return IncidentView(
        id=row.id, ref=row.ref, title=row.title, category=Category(row.category), severity=severity,
        impact=Impact(row.impact), status=status, customer_facing=row.customer_facing,
        components=tuple(row.components or ()), commander=row.commander, confidential=row.confidential,
        exercise=row.exercise, members=tuple(row.members or ()), detected_at=row.detected_at, declared_at=row.declared_at,
        status_changed_at=row.status_changed_at, resolved_at=row.resolved_at, last_update_at=row.last_update_at,
        updated_at=row.updated_at,
        next_update_due=next_update_due(status, severity, row.declared_at, row.last_update_at, intervals),
    )


# -- validation -------------------------------------------------------------

def _clean_title(title: str) -> str:
    inputs.check_plain(title or "", field="title", what="The incident's title")
    title = " ".join((title or "").split())
    if not title:
        raise InputError("An incident needs a title: say in a few words what is broken.", field="title")
    if len(title) > MAX_TITLE:
        raise InputError(f"The title is {len(title)} characters; keep it under {MAX_TITLE}.", field="title")
    return title


def _clean_name(name: str, what: str) -> str:
    inputs.check_plain(name or "", field=what, what=f"The {what}'s name")
    name = " ".join((name or "").split())
    if len(name) > MAX_NAME:
        raise InputError(f"The {what} name is too long (over {MAX_NAME} characters).", field=what)
    return name


def _clean_components(components: list[str] | tuple[str, ...] | str | None) -> list[str]:
    if components is None:
        return []
    if isinstance(components, str):
        components = components.split(",")
    out: list[str] = []
    for c in components:
        inputs.check_plain(c, field="components", what="A component's name")
        c = " ".join(c.split())
        if c and c not in out:
            if len(c) > 100:
                raise InputError(f"A component name is too long: {c[:40]}…")
            out.append(c)
    if len(out) > MAX_COMPONENTS:
        raise InputError(f"At most {MAX_COMPONENTS} affected components.")
    return out


def check_past(when: datetime, now: datetime, what: str) -> datetime:
    if when.tzinfo is None:
        raise InputError(f"The {what} has no time zone.")
    if when > now:
        raise InputError(f"The {what} ({when:%Y-%m-%d %H:%M} UTC) is in the future; it must be now or earlier.")
    return when


# -- look-up ----------------------------------------------------------------

def find_row(session: Session, key: str | uuid.UUID) -> Incident:
    """The incident row by reference or id, unchecked: services check the actor next."""
    if isinstance(key, uuid.UUID):
        row = session.get(Incident, key)
        if row is None:
            raise NotFound(f"No incident with id {key}.", field="incident")
        return row
    text = str(key).strip()
    if not text:
        raise NotFound("Name an incident by its reference (INC-12) or id.", field="incident")
    ref = text.upper()
    if ref.isdigit() and ref.isascii():
        ref = f"INC-{int(ref)}"
    row = session.scalars(select(Incident).where(Incident.ref == ref)).first()
    if row is not None:
        return row
    if ids.typed_prefix(text) is None:  # an id is ASCII hex, whole or its beginning
        raise NotFound(f"No incident {text!r}: the incident list shows the references.", field="incident")
    return refs.by_prefix(session, "incident", text)


def find(session: Session, key: str | uuid.UUID, viewer: str) -> Incident:
    """The incident row, for services working in a session: refused or not found
    when ``viewer`` may not see it."""
    row = find_row(session, key)
    access.check_read(session, viewer, row)
    return row


def view_of(row: Incident, intervals: dict[Severity, timedelta] | None = None) -> IncidentView:
    """A row as the plain view (the severities' default cadence unless given)."""
    return _view(row, intervals or DEFAULT_UPDATE_INTERVALS)


def resolve_id(store: Store, key: str | uuid.UUID, *, viewer: str) -> uuid.UUID:
    with store.read() as session:
        return find(session, key, viewer).id


def get(store: Store, key: str | uuid.UUID, *, viewer: str) -> IncidentView:
    """One incident; a confidential one ``viewer`` may not see is not found."""
    intervals = cadence.update_intervals(store)
    with store.read() as session:
        return _view(find(session, key, viewer), intervals)


def list_incidents(store: Store, *, viewer: str, include_resolved: bool = True) -> list[IncidentView]:
    """Active incidents first (most severe, then most recent), then resolved ones:
    only those ``viewer`` may see."""
    intervals = cadence.update_intervals(store)
    with store.read() as session:
        w = access.reader(session, viewer)
        stmt = select(Incident)
        if not include_resolved:
            stmt = stmt.where(Incident.status != Status.RESOLVED.value)
        rows = session.scalars(stmt).all()
        views = [_view(r, intervals) for r in rows if access.visible(w, r)]
    views.sort(key=list_order)
    return views


def count(store: Store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


# -- changes ----------------------------------------------------------------

def _timeline(tx: Tx, incident: Incident, kind: EntryKind, text: str) -> TimelineEntry:
    entry = TimelineEntry(id=uuid7(), incident_id=incident.id, kind=kind.value, text=text, author=tx.actor,
                          occurred_at=tx.now, recorded_at=tx.now, edited_at=None)
    tx.session.add(entry)
    return entry


def open_incident(
    store: Store, actor: str, *, title: str, severity: str | Severity, category: str | Category = Category.OTHER,
    impact: str | Impact = Impact.DEGRADED, customer_facing: bool = False,
    components: list[str] | tuple[str, ...] | str | None = None, detected_at: datetime | None = None,
    commander: str | None = None, confidential: bool = False, exercise: bool = False,
) -> IncidentView:
    title = _clean_title(title)
    sev = Severity.parse(severity)
    cat = Category.parse(category)
    imp = Impact.parse(impact)
    comps = _clean_components(components)
    commander = _clean_name(commander if commander is not None else actor, "commander")
    with store.write(actor) as tx:
        access.require(tx, Action.DECLARE)
        _check_commander(tx, commander)
        detected = check_past(detected_at or tx.now, tx.now, "detection time")
        meta = tx.session.get(Meta, "next_incident_number")
        assert meta is not None
        number = int(meta.value)
        meta.value = str(number + 1)
        row = Incident(
            id=uuid7(), ref=f"INC-{number}", title=title, category=cat.value, severity=sev.value, impact=imp.value,
            status=Status.INVESTIGATING.value, customer_facing=bool(customer_facing), components=comps,
            commander=commander, confidential=bool(confidential), exercise=bool(exercise),
            members=[actor] if confidential and actor != commander else [], detected_at=detected,
            declared_at=tx.now, status_changed_at=tx.now, resolved_at=None, last_update_at=None,
            created_at=tx.now, updated_at=tx.now,
        )
        tx.session.add(row)
        entry = _timeline(tx, row, EntryKind.STATUS_CHANGE,
                          f"Incident declared: {sev.value}, {Status.INVESTIGATING.label}. {title}")
        tx.record("incident.opened", {
            "ref": row.ref, "title": title, "category": cat, "severity": sev, "impact": imp,
            "status": Status.INVESTIGATING, "customer_facing": row.customer_facing, "components": comps,
            "commander": commander, "confidential": row.confidential, "exercise": row.exercise,
            "detected_at": detected, "entry_id": entry.id, "members": list(row.members), "entry_text": entry.text,
        }, incident_id=row.id)
        tx.session.flush()
    return get(store, row.id, viewer=access.SYSTEM)  # checked in the transaction


def _check_commander(tx: Tx, name: str) -> None:
    """A commander is someone in the register who holds the commander role (while
    the register is empty, anyone)."""
    if access.register_empty(tx.session) or access.is_system(tx.actor):
        return
    p = tx.session.scalars(select(Person).where(Person.name == name)).first()
    if p is None:
        raise InputError(f"{name!r} is not in the people register; a commander must be.", field="commander")
    if "incident_commander" not in (p.roles or []):
        raise InputError(f"{name} does not hold the incident commander role, so cannot command an incident.",
                         field="commander")


def set_status(store: Store, actor: str, key: str | uuid.UUID, status: str | Status, *,
               note: str | None = None, reopen: bool = False) -> IncidentView:
    new = Status.parse(status)
    note = (note or "").strip()
    if reopen and not note:
        raise InputError("Say why the incident is reopened.")
    if len(note) > 2000:
        raise InputError("The reason is too long; keep it under 2000 characters and log details as notes.")
    with store.write(actor) as tx:
        row = find_row(tx.session, key)
        access.require(tx, Action.STATUS, row)
        old = Status(row.status)
        check_transition(old, new, reopen=reopen)
        row.status = new.value
        row.status_changed_at = tx.now
        row.updated_at = tx.now
        row.resolved_at = tx.now if new == Status.RESOLVED else None
        verb = "Reopened" if reopen else "Status"
        text = f"{verb}: {old.label} → {new.label}" + (f". {note}" if note else "")
        entry = _timeline(tx, row, EntryKind.STATUS_CHANGE, text)
        tx.record("incident.reopened" if reopen else "incident.status_changed",
                  {"from": old, "to": new, "note": note or None, "entry_id": entry.id, "entry_text": entry.text,
                   "hlc": lww.next_stamp(tx.session, row.id, tx.now, lww.STATUS_KINDS)},
                  incident_id=row.id)
        incident_id = row.id
    return get(store, incident_id, viewer=access.SYSTEM)  # checked in the transaction


def reopen(store: Store, actor: str, key: str | uuid.UUID, reason: str,
           status: str | Status = Status.INVESTIGATING) -> IncidentView:
    return set_status(store, actor, key, status, note=reason, reopen=True)


def set_severity(store: Store, actor: str, key: str | uuid.UUID, severity: str | Severity, *,
                 note: str | None = None) -> IncidentView:
    new = Severity.parse(severity)
    note = (note or "").strip()
    with store.write(actor) as tx:
        row = find_row(tx.session, key)
        access.require(tx, Action.STATUS, row)
        old = Severity(row.severity)
        if old == new:
            raise InputError(f"The incident is already {new.value}.")
        if row.status == Status.RESOLVED.value:
            raise InputError("The incident is resolved: reopen it before changing its severity.")
        row.severity = new.value
        row.updated_at = tx.now
        word = "raised" if new.rank < old.rank else "lowered"
        text = f"Severity {word}: {old.value} → {new.value}" + (f". {note}" if note else "")
        entry = _timeline(tx, row, EntryKind.SEVERITY_CHANGE, text)
        tx.record("incident.severity_changed", {"from": old, "to": new, "note": note or None,
                                                "entry_id": entry.id, "entry_text": entry.text,
                                                "hlc": lww.next_stamp(tx.session, row.id, tx.now,
                                                                      lww.SEVERITY_KINDS)}, incident_id=row.id)
        incident_id = row.id
    return get(store, incident_id, viewer=access.SYSTEM)  # checked in the transaction


_EDITABLE = {"title", "category", "impact", "customer_facing", "components", "commander", "confidential",
             "exercise", "detected_at"}


def update_incident(store: Store, actor: str, key: str | uuid.UUID, **changes: Any) -> IncidentView:
    """Edit an incident's facts (not its status or severity, which have their own calls)."""
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise InputError(f"Cannot change {', '.join(sorted(unknown))} this way.")
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "title":
            clean[field] = _clean_title(value)
        elif field == "category":
            clean[field] = Category.parse(value).value
        elif field == "impact":
            clean[field] = Impact.parse(value).value
        elif field == "components":
            clean[field] = _clean_components(value)
        elif field == "commander":
            clean[field] = _clean_name(value, "commander")
        elif field == "detected_at":
            clean[field] = value
        else:
            clean[field] = bool(value)
    with store.write(actor) as tx:
        row = find_row(tx.session, key)
        access.require(tx, Action.EDIT_INCIDENT, row)
        if "commander" in clean and clean["commander"] != row.commander:
            _check_commander(tx, clean["commander"])
        diff: dict[str, list[Any]] = {}
        for field, value in clean.items():
            if field == "detected_at":
                check_past(value, tx.now, "detection time")
                if value > row.declared_at:
                    raise InputError("The detection time cannot be after the incident was declared.")
            old = getattr(row, field)
            if old != value:
                diff[field] = [old, value]
                setattr(row, field, value)
        if row.confidential and ("commander" in diff or "confidential" in diff):
            # Whoever commanded it, or made it confidential, keeps seeing it.
            keep = [n for n in (diff.get("commander", [None])[0], tx.actor)
                    if n and n != row.commander and n not in (row.members or [])]
            if keep and not access.is_system(tx.actor):
                diff["members"] = [list(row.members or []), list(row.members or []) + keep]
                row.members = diff["members"][1]
        if diff:
            row.updated_at = tx.now
            tx.record("incident.updated", {"changes": diff, "hlc": lww.next_stamp(tx.session, row.id, tx.now)},
                      incident_id=row.id)
        incident_id = row.id
    return get(store, incident_id, viewer=access.SYSTEM)  # checked in the transaction


def set_members(store: Store, actor: str, key: str | uuid.UUID, *, add: list[str] = (),
                remove: list[str] = ()) -> IncidentView:
    """Who may see a confidential incident; only its commander and members change it."""
    with store.write(actor) as tx:
        row = find_row(tx.session, key)
        access.require(tx, Action.MEMBERS, row)
        members = list(row.members or [])
        before = list(members)
        known = set(tx.session.scalars(select(Person.name)))
        for name in add:
            name = _clean_name(name, "member")
            if name not in known:
                raise InputError(f"{name!r} is not in the people register; add them there first.", field="members")
            if name not in members:
                members.append(name)
        for name in remove:
            if name in members:
                members.remove(name)
        if members != before:
            row.members = members
            row.updated_at = tx.now
            tx.record("incident.members_changed", {"from": before, "to": members}, incident_id=row.id)
        incident_id = row.id
    return get(store, incident_id, viewer=access.SYSTEM)  # checked in the transaction
