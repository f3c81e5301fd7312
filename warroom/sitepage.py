"""The self-hosted status page: the fallback when the vendor's status page is down.

Plain data in (the frozen ``Site*`` dataclasses below, never ORM objects), a
static folder out::

    index.html                  readable without JavaScript, inline CSS only
    history.atom                one Atom (RFC 4287) entry per incident update
    api/v2/summary.json         the public shape of Atlassian Statuspage's API v2,
    api/v2/status.json          so scripts and dashboards written against the
    api/v2/components.json      vendor's page keep working against this one
    api/v2/incidents.json
    .warroom-site               marker: "this folder is ours, rebuild it freely"

:func:`build` renders everything in memory, writes it into a temporary sibling
folder and swaps each file in with :func:`os.replace`: a reader sees the old
file or the new one, never half of one, and a failure before the swap leaves
the previous site untouched. :func:`run_upload` hands the folder to the user's
own upload command (no shell), :func:`serve` serves it from this machine.

Nothing here reads the clock: "now" for the page (the 14-day history, the
"last updated" line) is ``Site.updated_at``.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, StrictUndefined
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markupsafe import Markup

from warroom.clock import ensure_utc
from warroom.errors import InputError
from warroom.procenv import child_env

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- vocabulary

COMPONENT_STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance")
UPDATE_STATUSES = ("investigating", "identified", "monitoring", "resolved")
INCIDENT_STATUSES = UPDATE_STATUSES
IMPACTS = ("none", "minor", "major", "critical")
#: Statuspage's ``status.indicator`` values, mildest first.
INDICATORS = IMPACTS

DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
}
#: The description when nothing is broken but a component is under maintenance.
MAINTENANCE_DESCRIPTION = "Service Under Maintenance"

COMPONENT_LABELS = {
    "operational": "Operational",
    "degraded_performance": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "under_maintenance": "Under maintenance",
}
STATUS_LABELS = {s: s.capitalize() for s in UPDATE_STATUSES}
IMPACT_LABELS = {"none": "None", "minor": "Minor", "major": "Major", "critical": "Critical"}

#: Files :func:`build` writes, relative to the site folder, in the order they are swapped in
#: (the page last, so that everything it links to is already there).
SITE_FILES = (
    "api/v2/components.json",
    "api/v2/incidents.json",
    "api/v2/status.json",
    "api/v2/summary.json",
    "history.atom",
    "index.html",
)
MARKER = ".warroom-site"
_MARKER_TEXT = "This folder is a status page built by War room; War room may replace its files.\n"

#: How many days of resolved incidents the page lists.
HISTORY_DAYS = 14
#: The feed keeps the newest updates only, so that it does not grow forever.
MAX_FEED_ENTRIES = 500

_ATOM_NS = "http://www.w3.org/2005/Atom"
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://warroom.invalid/status-page")

# Characters XML 1.0 cannot carry (and lone surrogates, which UTF-8 cannot): dropped from all text.
_ILLEGAL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# --------------------------------------------------------------------------- the data


def _text(value: Any, what: str, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise InputError(f"The status page's {what} must be text, not {type(value).__name__}.")
    value = _ILLEGAL_CHARS.sub("", value)
    if required and not value.strip():
        raise InputError(f"The status page's {what} is empty.")
    return value


def _choice(value: Any, choices: tuple[str, ...], what: str) -> str:
    value = getattr(value, "value", value)  # a str enum from warroom.domain is fine too
    if value not in choices:
        raise InputError(f"Unknown {what} {value!r} on the status page: choose one of {', '.join(choices)}.")
    return value


def _utc(value: Any, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise InputError(f"The status page's {what} must be a datetime, not {type(value).__name__}.")
    try:
        return ensure_utc(value)
    except ValueError:
        raise InputError(f"The status page's {what} has no time zone ({value.isoformat()}).") from None


def _web_url(value: Any, what: str) -> str:
    value = _text(value, what, required=False).strip()
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(f"The status page's {what} {value!r} is not an http:// or https:// address.")
    return value


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)  # normalising a frozen dataclass in __post_init__


@dataclass(frozen=True)
class SiteComponent:
    id: str
    name: str
    status: str

    def __post_init__(self) -> None:
        _set(self, "id", _text(self.id, "component id"))
        _set(self, "name", _text(self.name, "component name"))
        _set(self, "status", _choice(self.status, COMPONENT_STATUSES, "component status"))


@dataclass(frozen=True)
class SiteUpdate:
    id: str
    status: str
    body: str
    created_at: datetime
    #: Set when the update was taken back: the page then shows when, never its words.
    withdrawn_at: datetime | None = None

    def __post_init__(self) -> None:
        _set(self, "id", _text(self.id, "update id"))
        _set(self, "status", _choice(self.status, UPDATE_STATUSES, "update status"))
        _set(self, "body", _text(self.body, "update text", required=False))
        _set(self, "created_at", _utc(self.created_at, "update time"))
        if self.withdrawn_at is not None:
            _set(self, "withdrawn_at", _utc(self.withdrawn_at, "update withdrawal time"))
            # The words are dropped here already, so that nothing built from this value can show them.
            _set(self, "body", "")


@dataclass(frozen=True)
class SiteIncident:
    id: str
    name: str
    status: str
    impact: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    shortlink: str | None
    components: tuple[SiteComponent, ...]
    #: Newest first (sorted again here, so the caller's order does not matter).
    updates: tuple[SiteUpdate, ...]

    def __post_init__(self) -> None:
        _set(self, "id", _text(self.id, "incident id"))
        _set(self, "name", _text(self.name, "incident title"))
        _set(self, "status", _choice(self.status, INCIDENT_STATUSES, "incident status"))
        _set(self, "impact", _choice(self.impact, IMPACTS, "incident impact"))
        _set(self, "created_at", _utc(self.created_at, "incident start"))
        _set(self, "updated_at", _utc(self.updated_at, "incident update time"))
        if self.resolved_at is not None:
            _set(self, "resolved_at", _utc(self.resolved_at, "incident resolution time"))
        if self.shortlink is not None:
            _set(self, "shortlink", _web_url(self.shortlink, "incident link") or None)
        components = tuple(self.components)
        if not all(isinstance(c, SiteComponent) for c in components):
            raise InputError("An incident's components must be SiteComponent values.")
        updates = tuple(self.updates)
        if not all(isinstance(u, SiteUpdate) for u in updates):
            raise InputError("An incident's updates must be SiteUpdate values.")
        _set(self, "components", components)
        _set(self, "updates", tuple(sorted(updates, key=lambda u: u.created_at, reverse=True)))

    @property
    def is_resolved(self) -> bool:
        return self.status == "resolved"

    @property
    def resolved_time(self) -> datetime | None:
        """When it was resolved: ``resolved_at``, else (resolved without one) the last change."""
        if not self.is_resolved:
            return None
        return self.resolved_at or self.updated_at

    @property
    def monitoring_at(self) -> datetime | None:
        times = [u.created_at for u in self.updates if u.status == "monitoring"]
        return min(times) if times else None


@dataclass(frozen=True)
class Site:
    id: str
    name: str
    #: The public address the folder is uploaded to ("" when there is none yet).
    url: str
    time_zone: str
    #: "Now" for the page: the history window and the "last updated" line.
    updated_at: datetime
    components: tuple[SiteComponent, ...]
    incidents: tuple[SiteIncident, ...]

    def __post_init__(self) -> None:
        _set(self, "id", _text(self.id, "id"))
        _set(self, "name", _text(self.name, "name"))
        _set(self, "url", _web_url(self.url, "address"))
        _set(self, "time_zone", _text(self.time_zone, "time zone", required=False).strip() or "Etc/UTC")
        _set(self, "updated_at", _utc(self.updated_at, "update time"))
        components = tuple(self.components)
        incidents = tuple(self.incidents)
        if not all(isinstance(c, SiteComponent) for c in components):
            raise InputError("The status page's components must be SiteComponent values.")
        if not all(isinstance(i, SiteIncident) for i in incidents):
            raise InputError("The status page's incidents must be SiteIncident values.")
        _set(self, "components", components)
        _set(self, "incidents", incidents)


# --------------------------------------------------------------------------- the JSON API


def timestamp(when: datetime) -> str:
    """Statuspage's form of a time: UTC, milliseconds, a trailing Z (``2026-11-23T09:00:00.000Z``)."""
    when = ensure_utc(when)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _ts(when: datetime | None) -> str | None:
    return timestamp(when) if when is not None else None


def _base_url(site: Site) -> str:
    return site.url.rstrip("/") + "/" if site.url else ""


def _anchor(incident: SiteIncident) -> str:
    return "incident-" + re.sub(r"[^A-Za-z0-9_-]+", "-", incident.id)


def _newest_first(items: Iterable[SiteIncident]) -> list[SiteIncident]:
    return sorted(items, key=lambda i: (i.created_at, i.id), reverse=True)


def unresolved(site: Site) -> list[SiteIncident]:
    """The incidents still open, newest first."""
    return _newest_first(i for i in site.incidents if not i.is_resolved)


def overall_status(site: Site) -> dict[str, str]:
    """The page's rollup ``{"indicator", "description"}``; the worst signal wins.

    * an unresolved incident counts with its impact (none, minor, major, critical);
      resolved incidents do not count;
    * a component in ``degraded_performance`` counts as minor, ``partial_outage`` and
      ``major_outage`` as major, and every component in ``major_outage`` as critical;
    * ``under_maintenance`` does not raise the indicator, but when nothing else is wrong
      the description says "Service Under Maintenance".
    """
    levels = [IMPACTS.index(i.impact) for i in site.incidents if not i.is_resolved]
    statuses = [c.status for c in site.components]
    component_level = {"degraded_performance": 1, "partial_outage": 2, "major_outage": 2}
    levels += [component_level.get(s, 0) for s in statuses]
    if statuses and all(s == "major_outage" for s in statuses):
        levels.append(3)
    indicator = INDICATORS[max(levels, default=0)]
    description = DESCRIPTIONS[indicator]
    if indicator == "none" and "under_maintenance" in statuses:
        description = MAINTENANCE_DESCRIPTION
    return {"indicator": indicator, "description": description}


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
    base = _base_url(site)
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status,
        "created_at": timestamp(incident.created_at),
        "updated_at": timestamp(incident.updated_at),
        "monitoring_at": _ts(incident.monitoring_at),
        "resolved_at": _ts(incident.resolved_time),
        "impact": incident.impact,
        "shortlink": incident.shortlink or (f"{base}#{_anchor(incident)}" if base else None),
        "started_at": timestamp(incident.created_at),
        "page_id": site.id,
        "incident_updates": [
            {
                "id": u.id,
                "status": u.status,
                "body": update_text(u),
                "incident_id": incident.id,
                "created_at": timestamp(u.created_at),
                "updated_at": timestamp(_last_change(u)),
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
    return {"page": _page_json(site), "incidents": [_incident_json(site, i) for i in _newest_first(site.incidents)]}


# --------------------------------------------------------------------------- text to HTML

# Update texts are light Markdown (CommonMark: paragraphs, lists, **bold**, *emphasis*,
# [links](https://…)). Raw HTML in them is shown as text, never passed through ("html": False).
# "breaks": a single line break stays a line break, as people typing an update expect.
_md = MarkdownIt("commonmark", {"html": False, "breaks": True, "xhtmlOut": False, "linkify": False,
                                "typographer": False})
_LINK_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def _safe_link(url: str) -> bool:
    """Links (and images) may only point to http, https or mailto addresses: no ``javascript:``,
    no ``data:``, nothing relative (it would resolve against wherever the page is uploaded)."""
    scheme = _SCHEME.match(url)
    return bool(scheme) and scheme.group(1).lower() in _LINK_SCHEMES


_md.validateLink = _safe_link  # type: ignore[method-assign]  # a link that fails stays text


def _inside_link(tokens: Sequence[Token], idx: int) -> bool:
    depth = 0
    for token in tokens[:idx]:
        depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
    return depth > 0


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """An image becomes a link to it (its alt text, else its address): the page loads nothing remote."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children, options, env).strip()
    if not src or _inside_link(tokens, idx):  # no <a> inside an <a>
        return escapeHtml(alt)
    return f'<a href="{escapeHtml(src)}">{escapeHtml(alt or src)}</a>'


def _render_heading_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "<p><strong>"  # a "# Title" in an update must not break the page's own headings


def _render_heading_close(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return "</strong></p>\n"


_md.add_render_rule("image", _render_image)
_md.add_render_rule("heading_open", _render_heading_open)
_md.add_render_rule("heading_close", _render_heading_close)


def _clean(text: str) -> str:
    return _ILLEGAL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def body_html(text: str) -> Markup:
    """An update's Markdown as safe HTML: user-given HTML escaped, links http(s)/mailto only, no images."""
    return Markup(_ILLEGAL_CHARS.sub("", _md.render(_clean(text))).strip())


def body_text(text: str) -> str:
    """An update's Markdown as plain text (for the JSON API): the markup removed, paragraphs
    separated by a blank line, list items one a line as ``- item`` or ``1. item``, a link as
    ``text (address)``."""
    blocks: list[tuple[int, str]] = []  # (list depth, text)
    lists: list[list[int]] = []  # per open list: [next number or -1 for bullets]
    pending_marker: list[str] = []  # the marker of a list item whose first block is still to come

    def add(content: str) -> None:
        depth = len(lists)
        indent = "  " * max(depth - 1, 0)
        if pending_marker:
            marker = pending_marker.pop()
            first, *rest = content.split("\n")
            pad = " " * len(marker)
            content = "\n".join([indent + marker + first, *(indent + pad + line for line in rest)])
        elif depth:
            content = "\n".join(indent + "  " + line for line in content.split("\n"))
        blocks.append((depth, content))

    for token in _md.parse(_clean(text)):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            lists.append([int(start) if start is not None else 1 if kind == "ordered_list_open" else -1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            pending_marker.clear()
        elif kind == "list_item_open":
            number = lists[-1][0]
            pending_marker[:] = ["- " if number < 0 else f"{number}. "]
            if number >= 0:
                lists[-1][0] += 1
        elif kind == "inline":
            add(_inline_text(token.children or []))
        elif kind in ("fence", "code_block"):
            add(token.content.rstrip("\n"))
    out = ""
    for n, (depth, content) in enumerate(blocks):
        if n:
            out += "\n" if depth and blocks[n - 1][0] else "\n\n"
        out += content
    return _ILLEGAL_CHARS.sub("", out)


def _inline_text(tokens: Sequence[Token]) -> str:
    out: list[str] = []
    links: list[tuple[int, str]] = []  # (where the link's text starts in out, its address)
    for token in tokens:
        kind = token.type
        if kind in ("text", "code_inline"):
            out.append(token.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind == "link_open":
            links.append((len(out), str(token.attrGet("href") or "")))
        elif kind == "link_close" and links:
            start, href = links.pop()
            label = "".join(out[start:])
            if href and label not in (href, href.removeprefix("mailto:")):
                out.append(f" ({href})")
        elif kind == "image":
            alt = _inline_text(token.children or [])
            src = str(token.attrGet("src") or "")
            out.append(f"{alt} ({src})" if alt and src and not links else alt or src)
    return "".join(out)


def withdrawn_notice(withdrawn_at: datetime) -> str:
    """What a withdrawn update says instead of its words."""
    return f"This update was withdrawn on {_when(withdrawn_at)}."


def update_html(update: SiteUpdate) -> Markup:
    """An update's text as HTML, or the notice that it was withdrawn (never its words)."""
    if update.withdrawn_at is not None:
        return Markup('<p class="withdrawn">{}</p>').format(withdrawn_notice(update.withdrawn_at))
    return body_html(update.body)


def update_text(update: SiteUpdate) -> str:
    """An update's text as plain text, or the notice that it was withdrawn (never its words)."""
    if update.withdrawn_at is not None:
        return withdrawn_notice(update.withdrawn_at)
    return body_text(update.body)


def _last_change(update: SiteUpdate) -> datetime:
    """When an update last changed: its withdrawal, if any (and not before it was posted)."""
    return max(update.created_at, update.withdrawn_at or update.created_at)


# English names, whatever the process locale (strftime's %b and %a follow setlocale).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _when(when: datetime) -> str:
    when = ensure_utc(when)
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}, {when:%H:%M} UTC"


def _day_label(day: date) -> str:
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


# --------------------------------------------------------------------------- the HTML page

_PAGE = """\
{% macro incident_block(incident, open, level) %}
<article class="incident {{ incident.impact }}" id="{{ incident.anchor }}">
<h{{ level }}>{{ incident.name }}</h{{ level }}>
<p class="meta">
{%- if incident.resolved %}Resolved <time datetime="{{ incident.resolved.iso }}">{{ incident.resolved.label }}</time>
{%- else %}{{ incident.status_label }}{% endif %} · Impact: {{ incident.impact_label }}
{%- if incident.components %} · Affects: {{ incident.components | join(", ") }}{% endif %}
{%- if incident.shortlink %} · <a href="{{ incident.shortlink }}">Link</a>{% endif %}</p>
{%- if incident.updates %}
{%- if not open %}
<details>
<summary>{{ incident.updates | length }} update{{ "" if incident.updates | length == 1 else "s" }}</summary>
{%- endif %}
<ol class="updates">
{%- for u in incident.updates %}
<li><p class="head"><span class="label">{{ u.label }}</span> · <time datetime="{{ u.iso }}">{{ u.when }}</time></p>
<div class="body">{{ u.body }}</div></li>
{%- endfor %}
</ol>
{%- if not open %}
</details>
{%- endif %}
{%- endif %}
</article>
{% endmacro -%}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<meta name="generator" content="War room">
<title>{{ page.name }} status</title>
<link rel="alternate" type="application/atom+xml" title="{{ page.name }}: incident history" href="history.atom">
<link rel="alternate" type="application/json" title="{{ page.name }}: status summary" href="api/v2/summary.json">
<style>
:root { color-scheme: light dark; --ok: #1a7f37; --minor: #9a6700; --major: #bc4c00; --critical: #cf222e;
        --maint: #0969da; --line: #d0d7de; --muted: #57606a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 52rem; margin: 0 auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 1.5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .25rem; overflow-wrap: anywhere; }
.banner { margin: 0; padding: 1rem 1.25rem; border-radius: .5rem; color: #fff; font-weight: 600;
          font-size: 1.15rem; background: var(--ok); }
.banner.minor { background: var(--minor); } .banner.major { background: var(--major); }
.banner.critical { background: var(--critical); } .banner.maintenance { background: var(--maint); }
.components { list-style: none; margin: 0; padding: 0; border: 1px solid var(--line); border-radius: .5rem; }
.components li { display: flex; flex-wrap: wrap; justify-content: space-between; gap: .5rem;
                 padding: .75rem 1rem; border-top: 1px solid var(--line); }
.components li:first-child { border-top: 0; }
.components .name { overflow-wrap: anywhere; }
.state { font-weight: 600; color: var(--ok); }
.state.degraded_performance { color: var(--minor); } .state.partial_outage { color: var(--major); }
.state.major_outage { color: var(--critical); } .state.under_maintenance { color: var(--maint); }
.incident { border-left: .3rem solid var(--line); padding: .25rem 0 .25rem 1rem; margin: 1rem 0; }
.incident.minor { border-color: var(--minor); } .incident.major { border-color: var(--major); }
.incident.critical { border-color: var(--critical); }
.meta, .none, footer { color: var(--muted); font-size: .9rem; }
.updates { list-style: none; margin: .5rem 0; padding: 0; }
.updates > li { margin: 0 0 .75rem; }
.updates .head { margin: 0; }
.updates .label { font-weight: 700; }
.body p, .body ul, .body ol, .body pre, .body blockquote { margin: .25rem 0; }
.body pre { white-space: pre-wrap; }
.body blockquote { padding-left: .75rem; border-left: .2rem solid var(--line); }
.body .withdrawn { color: var(--muted); font-style: italic; }
.body { overflow-wrap: anywhere; }
details summary { cursor: pointer; }
footer { border-top: 1px solid var(--line); margin-top: 2.5rem; padding-top: 1rem; padding-bottom: 2rem; }
a { color: var(--maint); }
@media (max-width: 32rem) {
  body { font-size: 15px; }
  h1 { font-size: 1.3rem; }
  .banner { font-size: 1rem; padding: .75rem 1rem; }
}
</style>
</head>
<body>
<header>
<h1>{{ page.name }}</h1>
<p class="banner {{ banner }}" role="status">{{ status.description }}</p>
</header>
<main>
{%- if active %}
<section aria-labelledby="active-heading">
<h2 id="active-heading">Active incidents</h2>
{%- for incident in active %}
{{ incident_block(incident, open=true, level=3) }}
{%- endfor %}
</section>
{%- endif %}
<section aria-labelledby="components-heading">
<h2 id="components-heading">Components</h2>
{%- if components %}
<ul class="components">
{%- for c in components %}
<li><span class="name">{{ c.name }}</span> <span class="state {{ c.status }}">{{ c.label }}</span></li>
{%- endfor %}
</ul>
{%- else %}
<p class="none">No components are listed.</p>
{%- endif %}
</section>
<section aria-labelledby="history-heading">
<h2 id="history-heading">Past incidents</h2>
{%- for day in history %}
<h3>{{ day.label }}</h3>
{%- for incident in day.incidents %}
{{ incident_block(incident, open=false, level=4) }}
{%- else %}
<p class="none">No incidents reported.</p>
{%- endfor %}
{%- endfor %}
</section>
</main>
<footer>
<p>Last updated <time datetime="{{ updated.iso }}">{{ updated.label }}</time>. All times are in UTC.</p>
<p>Follow: <a href="history.atom" type="application/atom+xml">Atom feed</a>.
Data: <a href="api/v2/summary.json" type="application/json">summary</a>,
<a href="api/v2/status.json" type="application/json">status</a>,
<a href="api/v2/components.json" type="application/json">components</a>,
<a href="api/v2/incidents.json" type="application/json">incidents</a> (JSON).</p>
</footer>
</body>
</html>
"""

_env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=False, keep_trailing_newline=True)
_page_template = _env.from_string(_PAGE)


def _incident_view(incident: SiteIncident) -> dict[str, Any]:
    resolved = incident.resolved_time
    return {
        "anchor": _anchor(incident),
        "name": incident.name,
        "impact": incident.impact,
        "impact_label": IMPACT_LABELS[incident.impact],
        "status_label": STATUS_LABELS[incident.status],
        "components": [c.name for c in incident.components],
        "resolved": {"iso": timestamp(resolved), "label": _when(resolved)} if resolved else None,
        "shortlink": incident.shortlink,
        "updates": [
            {"label": STATUS_LABELS[u.status], "iso": timestamp(u.created_at), "when": _when(u.created_at),
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
        {"label": _day_label(d),
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
        updated={"iso": timestamp(site.updated_at), "label": _when(site.updated_at)},
    )


# --------------------------------------------------------------------------- the Atom feed


def feed_id(site: Site) -> str:
    """The feed's stable id: depends on the site's id only, not on its address."""
    return "urn:uuid:" + str(uuid.uuid5(_UUID_NAMESPACE, f"site/{site.id}"))


def entry_id(site: Site, incident: SiteIncident, update: SiteUpdate) -> str:
    return "urn:uuid:" + str(uuid.uuid5(_UUID_NAMESPACE, f"site/{site.id}/incident/{incident.id}/update/{update.id}"))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def render_feed(site: Site) -> bytes:
    """``history.atom``: one entry per incident update, newest first (RFC 4287)."""
    base = _base_url(site)
    page_url = base or "index.html"
    pairs = [(i, u) for i in site.incidents for u in i.updates]
    pairs.sort(key=lambda p: (p[1].created_at, p[0].id, p[1].id), reverse=True)
    pairs = pairs[:MAX_FEED_ENTRIES]
    updated = max([site.updated_at] + [_last_change(u) for _, u in pairs])

    root = ET.Element("feed", {"xmlns": _ATOM_NS, "{http://www.w3.org/XML/1998/namespace}lang": "en"})
    _sub(root, "id", feed_id(site))
    _sub(root, "title", f"{site.name}: incident history")
    _sub(root, "subtitle", overall_status(site)["description"])
    _sub(root, "updated", timestamp(updated))
    _sub(root, "link", rel="self", type="application/atom+xml", href=base + "history.atom")
    _sub(root, "link", rel="alternate", type="text/html", href=page_url)
    author = _sub(root, "author")
    _sub(author, "name", site.name)
    _sub(root, "generator", "War room")
    for incident, update in pairs:
        entry = _sub(root, "entry")
        _sub(entry, "id", entry_id(site, incident, update))
        _sub(entry, "title", f"{incident.name} \u2014 {STATUS_LABELS[update.status]}")
        _sub(entry, "updated", timestamp(_last_change(update)))
        _sub(entry, "published", timestamp(update.created_at))
        _sub(entry, "link", rel="alternate", type="text/html", href=f"{page_url}#{_anchor(incident)}")
        _sub(entry, "category", term=update.status, label=STATUS_LABELS[update.status])
        html = update_html(update)
        if incident.components:
            names = ", ".join(c.name for c in incident.components)
            html += Markup("\n<p>Affects: {}</p>").format(names)
        # ElementTree escapes the markup once more: readers unescape it and get HTML whose
        # user-given parts are themselves escaped, i.e. shown as text.
        _sub(entry, "content", str(html), type="html")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


# --------------------------------------------------------------------------- building the folder


def render(site: Site) -> dict[str, bytes]:
    """Every file of the site, by path relative to the site folder, in memory."""

    def as_json(data: dict[str, Any]) -> bytes:
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    files = {
        "api/v2/components.json": as_json(components(site)),
        "api/v2/incidents.json": as_json(incidents(site)),
        "api/v2/status.json": as_json(status(site)),
        "api/v2/summary.json": as_json(summary(site)),
        "history.atom": render_feed(site),
        "index.html": render_html(site).encode("utf-8"),
    }
    return files


def _check_site_folder(out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir} is a file, not a folder: choose a folder for the status page.")
    if out_dir.is_dir() and not (out_dir / MARKER).is_file():
        try:
            empty = next(out_dir.iterdir(), None) is None
        except OSError as exc:
            raise InputError(f"Cannot read the folder {out_dir}: {exc.strerror or exc}.") from None
        if not empty:
            raise InputError(
                f"{out_dir} is not empty and was not built by War room (it has no {MARKER} file): "
                "choose an empty or new folder for the status page, so that none of your files are replaced."
            )


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def build(site: Site, out_dir: Path) -> list[Path]:
    """Write the site into ``out_dir``, each file swapped in atomically; returns the files written.

    ``out_dir`` is created when missing. An existing file, or a non-empty folder
    without the ``.warroom-site`` marker, is refused (:class:`InputError`) and left
    untouched. The marker is not in the returned list.
    """
    out_dir = Path(out_dir).expanduser()
    files = render(site)  # every rendering problem shows up before anything is written
    _check_site_folder(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    except OSError as exc:
        raise InputError(f"Cannot create the status page folder {out_dir}: {exc.strerror or exc}.") from None
    written: list[Path] = []
    try:
        try:
            _write_file(staging / MARKER, _MARKER_TEXT.encode("utf-8"))
            for rel, data in files.items():
                _write_file(staging / rel, data)
            # The marker first: a folder half swapped is still recognised as ours next time.
            for rel in (MARKER, *SITE_FILES):
                target = out_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / rel, target)
                if rel != MARKER:
                    written.append(target)
            for folder in {(out_dir / rel).parent for rel in SITE_FILES}:
                _fsync_dir(folder)
        except OSError as exc:
            raise InputError(f"Cannot write the status page into {out_dir}: {exc.strerror or exc}.") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("status page built in %s (%d files)", out_dir, len(written))
    return written


# --------------------------------------------------------------------------- uploading


def _split_command(command: str) -> list[str]:
    if os.name == "nt":  # keep backslashes in Windows paths; drop the quotes around arguments
        return [a[1:-1] if len(a) >= 2 and a[0] == a[-1] == '"' else a for a in shlex.split(command, posix=False)]
    return shlex.split(command)


def _tail(text: str, lines: int = 10) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(kept)


def run_upload(command: str, out_dir: Path, *, timeout: float = 120) -> str:
    """Run the user's upload command on the built site; returns what it printed.

    The command is split like a shell would (``shlex``) but never run through one.
    It runs in ``out_dir`` with ``WARROOM_SITE_DIR`` set to it, in an environment
    without War room's secrets (:func:`warroom.procenv.child_env`). A non-zero exit, a
    timeout or a missing program is an :class:`InputError` that says which, with
    the last lines the command wrote to stderr. The returned text is its standard
    output followed by its standard error (warnings), if any.
    """
    out_dir = Path(out_dir).expanduser()
    try:
        args = _split_command(command or "")
    except ValueError as exc:
        raise InputError(f"Cannot read the upload command: {exc}.") from None
    if not args:
        raise InputError("The upload command is empty.")
    if not out_dir.is_dir():
        raise InputError(f"The status page folder {out_dir} does not exist: build the page first.")
    if not timeout or timeout <= 0:
        raise InputError("The upload timeout must be a positive number of seconds.")
    env = child_env({"WARROOM_SITE_DIR": str(out_dir.resolve())})
    posix = os.name == "posix"
    # The command's output goes to temporary files, of which only the end is read: a
    # command that prints without end cannot fill this process's memory.
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        try:
            proc = subprocess.Popen(args, cwd=out_dir, env=env, stdin=subprocess.DEVNULL, stdout=out_file,
                                    stderr=err_file, start_new_session=posix)
        except FileNotFoundError:
            raise InputError(f"The upload command {args[0]!r} was not found: check its name or give its full "
                             "path.") from None
        except PermissionError:
            raise InputError(f"The upload command {args[0]!r} cannot be run (permission denied).") from None
        except OSError as exc:
            raise InputError(f"The upload command {args[0]!r} cannot be run: {exc.strerror or exc}.") from None
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            _kill(proc, posix)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            timed_out = True
        out, err = _output_tail(out_file), _output_tail(err_file)
    if timed_out:
        detail = _tail(err or "")
        raise InputError(
            f"The upload command {args[0]!r} did not finish within {timeout:g} s and was stopped."
            + (f"\n{detail}" if detail else "")
        ) from None
    if proc.returncode != 0:
        code = proc.returncode
        how = f"was killed by signal {-code}" if code < 0 else f"failed with exit code {code}"
        detail = _tail(err) or _tail(out)
        raise InputError(f"The upload command {args[0]!r} {how}." + (f"\n{detail}" if detail else ""))
    return out + (err if not out or out.endswith("\n") or not err else "\n" + err)


#: How much of an upload command's output (each stream) is kept for its report.
UPLOAD_OUTPUT_KEPT = 64 * 1024


def _output_tail(fh) -> str:
    size = fh.seek(0, os.SEEK_END)
    fh.seek(max(0, size - UPLOAD_OUTPUT_KEPT))
    return fh.read(UPLOAD_OUTPUT_KEPT).decode("utf-8", errors="replace")


def _kill(proc: subprocess.Popen, posix: bool) -> None:
    try:
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)  # the command and whatever it started
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        with contextlib.suppress(OSError):
            proc.kill()


# --------------------------------------------------------------------------- serving


_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".atom": "application/atom+xml",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    "": "application/octet-stream",
}


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Files of one folder: no listings, no dot files, nothing a symlink leads out to."""

    server_version = "WarroomStatusPage"
    sys_version = ""
    timeout = 10  # a stalled client does not hold a thread (or server_close) for long
    extensions_map = _CONTENT_TYPES

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'",
        )
        super().end_headers()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "Not found")
        return None

    def send_head(self):  # type: ignore[no-untyped-def]
        root = Path(self.directory)
        target = Path(self.translate_path(self.path))
        try:
            rel = target.relative_to(root)
            inside = target.resolve().is_relative_to(root)
        except (ValueError, OSError):
            inside, rel = False, Path(".")
        if not inside or any(part.startswith(".") for part in rel.parts):
            self.send_error(404, "Not found")
            return None
        return super().send_head()


class SiteServer(http.server.ThreadingHTTPServer):
    """A :class:`ThreadingHTTPServer` for one site folder; ``server_close`` waits for open requests."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, out_dir: Path, host: str, port: int) -> None:
        self.site_dir = out_dir
        handler = _handler_for(out_dir)
        super().__init__((host, port), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("status page request from %s failed", client_address, exc_info=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in str(host) else host
        return f"http://{host}:{port}/"


def _handler_for(out_dir: Path) -> type[_SiteHandler]:
    root = str(out_dir)

    class Handler(_SiteHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=root, **kwargs)

    return Handler


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8080) -> SiteServer:
    """A server for the built site, bound and listening; call ``serve_forever()`` on it.

    Stop it with ``shutdown()`` (from another thread) then ``server_close()``.
    ``port=0`` picks a free port: read it from ``server.server_address``.
    """
    out_dir = Path(out_dir).expanduser()
    if not out_dir.is_dir() or not (out_dir / MARKER).is_file():
        raise InputError(f"{out_dir} is not a status page built by War room: build the page first.")
    try:
        return SiteServer(out_dir.resolve(), host, port)
    except OSError as exc:
        raise InputError(f"Cannot serve the status page on {host}:{port}: {exc.strerror or exc}.") from None


def serve_in_thread(out_dir: Path, host: str = "127.0.0.1", port: int = 0) -> tuple[SiteServer, threading.Thread]:
    """:func:`serve`, running in a daemon thread; stop it with :func:`stop`."""
    server = serve(out_dir, host, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="warroom-status-page", daemon=True)
    thread.start()
    return server, thread


def stop(server: http.server.HTTPServer, thread: threading.Thread | None = None) -> None:
    """Stop a server started with :func:`serve_in_thread` and release its socket."""
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join(timeout=5)


@contextlib.contextmanager
def serving(out_dir: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[SiteServer]:
    """``with serving(folder) as server:`` — the site served in the background, stopped on exit."""
    server, thread = serve_in_thread(out_dir, host, port)
    try:
        yield server
    finally:
        stop(server, thread)
