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
from warroom.store import Store
from warroom.store.models import Channel, Delivery, Incident

_SHOWN = ("queued", "delivered")
_SITE_NS = uuid.UUID("6f1a7e64-3b0c-4f7e-9b55-2a8a3c1d0e11")


def _component_id(name: str) -> str:
    return uuid.uuid5(_SITE_NS, "component:" + name.lower()).hex[:12]


def site_from_store(store: Store, config: dict[str, Any] | None = None) -> sitepage.Site:
    from warroom.services.settings import get_org_in

    config = dict(config or {})
    now = store.clock.now()
    with store.read() as session:
        org = get_org_in(session)
        rows = session.execute(
            select(Delivery, Incident).join(Channel, Channel.id == Delivery.channel_id)
            .join(Incident, Incident.id == Delivery.incident_id)
            .where(Channel.kind == "sitepage", Delivery.state.in_(_SHOWN), Delivery.exercise.is_(False))
            .order_by(Delivery.created_at)).all()
    per_incident: dict[uuid.UUID, tuple[Incident, dict[uuid.UUID, Delivery]]] = {}
    for d, inc in rows:
        per_incident.setdefault(inc.id, (inc, {}))[1].setdefault(d.draft_id, d)   # one update per draft
    worst: dict[str, str] = {}
    order = ["operational", "degraded_performance", "partial_outage", "major_outage"]
    incidents = []
    for inc, updates in per_incident.values():
        status, impact = Status(inc.status), Impact(inc.impact)
        comp_status = statuspage_component_status(impact, status)
        comps = tuple(sitepage.SiteComponent(_component_id(c), c, comp_status) for c in (inc.components or ()))
        if status is not Status.RESOLVED:
            for c in inc.components or ():
                if order.index(comp_status) > order.index(worst.get(c, "operational")):
                    worst[c] = comp_status
        site_updates = tuple(sitepage.SiteUpdate(str(d.id), d.message.get("statuspage_status") or "investigating",
                                                 d.message.get("long") or d.message.get("subject") or "",
                                                 _at(d.message.get("published_at"), d.created_at))
                             for d in updates.values())
        incidents.append(sitepage.SiteIncident(
            id=inc.id.hex[:12], name=inc.title, status=statuspage_status(status), impact=statuspage_impact(impact),
            created_at=inc.declared_at, updated_at=max(u.created_at for u in site_updates),
            resolved_at=inc.resolved_at if status is Status.RESOLVED else None, shortlink=None,
            components=comps, updates=site_updates))
    names = [c.strip() for c in str(config.get("components") or "").split(",") if c.strip()]
    for inc, _ in per_incident.values():
        names += [c for c in inc.components or () if c not in names]
    components = tuple(sitepage.SiteComponent(_component_id(n), n, worst.get(n, "operational"))
                       for n in dict.fromkeys(names))
    return sitepage.Site(id=str(config.get("page_id") or uuid.uuid5(_SITE_NS, org.name).hex[:12]),
                         name=str(config.get("name") or org.name), url=str(config.get("url") or org.status_url or ""),
                         time_zone=str(config.get("time_zone") or "Etc/UTC"), updated_at=now,
                         components=components, incidents=tuple(incidents))


def _at(text, fallback):
    from datetime import datetime

    try:
        return datetime.fromisoformat(text) if text else fallback
    except (TypeError, ValueError):
        return fallback


def build(store: Store, out_dir: Path, config: dict[str, Any] | None = None) -> list[Path]:
    return sitepage.build(site_from_store(store, config), Path(out_dir))


def publish(store: Store, config: dict[str, Any]) -> dict[str, Any]:
    """Write the folder and, if configured, run the upload command: the receipt."""
    out_dir = Path(config["out_dir"]).expanduser()
    written = build(store, out_dir, config)
    receipt: dict[str, Any] = {"out_dir": str(out_dir), "files": len(written)}
    command = (config.get("upload_command") or "").strip()
    if command:
        sitepage.run_upload(command, out_dir, timeout=float(config.get("upload_timeout_s") or 120))
        receipt["uploaded"] = True
    return receipt
