"""The self-hosted status page: the fallback when the vendor's status page is down.

Plain data in (the frozen ``Site*`` dataclasses of :mod:`~warroom.sitepage.model`,
never ORM objects), a static folder out::

    index.html                  readable without JavaScript, inline CSS only   (page)
    history.atom                one Atom (RFC 4287) entry per incident update  (feed)
    api/v2/summary.json         the public shape of Atlassian Statuspage's API v2,
    api/v2/status.json          so scripts and dashboards written against the
    api/v2/components.json      vendor's page keep working against this one    (api)
    api/v2/incidents.json
    .warroom-site               marker: "this folder is ours, rebuild it freely"

An update's Markdown becomes HTML or plain text in :mod:`~warroom.sitepage.markdown`.
:func:`build` writes the folder atomically and :func:`run_upload` hands it to the
user's own upload command (:mod:`~warroom.sitepage.publish`); :func:`serve` serves
it from this machine (:mod:`~warroom.sitepage.server`).

Nothing here reads the clock: "now" for the page (the 14-day history, the
"last updated" line) is ``Site.updated_at``.

The names below are the package's public face; callers import them from here.
"""

from __future__ import annotations

from warroom.sitepage.api import components, incidents, status, summary
from warroom.sitepage.feed import MAX_FEED_ENTRIES, entry_id, feed_id, render_feed
from warroom.sitepage.markdown import body_html, body_text, update_html, update_text, withdrawn_notice
from warroom.sitepage.model import (COMPONENT_STATUSES, IMPACTS, INCIDENT_STATUSES, UPDATE_STATUSES, Site,
                                    SiteComponent, SiteIncident, SiteUpdate, overall_status, timestamp, unresolved)
from warroom.sitepage.page import HISTORY_DAYS, render_html
from warroom.sitepage.publish import MARKER, SITE_FILES, UPLOAD_OUTPUT_KEPT, build, render, run_upload
from warroom.sitepage.server import SiteServer, serve, serve_in_thread, serving, stop

__all__ = [
    "COMPONENT_STATUSES", "HISTORY_DAYS", "IMPACTS", "INCIDENT_STATUSES", "MARKER", "MAX_FEED_ENTRIES", "SITE_FILES",
    "UPDATE_STATUSES", "UPLOAD_OUTPUT_KEPT", "Site", "SiteComponent", "SiteIncident", "SiteServer", "SiteUpdate",
    "body_html", "body_text", "build", "components", "entry_id", "feed_id", "incidents", "overall_status", "render",
    "render_feed", "render_html", "run_upload", "serve", "serve_in_thread", "serving", "status", "stop", "summary",
    "timestamp", "unresolved", "update_html", "update_text", "withdrawn_notice",
]
