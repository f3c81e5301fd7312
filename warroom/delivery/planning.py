"""Queueing an update: the delivery rows a publish writes (in its own transaction,
so nothing acknowledged is lost), one per channel and recipient along the routes of
the audience's matrix cell, and the same plan counted for a confirmation."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable


from warroom.channels.base import Message
from warroom.delivery import records
from warroom.domain import Impact, Status, statuspage_component_status, statuspage_impact, statuspage_status
from warroom.errors import NotFound
from warroom.ids import uuid7
from warroom.services import access, outbox
from warroom.services.channels import kind_module, routable
from warroom.services.matrix import cell_for, own_matrix
from warroom.services.settings import get_org_in
from warroom.services.stakeholders import register_of
from warroom.store import Store
from warroom.store.models import Channel, Delivery, Draft, Incident



def message_for(session, incident: Incident, d: Draft, texts: dict[str, str], delivery_id: uuid.UUID,
                now: datetime, *, kind: str = "update", retracts: dict | None = None) -> Message:
    """The message channels render from: the published words (``texts``: title,
    subject, long, short, chat, as they go out), never the internal title."""
    status, impact = Status(incident.status), Impact(incident.impact)
    return Message(
        delivery_id=str(delivery_id), incident_id=str(incident.id), incident_ref=incident.ref,
        title=texts.get("title") or texts["subject"], status=status.value,
        statuspage_status=statuspage_status(status), impact=statuspage_impact(impact),
        component_status=statuspage_component_status(impact, status), severity=incident.severity,
        components=tuple(incident.components or ()), audience=d.audience, locale=d.locale,
        subject=texts["subject"], long=texts["long"], short=texts["short"], chat=texts["chat"], published_at=now,
        exercise=incident.exercise, status_url=get_org_in(session).status_url or None, kind=kind,
        retracts=retracts)


def _channel_rows(session, incident: Incident) -> dict[str, Channel]:
    """The channels the incident may route to: an exercise's own, or the real ones."""
    return routable(session, incident.id if own_matrix(session, incident) is not None else None)


def new_deliveries(tx, incident: Incident, d: Draft, channel: Channel, *, message: dict,
                   failover_from: uuid.UUID | None = None, route: list[str] | None = None,
                   only: set[str] | None = None, exercise: bool | None = None,
                   priority: int = 0) -> dict[str, Any]:
    """Queue the message on one channel: one row per address with the channel's kind
    of contact (``only``: just these stakeholders), or one for a channel-wide send.
    Stakeholders sharing an address (a team's one phone) get it once.

    Returns the rows as the journal carries them: one group (:func:`records.group`),
    whose ``rows`` are empty when nobody was reached."""
    module = kind_module(channel.kind)
    shared = dict(incident_id=incident.id, draft_id=d.id, channel_id=channel.id, audience=d.audience,
                  message=message, state="queued", attempts=0, next_attempt_at=outbox.queue_time(tx, channel),
                  lease_owner=None,
                  lease_until=None, last_error=None, receipt=None, failover_from=failover_from,
                  route=list(route or [channel.name]), exercise=incident.exercise if exercise is None else exercise,
                  priority=priority, created_at=tx.now, queued_at=tx.now, updated_at=tx.now, delivered_at=None,
                  origin_device=tx.store.device_id)
    rows: list[dict[str, Any]] = []      # as the journal carries them: the id in its text form
    ids: list[uuid.UUID] = []
    seen: set[str] = set()
    if d.addressee:       # one stakeholder's personal update: to them alone, never channel-wide
        if module.RECIPIENT is None:
            return records.group(shared, rows)
        only = {d.addressee} if only is None else only & {d.addressee}
    via = cell_for(tx.session, incident, d.audience).via_success_manager
    for r in outbox.recipients(tx.session, module.RECIPIENT, d.audience, via_manager=via,
                               exercise=register_of(tx.session, incident)):
        if only is not None and module.RECIPIENT is not None and r.name not in only:
            continue
        if r.address:
            key = r.address.casefold()
            if key in seen:
                continue
            seen.add(key)
        did = uuid7()
        ids.append(did)
        rows.append({"id": str(did), "recipient": r.name, "address": r.address})
    _insert(tx, shared, rows, ids)
    return records.group(shared, rows)


def _template(to_message: Callable[[Any], Any], message: dict[str, Any]) -> tuple[str, str] | None:
    """The message's stored JSON made once with a mark where each row's id goes, and the
    mark; None when it is not one text holding the mark once."""
    mark = str(uuid7())         # a fresh id: found nowhere else in the message
    text = to_message(dict(message, delivery_id=mark))
    return (text, mark) if isinstance(text, str) and text.count(mark) == 1 else None


def _insert(tx, shared: dict[str, Any], rows: list[dict[str, Any]], ids: list[uuid.UUID]) -> None:
    """Write the rows (``ids``: their ids) with one INSERT … SELECT over a JSON array of
    what is each row's own: the shared values are bound once, and the message's JSON
    is made once, each row's id written into it (its ``delivery_id``) by SQLite. The
    values are converted by the columns' own types, so the rows are the ORM's."""
    if not rows:
        return
    tx.session.flush()          # what the rows refer to is in the database first
    db = tx.plain
    table = Delivery.__table__
    fixed_names = [name for name in shared if name != "message"]
    fixed = [db.to_db(table.c[name])(shared[name]) for name in fixed_names]
    to_id = db.to_db(table.c.id)
    to_message = db.to_db(table.c.message)
    template = _template(to_message, shared["message"])
    if template is not None:    # the message's JSON once, each row's id put in its place by SQLite
        message, params = "replace(?, ?, json_extract(j.value, '$[0]'))", list(template)

        def first(r: dict[str, Any]) -> Any:
            return r["id"]
    else:                       # made per row, carried with the row
        message, params = "json_extract(j.value, '$[0]')", []

        def first(r: dict[str, Any]) -> Any:
            return to_message(dict(shared["message"], delivery_id=r["id"]))
    own = json.dumps([[first(r), to_id(did), r["recipient"], r["address"]] for did, r in zip(ids, rows)])
    columns = ", ".join(f'"{name}"' for name in [*fixed_names, "id", "recipient", "address", "message"])
    db.execute(f'INSERT INTO "{table.name}" ({columns}) SELECT {", ".join("?" * len(fixed))}, '
               f"json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]'), "
               f"{message} FROM json_each(?) AS j ORDER BY j.key", (*fixed, *params, own))


@dataclass(frozen=True, slots=True)
class Planned:
    deliveries: int
    channels: tuple[str, ...]
    notes: tuple[str, ...]     # what will not happen, and why (no recipients, not told, …)
    counts: tuple[int, ...] = ()   # deliveries per channel, in the order of ``channels``


def plan_deliveries(tx, incident: Incident, d: Draft, texts: dict[str, str]) -> tuple[Planned, list[dict[str, Any]]]:
    """Write the deliveries of a publish: for each route of the audience's matrix cell
    at the incident's severity, its first usable channel, one row per address.
    Returns the plan and the rows written, as the journal carries them: a group per
    channel (:func:`records.group`), in the order they were written."""
    correction = d.kind == "correction" and d.corrects_id is not None
    message = message_for(tx.session, incident, d, texts, incident.id, tx.now,  # made once
                          kind="correction" if correction else "update",
                          retracts={"draft_id": str(d.corrects_id)} if correction else None).to_json()
    groups: list[dict[str, Any]] = []

    def make(ch: Channel, route: list[str]) -> int:
        made = new_deliveries(tx, incident, d, ch, message=message, route=route)
        if made["rows"]:
            groups.append(made)
        return len(made["rows"])

    planned = _plan(tx.session, d.audience, incident, make, addressee=d.addressee)
    return planned, groups


def preview(store: Store, draft_id: uuid.UUID, *, viewer: str) -> Planned:
    """What publishing this update would queue now, written nowhere: the same plan
    as :func:`plan_deliveries`, for a confirmation before anything goes out."""
    with store.read() as session:
        d = session.get(Draft, draft_id)
        if d is None:
            raise NotFound(f"No update {draft_id}.", field="draft")
        incident = session.get(Incident, d.incident_id)
        access.check_read(session, viewer, incident)
        via = cell_for(session, incident, d.audience).via_success_manager
        mine = register_of(session, incident)
        return _plan(session, d.audience, incident,
                     lambda ch, route: len({r.address.casefold() or r.name for r in
                                            outbox.recipients(session, kind_module(ch.kind).RECIPIENT, d.audience,
                                                              via_manager=via, exercise=mine)
                                            if not d.addressee or (r.name == d.addressee and r.address)}),
                     addressee=d.addressee)


def _plan(session, audience: str, incident: Incident, make, *, addressee: str | None = None) -> Planned:
    """For each route, the first enabled channel that reaches somebody;
    ``make(channel, route)`` queues (or counts) its deliveries and returns how many
    (``addressee``: one stakeholder's personal update, which no channel-wide channel carries)."""
    severity = incident.severity
    c = cell_for(session, incident, audience)
    notes: list[str] = []
    if not c.told:
        return Planned(0, (), (f"The matrix says {audience} is not told at {severity}.",))
    if c.only_customer_facing and not incident.customer_facing:
        return Planned(0, (), (f"The matrix tells {audience} only about customer-facing incidents, and "
                               f"{incident.ref} is internal.",))
    if not c.routes:
        return Planned(0, (), (f"No channels for {audience} at {severity} in the matrix: "
                               "the update is recorded as published but goes nowhere "
                               "(set them with matrix set).",))
    channels = _channel_rows(session, incident)
    used: list[str] = []
    counts: list[int] = []
    total = 0
    for route in c.routes:
        for name in route:
            ch = channels.get(name)
            if ch is None or not ch.enabled:
                notes.append(f"Channel {name} is {'disabled' if ch else 'gone'}: trying the next in its route.")
                continue
            if name in used:
                break
            made = make(ch, list(route))
            if not made:
                contact = kind_module(ch.kind).RECIPIENT
                if addressee and contact is None:
                    notes.append(f"{name} reaches everyone at once: {addressee}'s personal update does not go there.")
                    continue
                if addressee:
                    notes.append(f"{addressee} cannot be reached through {name}: trying the next in its route.")
                    continue
                notes.append(f"Nobody in {audience} has {'an e-mail address' if contact == 'email' else 'a phone number'}"
                             f" for {name}: trying the next in its route.")
                continue
            used.append(name)
            counts.append(made)
            total += made
            break
        else:
            notes.append(f"No usable channel in the route {'>'.join(route)}.")
    return Planned(total, tuple(used), tuple(notes), tuple(counts))
