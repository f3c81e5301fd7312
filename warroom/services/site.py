"""The self-hosted status page, fed from the store: every update that went to a
self-hosted page channel, per incident, as the public saw it. Built with
:mod:`warroom.sitepage`; published by writing the folder and running the
user's upload command when one is configured."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from warroom import sitepage
from warroom.domain import Impact, Status, statuspage_component_status, statuspage_impact, statuspage_status
from warroom.services.settings import get_org_in
from warroom.store import Store
from warroom.store.models import Channel, Delivery, Draft, Incident

_SITE_NS = uuid.UUID("6f1a7e64-3b0c-4f7e-9b55-2a8a3c1d0e11")


def _component_id(name: str) -> str:
    return uuid.uuid5(_SITE_NS, "component:" + name.lower()).hex[:12]


def site_from_store(store: Store, config: dict[str, Any] | None = None, *,
                    channel_id: uuid.UUID | None = None) -> sitepage.Site:
    """The page as the public was told: every update published on a route this page
    is on, whatever channel of it carried the update (the primary status page or
    this one as its fallback), in the words and public title that were reviewed,
    never the internal title; a retracted
    update shows only that it was withdrawn, and when. Status, impact and components
    follow the incident. Exercises never appear."""
    config = dict(config or {})
    now = store.clock.now()
    with store.read() as session:
        org = get_org_in(session)
        pages = session.scalars(select(Channel.name).where(Channel.kind == "sitepage") if channel_id is None
                                else select(Channel.name).where(Channel.id == channel_id)).all()
        page_names = {n.split("~")[0] for n in pages}
        # An update is this page's when this page was on the route it was planned on,
        # whichever channel of the route carried it (Statuspage first, this page as its fallback).
        routed = {draft_id for draft_id, route in session.execute(
            select(Delivery.draft_id, Delivery.route).where(Delivery.exercise.is_(False)))
            if page_names & set(route or ())}
        q = (select(Draft, Incident).join(Incident, Incident.id == Draft.incident_id)
             .where(Draft.state.in_(("published", "retracted")), Draft.kind.in_(("update", "correction")),
                    Incident.exercise.is_(False), Draft.id.in_(routed))
             .order_by(Draft.published_at, Draft.id))
        rows = session.execute(q).all()
        words = {d.id: _words(session, d.id) for d, _inc in rows}
    order = ["operational", "degraded_performance", "partial_outage", "major_outage"]
    worst: dict[str, str] = {}
    by_incident: dict[uuid.UUID, list] = {}
    for d, inc in rows:
        by_incident.setdefault(inc.id, []).append((d, inc))
    incidents = []
    for incident_id, items in by_incident.items():
        inc = items[-1][1]
        status = Status(inc.status)
        impact = Impact(inc.impact)
        comp_status = statuspage_component_status(impact, status)
        names = list(inc.components or ())
        if status != Status.RESOLVED:
            for c in names:
                if comp_status in order and order.index(comp_status) > order.index(worst.get(c, "operational")):
                    worst[c] = comp_status
        site_updates = []
        title = "Incident"
        for d, _inc in items:
            message = words[d.id]
            when = d.published_at or d.updated_at
            if d.state != "retracted" and message.get("title"):
                title = message["title"]
            site_updates.append(sitepage.SiteUpdate(
                d.id.hex[:12], message.get("statuspage_status") or statuspage_status(status),
                "" if d.state == "retracted" else (message.get("long") or message.get("subject") or ""), when,
                withdrawn_at=d.retracted_at if d.state == "retracted" else None))
        times = [u.created_at for u in site_updates]
        incidents.append(sitepage.SiteIncident(
            id=incident_id.hex[:12], name=title, status=statuspage_status(status),
            impact=statuspage_impact(impact), created_at=min(times), updated_at=max(times),
            resolved_at=inc.resolved_at if status == Status.RESOLVED else None, shortlink=None,
            components=tuple(sitepage.SiteComponent(_component_id(c), c, comp_status) for c in names),
            updates=tuple(site_updates)))
    names = [c.strip() for c in str(config.get("components") or "").split(",") if c.strip()]
    for inc in incidents:
        names += [c.name for c in inc.components if c.name not in names]
    components = tuple(sitepage.SiteComponent(_component_id(n), n, worst.get(n, "operational"))
                       for n in dict.fromkeys(names))
    return sitepage.Site(id=str(config.get("page_id") or uuid.uuid5(_SITE_NS, org.name).hex[:12]),
                         name=str(config.get("name") or org.name), url=str(config.get("url") or org.status_url or ""),
                         time_zone=str(config.get("time_zone") or "Etc/UTC"), updated_at=now,
                         components=components, incidents=tuple(incidents))


def _words(session, draft_id: uuid.UUID) -> dict[str, Any]:
    """The update as it went out (next update filled in): the message of one of its deliveries."""
    return session.scalar(select(Delivery.message).where(Delivery.draft_id == draft_id)
                          .order_by(Delivery.created_at).limit(1)) or {}




def build(store: Store, out_dir: Path, config: dict[str, Any] | None = None, *,
          channel_id: uuid.UUID | None = None) -> list[Path]:
    return sitepage.build(site_from_store(store, config, channel_id=channel_id), Path(out_dir))


def publish(store: Store, config: dict[str, Any], channel_id: uuid.UUID | None = None) -> dict[str, Any]:
    """Write the folder and, if configured, run the upload command: the receipt."""
    out_dir = Path(config["out_dir"]).expanduser()
    written = build(store, out_dir, config, channel_id=channel_id)
    receipt: dict[str, Any] = {"out_dir": str(out_dir), "files": len(written)}
    command = (config.get("upload_command") or "").strip()
    if command:
        sitepage.run_upload(command, out_dir, timeout=float(config.get("upload_timeout_s") or 120))
        receipt["uploaded"] = True
    return receipt
