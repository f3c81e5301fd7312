"""The JSON API: the public shape of Atlassian Statuspage's API v2 (``summary``,
``status``, ``components``, ``incidents``), so scripts and dashboards written
against the vendor's page keep working against this one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from warroom.sitepage.markdown import update_text
from warroom.sitepage.model import (Site, SiteComponent, SiteIncident, anchor, base_url, last_change, newest_first,
                                    overall_status, timestamp, unresolved)


def _ts(when: datetime | None) -> str | None:
    return timestamp(when) if when is not None else None


def _page_json(site: Site) -> dict[str, Any]:
    return {
        "id": site.id,
        "name": site.name,
        "url": site.url,
        "time_zone": site.time_zone,
        "updated_at": timestamp(site.updated_at),
    }


def _component_json(site: Site, component: SiteComponent, position: int) -> dict[str, Any]:
    return {
        "id": component.id,
        "name": component.name,
        "status": component.status,
        # The data has no history of a component: its times are the page's.
        "created_at": timestamp(site.updated_at),
        "updated_at": timestamp(site.updated_at),
        "position": position,
        "description": None,
        "showcase": True,
        "start_date": None,
        "group_id": None,
        "page_id": site.id,
        "group": False,
        "only_show_if_degraded": False,
    }


def _components_json(site: Site, components: Iterable[SiteComponent] | None = None) -> list[dict[str, Any]]:
    positions = {c.id: n for n, c in enumerate(site.components, start=1)}
    chosen = site.components if components is None else tuple(components)
    return [
        _component_json(site, c, positions.get(c.id, len(positions) + n))
        for n, c in enumerate(chosen, start=1)
    ]


def _incident_json(site: Site, incident: SiteIncident) -> dict[str, Any]:
    base = base_url(site)
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "created_at": timestamp(incident.created_at),
        "updated_at": timestamp(incident.updated_at),
        "monitoring_at": _ts(incident.monitoring_at),
        "resolved_at": _ts(incident.resolved_time),
        "impact": incident.impact,
        "shortlink": incident.shortlink or (f"{base}#{anchor(incident)}" if base else None),
        "started_at": timestamp(incident.created_at),
        "page_id": site.id,
        "incident_updates": [
            {
                "id": u.id,
                "status": u.status,
                "body": update_text(u),
                "incident_id": incident.id,
                "created_at": timestamp(u.created_at),
                "updated_at": timestamp(last_change(u)),
                "display_at": timestamp(u.created_at),
                # Which components each update changed is not recorded; Statuspage sends null then too.
                "affected_components": None,
                "deliver_notifications": True,
            }
            for u in incident.updates
        ],
        "components": _components_json(site, incident.components),
    }


def status(site: Site) -> dict[str, Any]:
    """``/api/v2/status.json``."""
    return {"page": _page_json(site), "status": overall_status(site)}


def components(site: Site) -> dict[str, Any]:
    """``/api/v2/components.json``."""
    return {"page": _page_json(site), "components": _components_json(site)}


def summary(site: Site) -> dict[str, Any]:
    """``/api/v2/summary.json``: the page, its rollup status, components and unresolved incidents."""
    return {
        "page": _page_json(site),
        "status": overall_status(site),
        "components": _components_json(site),
        "incidents": [_incident_json(site, i) for i in unresolved(site)],
        "scheduled_maintenances": [],
    }


def incidents(site: Site) -> dict[str, Any]:
    """``/api/v2/incidents.json``: every incident, newest first."""
    return {"page": _page_json(site), "incidents": [_incident_json(site, i) for i in newest_first(site.incidents)]}
