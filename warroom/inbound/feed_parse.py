"""Reading a provider's status document: a Statuspage-shaped ``summary.json`` or an
Atom/RSS feed, into a :class:`Snapshot` of plain values. Pure functions, no I/O.

The document comes from outside and is treated as hostile: it is at most
:data:`MAX_BYTES` (the caller stops reading there), JSON is refused when nested
deeper than :data:`MAX_DEPTH`, XML is checked by expat before feedparser reads it
(no DTD entity declarations, so no billion laughs or external entities; nesting at
most :data:`MAX_DEPTH`), at most :data:`MAX_ITEMS` components, incidents or entries
are taken, and every text is cut to a length and stripped of markup and control
characters. Anything wrong is a :class:`FeedError` saying what.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any
from xml.parsers import expat

from warroom.errors import InputError
from warroom.inputs import BIDI_CONTROLS

#: The largest document read (a big provider's summary.json is a few hundred KB).
MAX_BYTES = 2 * 1024 * 1024
#: Deeper nesting than any status document needs.
MAX_DEPTH = 32
#: Components, incidents or feed entries taken from one document.
MAX_ITEMS = 500
#: The longest name and the longest update text kept.
MAX_NAME, MAX_BODY = 200, 1_000

KINDS = ("summary", "feed")

#: Statuspage component statuses, from good to worst.
COMPONENT_ORDER = ("operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage")
RESOLVED = ("resolved", "postmortem", "completed")

_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}\u2028\u2029]")
_SPACES = re.compile(r"\s+")
_JSON_TYPES = ("application/json", "text/json")
_FEED_TYPES = ("application/atom+xml", "application/rss+xml", "application/xml", "text/xml", "application/rdf+xml",
               "application/feed+xml")


class FeedError(InputError):
    """A provider's document that cannot be read: what is wrong with it, in words."""


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    name: str
    status: str


@dataclass(frozen=True, slots=True)
class ProviderIncident:
    id: str
    name: str
    status: str
    impact: str
    #: The newest update: its id, status, words and time (None: no update yet).
    update_id: str
    update_text: str
    updated_at: datetime | None

    @property
    def resolved(self) -> bool:
        return self.status in RESOLVED


@dataclass(frozen=True, slots=True)
class Entry:
    #: A short stable key made from the entry's id (or link, or title).
    key: str
    title: str
    summary: str
    link: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one look at a provider found."""

    kind: str
    components: tuple[Component, ...] = ()
    incidents: tuple[ProviderIncident, ...] = ()
    entries: tuple[Entry, ...] = ()
    #: The page's own one-line description ("All Systems Operational"), when it has one.
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def worst(self) -> str | None:
        """The worst component status (None when the document has no components)."""
        known = [c.status for c in self.components if c.status in COMPONENT_ORDER]
        return max(known, key=COMPONENT_ORDER.index) if known else None


# -- text -------------------------------------------------------------------------------

class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("br", "p", "li", "div"):
            self.parts.append(" ")


def plain(value: Any, limit: int) -> str:
    """Text a person can read: markup removed, entities decoded, control characters
    and runs of space made one space, cut to ``limit`` characters."""
    if value is None:
        return ""
    text = str(value)[: limit * 8]
    if "<" in text:
        parser = _Text()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    else:
        text = html.unescape(text)
    text = _SPACES.sub(" ", _CONTROLS.sub(" ", text)).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _key(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


# -- checking the document ----------------------------------------------------------------

def check_type(kind: str, content_type: str | None, where: str) -> None:
    """Refuse an answer whose content type is not the kind's (an HTML error page, a
    login page, a file download)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    wanted = _JSON_TYPES if kind == "summary" else _FEED_TYPES
    if media not in wanted:
        expected = "JSON (application/json)" if kind == "summary" else "an Atom or RSS feed (XML)"
        raise FeedError(f"{where} answered with {media or 'no content type'}, not {expected}: check the URL.",
                        field="url")


def parse(kind: str, raw: bytes, where: str) -> Snapshot:
    """The snapshot in ``raw`` (at most :data:`MAX_BYTES`), or a :class:`FeedError`."""
    if len(raw) > MAX_BYTES:
        raise FeedError(f"{where} is larger than {MAX_BYTES // (1024 * 1024)} MB: War room reads no more.",
                        field="file")
    if kind == "summary":
        return parse_summary(raw, where)
    if kind == "feed":
        return parse_feed(raw, where)
    raise FeedError(f"Unknown kind {kind!r}: use summary or feed.", field="kind")


def _depth(value: Any, limit: int) -> int:
    """How deep a parsed JSON value nests (stops counting past ``limit``)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, d = stack.pop()
        if d > limit:
            return d
        deepest = max(deepest, d)
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def _json_nesting(raw: bytes) -> int:
    """The deepest bracket nesting in a JSON text, outside strings (checked before
    parsing, so a document of a million brackets never reaches the parser)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def parse_summary(raw: bytes, where: str) -> Snapshot:
    """A Statuspage ``api/v2/summary.json``: page status, components, incidents."""
    if _json_nesting(raw) > MAX_DEPTH:
        raise FeedError(f"{where} nests deeper than {MAX_DEPTH} levels: not a status summary.", field="file")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FeedError(f"{where} is not UTF-8 text.", field="file") from None
    except (ValueError, RecursionError) as exc:
        raise FeedError(f"{where} is not valid JSON ({str(exc)[:120]}).", field="file") from None
    if not isinstance(data, dict) or _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise FeedError(f"{where} is not a status summary (a JSON object is expected).", field="file")
    components = data.get("components", [])
    incidents = data.get("incidents", [])
    if not isinstance(components, list) or not isinstance(incidents, list):
        raise FeedError(f"{where} is not a status summary: components and incidents must be lists.", field="file")
    if "components" not in data and "incidents" not in data:
        raise FeedError(f"{where} has neither components nor incidents: it is not a Statuspage summary.json.",
                        field="file")
    out_c = []
    for c in components[:MAX_ITEMS]:
        if not isinstance(c, dict) or c.get("group") is True or not c.get("id"):
            continue  # a group's status repeats its members'
        out_c.append(Component(plain(c["id"], 80), plain(c.get("name"), MAX_NAME) or str(c["id"])[:80],
                               plain(c.get("status"), 40).lower() or "unknown"))
    out_i = [_incident(i) for i in incidents[:MAX_ITEMS] if isinstance(i, dict) and i.get("id")]
    status = data.get("status") if isinstance(data.get("status"), dict) else {}
    return Snapshot("summary", tuple(out_c), tuple(out_i), description=plain(status.get("description"), MAX_NAME))


def _incident(i: dict) -> ProviderIncident:
    updates = [u for u in (i.get("incident_updates") or [])[:MAX_ITEMS] if isinstance(u, dict) and u.get("id")]
    newest = max(updates, key=lambda u: (_time(u.get("created_at")) or datetime.min.replace(tzinfo=timezone.utc),
                                         str(u.get("id")))) if updates else None
    status = plain(i.get("status"), 40).lower() or "unknown"
    return ProviderIncident(
        id=plain(i["id"], 80), name=plain(i.get("name"), MAX_NAME) or "(untitled)", status=status,
        impact=plain(i.get("impact"), 40).lower() or "none",
        update_id=plain(newest["id"], 80) if newest else "",
        update_text=plain(newest.get("body"), MAX_BODY) if newest else "",
        updated_at=(_time(newest.get("created_at")) if newest else None) or _time(i.get("updated_at")))


def check_xml(raw: bytes, where: str) -> None:
    """Refuse XML that is not well formed, declares entities (billion laughs, external
    entities) or nests deeper than :data:`MAX_DEPTH`, before any parser builds from it."""
    parser = expat.ParserCreate()
    depth = 0

    def start(_name, _attrs) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise FeedError(f"{where} nests deeper than {MAX_DEPTH} elements: not a feed.", field="file")

    def end(_name) -> None:
        nonlocal depth
        depth -= 1

    def entity(*_args) -> None:
        raise FeedError(f"{where} declares XML entities, which no feed needs (it may be an attack): refused.",
                        field="file")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = entity
    parser.ExternalEntityRefHandler = lambda *_a: 0
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        raise FeedError(f"{where} is not well-formed XML ({expat.ErrorString(exc.code)}, line {exc.lineno}).",
                        field="file") from None


def parse_feed(raw: bytes, where: str) -> Snapshot:
    """An Atom or RSS feed (feedparser), after :func:`check_xml`."""
    import feedparser

    check_xml(raw, where)
    doc = feedparser.parse(raw, sanitize_html=True, resolve_relative_uris=False)
    if not doc.get("version") and not doc.entries:
        raise FeedError(f"{where} is XML but not an Atom or RSS feed.", field="file")
    entries = []
    for e in doc.entries[:MAX_ITEMS]:
        ident = e.get("id") or e.get("link") or e.get("title")
        if not ident:
            continue
        # (read as a plain dict: feedparser's own get maps one name onto the other, with a warning)
        when = dict.get(e, "updated_parsed") or dict.get(e, "published_parsed")
        published = datetime(*when[:6], tzinfo=timezone.utc) if when else None
        link = plain(e.get("link"), 500)
        if not link.startswith(("https://", "http://")):
            link = ""  # an RSS guid feedparser took for a link, or a javascript: address
        entries.append(Entry(_key(str(ident)), plain(e.get("title"), MAX_NAME) or "(untitled)",
                             plain(e.get("summary"), MAX_BODY), link, published))
    return Snapshot("feed", entries=tuple(entries), description=plain(doc.feed.get("title"), MAX_NAME))
