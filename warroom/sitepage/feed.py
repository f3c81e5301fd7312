"""``history.atom``: one Atom (RFC 4287) entry per incident update, newest first,
with ids that depend on the site's id only, not on its address."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from markupsafe import Markup

from warroom.sitepage.markdown import update_html
from warroom.sitepage.model import (STATUS_LABELS, Site, SiteIncident, SiteUpdate, anchor, base_url, last_change,
                                    overall_status, timestamp)

#: The feed keeps the newest updates only, so that it does not grow forever.
MAX_FEED_ENTRIES = 500

_ATOM_NS = "http://www.w3.org/2005/Atom"
_UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://warroom.invalid/status-page")


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
    base = base_url(site)
    page_url = base or "index.html"
    pairs = [(i, u) for i in site.incidents for u in i.updates]
    pairs.sort(key=lambda p: (p[1].created_at, p[0].id, p[1].id), reverse=True)
    pairs = pairs[:MAX_FEED_ENTRIES]
    updated = max([site.updated_at] + [last_change(u) for _, u in pairs])

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
        _sub(entry, "updated", timestamp(last_change(update)))
        _sub(entry, "published", timestamp(update.created_at))
        _sub(entry, "link", rel="alternate", type="text/html", href=f"{page_url}#{anchor(incident)}")
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
