"""The page, ``index.html``: readable without JavaScript, inline CSS only, rendered
from the Jinja template ``index.html.j2`` shipped beside this module, with
everything user-given escaped."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined

from warroom.sitepage.markdown import update_html
from warroom.sitepage.model import (COMPONENT_LABELS, IMPACT_LABELS, MAINTENANCE_DESCRIPTION, STATUS_LABELS, Site,
                                    SiteIncident, anchor, day_label, overall_status, timestamp, unresolved,
                                    when_text)


#: How many days of resolved incidents the page lists.
HISTORY_DAYS = 14

_env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=False, keep_trailing_newline=True)
# The template ships beside this module (package data); it is read as it is, byte for byte.
_page_template = _env.from_string(resources.files(__package__).joinpath("index.html.j2").read_text("utf-8"))


def _incident_view(incident: SiteIncident) -> dict[str, Any]:
    resolved = incident.resolved_time
    return {
        "anchor": anchor(incident),
        "name": incident.name,
        "impact": incident.impact,
        "impact_label": IMPACT_LABELS[incident.impact],
        "status_label": STATUS_LABELS[incident.status],
        "components": [c.name for c in incident.components],
        "resolved": {"iso": timestamp(resolved), "label": when_text(resolved)} if resolved else None,
        "shortlink": incident.shortlink,
        "updates": [
            {"label": STATUS_LABELS[u.status], "iso": timestamp(u.created_at), "when": when_text(u.created_at),
             "body": update_html(u)}
            for u in incident.updates
        ],
    }


def _history(site: Site) -> list[dict[str, Any]]:
    """The last ``HISTORY_DAYS`` days (today first), each with the incidents resolved that day."""
    today = site.updated_at.date()
    days = [today - timedelta(days=n) for n in range(HISTORY_DAYS)]
    by_day: dict[date, list[SiteIncident]] = {d: [] for d in days}
    for incident in site.incidents:
        resolved = incident.resolved_time
        if resolved is not None and resolved.date() in by_day:
            by_day[resolved.date()].append(incident)
    return [
        {"label": day_label(d),
         "incidents": [_incident_view(i) for i in sorted(by_day[d], key=lambda i: i.resolved_time, reverse=True)]}
        for d in days
    ]


def render_html(site: Site) -> str:
    """The page, ``index.html``: no script, inline CSS, everything user-given escaped."""
    rollup = overall_status(site)
    banner = rollup["indicator"]
    if banner == "none" and rollup["description"] == MAINTENANCE_DESCRIPTION:
        banner = "maintenance"
    return _page_template.render(
        page={"name": site.name},
        status=rollup,
        banner=banner,
        active=[_incident_view(i) for i in unresolved(site)],
        components=[{"name": c.name, "status": c.status, "label": COMPONENT_LABELS[c.status]}
                    for c in site.components],
        history=_history(site),
        updated={"iso": timestamp(site.updated_at), "label": when_text(site.updated_at)},
    )
