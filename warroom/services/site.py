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
from warroom.store import Store
from warroom.store.models import Channel, Delivery

_SHOWN = ("queued", "delivered")
_SITE_NS = uuid.UUID("6f1a7e64-3b0c-4f7e-9b55-2a8a3c1d0e11")


def _component_id(name: str) -> str:
    return uuid.uuid5(_SITE_NS, "component:" + name.lower()).hex[:12]


def site_from_store(store: Store, config: dict[str, Any] | None = None, *,
                    channel_id: uuid.UUID | None = None) -> sitepage.Site:
    """The page as the public was told: only what went to this self-hosted page
    channel (or, with none named, to any), and only the words, status and
    components frozen in each published update, never the incident's live state."""
    from warroom.services.settings import get_org_in

    config = dict(config or {})
    now = store.clock.now()
    q = (select(Delivery).join(Channel, Channel.id == Delivery.channel_id)
         .where(Channel.kind == "sitepage", Delivery.state.in_(_SHOWN), Delivery.exercise.is_(False))
         .order_by(Delivery.created_at, Delivery.id))
    if channel_id is not None:
        q = q.where(Delivery.channel_id == channel_id)
    with store.read() as session:
        org = get_org_in(session)
        rows = session.scalars(q).all()
    per_incident: dict[str, dict[uuid.UUID, Delivery]] = {}
    for d in rows:
        per_incident.setdefault(str(d.incident_id), {}).setdefault(d.draft_id, d)   # one update per draft
    order = ["operational", "degraded_performance", "partial_outage", "major_outage"]
    worst: dict[str, str] = {}
    incidents = []
    for incident_id, by_draft in per_incident.items():
        updates = sorted(by_draft.values(), key=lambda d: _at(d.message.get("published_at"), d.created_at))
        latest = updates[-1].message
        status = latest.get("statuspage_status") or "investigating"
        comp_status = latest.get("component_status") or "operational"
        names = list(latest.get("components") or ())
        if status != "resolved":
            for c in names:
                if comp_status in order and order.index(comp_status) > order.index(worst.get(c, "operational")):
                    worst[c] = comp_status
        site_updates = tuple(sitepage.SiteUpdate(str(d.id), d.message.get("statuspage_status") or "investigating",
                                                 d.message.get("long") or d.message.get("subject") or "",
                                                 _at(d.message.get("published_at"), d.created_at))
                             for d in updates)
        times = [u.created_at for u in site_updates]
        incidents.append(sitepage.SiteIncident(
            id=uuid.UUID(incident_id).hex[:12], name=latest.get("title") or "Incident", status=status,
            impact=latest.get("impact") or "none", created_at=min(times), updated_at=max(times),
            resolved_at=max(times) if status == "resolved" else None, shortlink=None,
            components=tuple(sitepage.SiteComponent(_component_id(c), c, comp_status if status != "resolved"
                                                    else "operational") for c in names),
            updates=site_updates))
    names = [c.strip() for c in str(config.get("components") or "").split(",") if c.strip()]
    for inc in incidents:
        names += [c.name for c in inc.components if c.name not in names]
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
