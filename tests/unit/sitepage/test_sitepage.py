"""The self-hosted status page: Statuspage-shaped JSON, the Atom feed, the HTML,
the atomic rebuild, the upload command and the little web server."""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import feedparser
import httpx
import pytest

from warroom import sitepage
from warroom.errors import InputError
from warroom.sitepage import Site, SiteComponent, SiteIncident, SiteUpdate, publish

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
HOSTILE = "<script>alert(1)</script>"

API = SiteComponent("cmp-api", "Public API", "partial_outage")
WEB = SiteComponent("cmp-web", "Website", "operational")


def update(uid: str, status: str, minutes_ago: float, body: str = "Text") -> SiteUpdate:
    return SiteUpdate(uid, status, body, T0 - timedelta(minutes=minutes_ago))


def incident(iid: str, *, name: str = "Checkout failing", status: str = "investigating", impact: str = "major",
             started: timedelta = timedelta(hours=1), resolved: timedelta | None = None,
             updates: tuple[SiteUpdate, ...] | None = None, components=(API,), shortlink=None) -> SiteIncident:
    created = T0 - started
    if updates is None:
        updates = (SiteUpdate(f"{iid}-u1", "investigating", "We are looking into it.", created),)
    resolved_at = T0 - resolved if resolved is not None else None
    return SiteIncident(iid, name, status, impact, created, resolved_at or T0, resolved_at, shortlink,
                        tuple(components), tuple(updates))


def make_site(incidents=(), components=(API, WEB), **kw) -> Site:
    args = {"id": "pg-1", "name": "Acme Payments", "url": "https://status.example.com", "time_zone": "Etc/UTC",
            "updated_at": T0}
    args.update(kw)
    return Site(components=tuple(components), incidents=tuple(incidents), **args)


@pytest.fixture
def site() -> Site:
    active = incident(
        "inc-2", name="Card payments declined", status="monitoring", impact="major", started=timedelta(hours=2),
        updates=(
            update("u-2a", "investigating", 120, "We see errors.\n\n- card payments\n- refunds"),
            update("u-2c", "monitoring", 10, "A fix is live; we are watching."),
            update("u-2b", "identified", 60, "A certificate expired."),
        ),
    )
    fixed = incident(
        "inc-1", name="Slow dashboard", status="resolved", impact="critical", started=timedelta(days=3),
        resolved=timedelta(days=2, hours=20), components=(WEB,),
        updates=(update("u-1b", "resolved", 4000, "Fixed."), update("u-1a", "investigating", 4300, "Slow.")),
        shortlink="https://stspg.io/abc",
    )
    return make_site([fixed, active])


# --------------------------------------------------------------------------- a tiny schema checker

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class Nullable:
    def __init__(self, inner):
        self.inner = inner


class ListOf:
    def __init__(self, inner):
        self.inner = inner


def check(value, schema, where="$"):
    """``schema``: a dict (exact keys), ListOf, Nullable, a type, a frozenset (vocabulary) or "iso"."""
    if isinstance(schema, Nullable):
        if value is not None:
            check(value, schema.inner, where)
    elif isinstance(schema, dict):
        assert isinstance(value, dict), f"{where}: not an object"
        assert set(value) == set(schema), f"{where}: keys {sorted(set(value) ^ set(schema))} differ"
        for key, sub in schema.items():
            check(value[key], sub, f"{where}.{key}")
    elif isinstance(schema, ListOf):
        assert isinstance(value, list), f"{where}: not a list"
        for n, item in enumerate(value):
            check(item, schema.inner, f"{where}[{n}]")
    elif isinstance(schema, frozenset):
        assert value in schema, f"{where}: {value!r} not in the vocabulary"
    elif schema == "iso":
        assert isinstance(value, str) and ISO.match(value), f"{where}: {value!r} is not a Statuspage timestamp"
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    elif schema is int:
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: not an integer"
    else:
        assert isinstance(value, schema), f"{where}: {value!r} is not {schema.__name__}"


COMPONENT_STATUS = frozenset({"operational", "degraded_performance", "partial_outage", "major_outage",
                              "under_maintenance"})
INCIDENT_STATUS = frozenset({"investigating", "identified", "monitoring", "resolved", "postmortem"})
PAGE = {"id": str, "name": str, "url": str, "time_zone": str, "updated_at": "iso"}
STATUS = {"indicator": frozenset({"none", "minor", "major", "critical"}),
          "description": frozenset({"All Systems Operational", "Minor Service Outage", "Partial System Outage",
                                    "Major System Outage", "Service Under Maintenance"})}
COMPONENT = {"id": str, "name": str, "status": COMPONENT_STATUS, "created_at": "iso", "updated_at": "iso",
             "position": int, "description": Nullable(str), "showcase": bool, "start_date": Nullable(str),
             "group_id": Nullable(str), "page_id": str, "group": bool, "only_show_if_degraded": bool}
INCIDENT_UPDATE = {"id": str, "status": INCIDENT_STATUS, "body": str, "incident_id": str, "created_at": "iso",
                   "updated_at": "iso", "display_at": "iso", "affected_components": Nullable(list),
                   "deliver_notifications": bool}
INCIDENT = {"id": str, "name": str, "status": INCIDENT_STATUS, "created_at": "iso", "updated_at": "iso",
            "monitoring_at": Nullable("iso"), "resolved_at": Nullable("iso"),
            "impact": frozenset({"none", "minor", "major", "critical"}), "shortlink": Nullable(str),
            "started_at": "iso", "page_id": str, "incident_updates": ListOf(INCIDENT_UPDATE),
            "components": ListOf(COMPONENT)}
SUMMARY = {"page": PAGE, "status": STATUS, "components": ListOf(COMPONENT), "incidents": ListOf(INCIDENT),
           "scheduled_maintenances": ListOf(dict)}
INCIDENTS = {"page": PAGE, "incidents": ListOf(INCIDENT)}
STATUS_JSON = {"page": PAGE, "status": STATUS}
COMPONENTS_JSON = {"page": PAGE, "components": ListOf(COMPONENT)}


def test_the_checker_catches_a_wrong_shape():
    good = sitepage.status(make_site())
    check(good, STATUS_JSON)
    for broken in ({**good, "extra": 1}, {"page": good["page"]},
                   {**good, "status": {**good["status"], "indicator": "red"}},
                   {**good, "page": {**good["page"], "updated_at": "2026-11-23 09:00"}}):
        with pytest.raises(AssertionError):
            check(broken, STATUS_JSON)


# --------------------------------------------------------------------------- JSON


def test_summary_has_statuspage_shape_and_only_unresolved_incidents(site):
    data = sitepage.summary(site)
    check(data, SUMMARY)
    assert data["page"] == {"id": "pg-1", "name": "Acme Payments", "url": "https://status.example.com",
                            "time_zone": "Etc/UTC", "updated_at": "2026-11-23T09:00:00.000Z"}
    assert [i["id"] for i in data["incidents"]] == ["inc-2"]
    assert data["scheduled_maintenances"] == []
    assert [(c["id"], c["status"], c["position"]) for c in data["components"]] == [
        ("cmp-api", "partial_outage", 1), ("cmp-web", "operational", 2)]
    assert all(c["page_id"] == "pg-1" for c in data["components"])
    json.dumps(data)  # plain JSON types only


def test_incidents_json_lists_all_newest_first_with_updates_newest_first(site):
    data = sitepage.incidents(site)
    check(data, INCIDENTS)
    assert [i["id"] for i in data["incidents"]] == ["inc-2", "inc-1"]
    active, fixed = data["incidents"]
    # updates were given out of order: the output is newest first
    assert [u["id"] for u in active["incident_updates"]] == ["u-2c", "u-2b", "u-2a"]
    assert {u["incident_id"] for u in active["incident_updates"]} == {"inc-2"}
    assert active["monitoring_at"] == "2026-11-23T08:50:00.000Z"
    assert active["resolved_at"] is None and active["started_at"] == "2026-11-23T07:00:00.000Z"
    assert active["incident_updates"][-1]["body"] == "We see errors.\n\n- card payments\n- refunds"
    assert active["components"][0]["id"] == "cmp-api"
    assert fixed["status"] == "resolved" and fixed["resolved_at"] == "2026-11-20T13:00:00.000Z"
    assert fixed["shortlink"] == "https://stspg.io/abc"
    # without a shortlink, the page's own anchor is the link
    assert active["shortlink"] == "https://status.example.com/#incident-inc-2"


def test_timestamps_are_utc_with_milliseconds():
    berlin = timezone(timedelta(hours=1))
    when = datetime(2026, 11, 23, 10, 0, 0, 123456, tzinfo=berlin)
    assert sitepage.timestamp(when) == "2026-11-23T09:00:00.123Z"
    site = make_site(updated_at=when)
    assert site.updated_at.tzinfo == timezone.utc
    assert sitepage.status(site)["page"]["updated_at"] == "2026-11-23T09:00:00.123Z"


@pytest.mark.parametrize(("incidents", "components", "expected"), [
    ((), (WEB,), ("none", "All Systems Operational")),
    ((), (), ("none", "All Systems Operational")),
    ((incident("a", impact="major"),), (WEB,), ("major", "Partial System Outage")),
    ((incident("a", impact="minor"),), (WEB,), ("minor", "Minor Service Outage")),
    ((incident("a", impact="none"),), (WEB,), ("none", "All Systems Operational")),
    # resolved incidents do not count, whatever their impact
    ((incident("a", impact="critical", status="resolved", resolved=timedelta(0)),), (WEB,),
     ("none", "All Systems Operational")),
    # the worst wins
    ((incident("a", impact="minor"), incident("b", impact="critical")), (WEB,), ("critical", "Major System Outage")),
    ((incident("a", impact="minor"),), (API,), ("major", "Partial System Outage")),
    ((), (SiteComponent("x", "X", "degraded_performance"), WEB), ("minor", "Minor Service Outage")),
    ((), (SiteComponent("x", "X", "major_outage"), WEB), ("major", "Partial System Outage")),
    ((), (SiteComponent("x", "X", "major_outage"),), ("critical", "Major System Outage")),
    ((), (SiteComponent("x", "X", "under_maintenance"), WEB), ("none", "Service Under Maintenance")),
    ((incident("a", impact="minor"),), (SiteComponent("x", "X", "under_maintenance"),),
     ("minor", "Minor Service Outage")),
])
def test_indicator_rules(incidents, components, expected):
    site = make_site(incidents, components)
    rollup = sitepage.status(site)["status"]
    assert (rollup["indicator"], rollup["description"]) == expected
    assert sitepage.summary(site)["status"] == rollup


def test_bad_data_is_refused_clearly():
    with pytest.raises(InputError, match="component status"):
        SiteComponent("x", "X", "down")
    with pytest.raises(InputError, match="update status"):
        SiteUpdate("u", "fixed", "", T0)
    with pytest.raises(InputError, match="time zone"):
        SiteUpdate("u", "resolved", "", datetime(2026, 1, 1))
    with pytest.raises(InputError, match="impact"):
        incident("a", impact="sev1")
    with pytest.raises(InputError, match="http"):
        make_site(url="javascript:alert(1)")
    with pytest.raises(InputError, match="http"):
        incident("a", shortlink="javascript:alert(1)")
    with pytest.raises(InputError, match="title"):
        incident("a", name="   ")


def test_written_json_files_parse_and_match(site, tmp_path):
    out = tmp_path / "site"
    sitepage.build(site, out)
    api = out / "api" / "v2"
    assert json.loads((api / "summary.json").read_text("utf-8")) == sitepage.summary(site)
    assert json.loads((api / "incidents.json").read_text("utf-8")) == sitepage.incidents(site)
    check(json.loads((api / "status.json").read_text("utf-8")), STATUS_JSON)
    comps = json.loads((api / "components.json").read_text("utf-8"))
    check(comps, COMPONENTS_JSON)
    assert [c["name"] for c in comps["components"]] == ["Public API", "Website"]


# --------------------------------------------------------------------------- Atom


def test_feed_is_valid_atom_with_one_entry_per_update(site, tmp_path):
    sitepage.build(site, tmp_path / "site")
    raw = (tmp_path / "site" / "history.atom").read_bytes()
    feed = feedparser.parse(raw)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.id.startswith("urn:uuid:")
    assert feed.feed.title == "Acme Payments: incident history"
    links = {(link.rel, link.href) for link in feed.feed.links}
    assert ("self", "https://status.example.com/history.atom") in links
    assert ("alternate", "https://status.example.com/") in links
    assert len(feed.entries) == 5
    assert len({e.id for e in feed.entries}) == 5
    titles = [e.title for e in feed.entries]
    assert titles[0] == "Card payments declined \u2014 Monitoring"
    assert "Slow dashboard \u2014 Resolved" in titles
    assert all(e.updated_parsed and e.published_parsed for e in feed.entries)
    assert feed.entries[0].updated == "2026-11-23T08:50:00.000Z"
    assert feed.entries[0].link == "https://status.example.com/#incident-inc-2"
    first_update = next(e for e in feed.entries if e.title.endswith("Investigating") and "Card" in e.title)
    assert "<li>refunds</li>" in first_update.content[0].value


def test_feed_ids_are_stable_per_site_and_update(site):
    again = make_site(list(site.incidents), updated_at=T0 + timedelta(hours=1))
    first, second = feedparser.parse(sitepage.render_feed(site)), feedparser.parse(sitepage.render_feed(again))
    assert first.feed.id == second.feed.id
    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    other = feedparser.parse(sitepage.render_feed(make_site(list(site.incidents), id="pg-2")))
    assert other.feed.id != first.feed.id
    assert not {e.id for e in other.entries} & {e.id for e in first.entries}


def test_feed_escapes_user_text_and_drops_characters_xml_cannot_carry():
    body = f"{HOSTILE}\x00\x0b & more"
    site = make_site([incident("a", name=HOSTILE + "\x0c", updates=(update("u", "investigating", 5, body),))],
                     name="Acme\x1b")
    raw = sitepage.render_feed(site)
    root = ET.fromstring(raw)  # well-formed despite the control characters
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert root.find("a:author/a:name", ns).text == "Acme"
    entry = root.find("a:entry", ns)
    assert entry.find("a:title", ns).text == f"{HOSTILE} \u2014 Investigating"
    content = entry.find("a:content", ns)
    assert content.get("type") == "html"
    # the HTML carried in the feed shows the user's markup as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content.text and "<script" not in content.text
    assert "\x00" not in content.text and "\x0b" not in content.text
    assert not feedparser.parse(raw).bozo


# --------------------------------------------------------------------------- HTML


class _Page(HTMLParser):
    VOID = {"meta", "link", "br", "hr", "img", "input", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse_page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    assert page.errors == [] and page.stack == [], (page.errors, page.stack)
    return page


def test_html_has_no_script_and_escapes_user_text(tmp_path):
    hostile = incident("x", name=HOSTILE, updates=(update("u", "identified", 5, f"Body {HOSTILE}\n- <b>item</b>"),),
                       components=(SiteComponent("c", "<img src=x onerror=alert(1)>", "major_outage"),))
    site = make_site([hostile], components=hostile.components, name=f"Acme {HOSTILE}")
    sitepage.build(site, tmp_path / "site")
    html = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert "<script" not in html.lower()
    assert "<img" not in html.lower() and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = parse_page(html)
    assert "script" not in {tag for tag, _ in page.tags}
    text = "".join(page.text)
    assert HOSTILE in text and "<img src=x onerror=alert(1)>" in text and "<b>item</b>" in text
    assert all(not name.lower().startswith("on") for _, attrs in page.tags for name in attrs)


def test_html_page_content(site, tmp_path):
    sitepage.build(site, tmp_path / "site")
    html = (tmp_path / "site" / "index.html").read_text("utf-8")
    page = parse_page(html)
    tags = page.tags
    assert ("link", {"rel": "alternate", "type": "application/atom+xml",
                     "title": "Acme Payments: incident history", "href": "history.atom"}) in tags
    assert any(t == "meta" and a.get("http-equiv") == "refresh" for t, a in tags)
    assert any(t == "meta" and a.get("name") == "viewport" for t, a in tags)
    assert {a.get("href") for t, a in tags if t == "a"} >= {
        "history.atom", "api/v2/summary.json", "api/v2/incidents.json", "api/v2/status.json",
        "api/v2/components.json"}
    assert not any(t == "link" and a.get("rel") == "stylesheet" for t, a in tags)  # CSS inline only
    text = " ".join(" ".join(page.text).split())
    assert "Partial System Outage" in text
    assert "Public API Partial outage" in text and "Website Operational" in text
    # the active incident, its updates newest first with UTC times and status labels
    active = text.index("Card payments declined")
    assert text.index("Monitoring · 23 Nov 2026, 08:50 UTC") < text.index("Identified · 23 Nov 2026, 08:00 UTC") \
        < text.index("Investigating · 23 Nov 2026, 07:00 UTC")
    assert active < text.index("Past incidents") < text.index("Slow dashboard")
    # "- " lines become a list
    assert "<ul><li>card payments</li><li>refunds</li></ul>" in re.sub(r">\s+<", "><", html)
    assert 'id="incident-inc-2"' in html


def test_past_incidents_cover_the_last_14_days_only(tmp_path):
    recent = incident("r", name="Recent outage", status="resolved", started=timedelta(days=13, hours=2),
                      resolved=timedelta(days=13))
    old = incident("o", name="Ancient outage", status="resolved", started=timedelta(days=20),
                   resolved=timedelta(days=19))
    html = sitepage.render_html(make_site([recent, old], components=(WEB,)))
    assert "Recent outage" in html and "Ancient outage" not in html
    assert html.count("No incidents reported.") == 13
    assert "All Systems Operational" in html and "Active incidents" not in html
    # ...but the JSON history keeps everything
    assert [i["name"] for i in sitepage.incidents(make_site([recent, old]))["incidents"]] == [
        "Recent outage", "Ancient outage"]


# --------------------------------------------------------------------------- Markdown and withdrawn updates

MARKDOWN = ("**Fixed**: we *rolled back* the release.\n"
            "Payments work again.\n\n"
            "- card payments\n- refunds\n\n"
            "Details: [post-mortem](https://example.com/pm) or [mail us](mailto:ops@example.com).")
SMUGGLED = ("<script>alert(1)</script> [x](javascript:alert(1)) [y](JaVaScRiPt:alert(2)) "
            "[z](data:text/html,<b>hi</b>) [rel](/admin) <a href=\"javascript:alert(3)\">a</a>\n\n"
            "![pixel](https://tracker.example/p.png) <img src=x onerror=alert(4)>")


def _built(site, tmp_path) -> dict[str, bytes]:
    out = tmp_path / "site"
    sitepage.build(site, out)
    return _snapshot(out)


def _feed_contents(raw: bytes) -> list[str]:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    return [e.find("a:content", ns).text for e in ET.fromstring(raw).findall("a:entry", ns)]


def _body_links(html: str) -> list[dict]:
    """The <a> and <img> tags an update body produced (the page's own links left out)."""
    own = {"history.atom", "api/v2/summary.json", "api/v2/incidents.json", "api/v2/status.json",
           "api/v2/components.json", "https://stspg.io/abc"}
    return [dict(attrs, tag=tag) for tag, attrs in parse_page(html).tags
            if tag in ("a", "img") and attrs.get("href") not in own]


def test_markdown_renders_as_html_in_the_page_and_the_feed_never_as_raw_markup(tmp_path):
    site = make_site([incident("md", status="resolved", resolved=timedelta(minutes=5),
                               updates=(update("u-md", "resolved", 5, MARKDOWN),))])
    files = _built(site, tmp_path)
    for name, data in files.items():
        assert b"**" not in data, name
    html = files["index.html"].decode("utf-8")
    assert "<strong>Fixed</strong>: we <em>rolled back</em> the release.<br>" in html
    assert "<ul><li>card payments</li><li>refunds</li></ul>" in re.sub(r">\s+<", "><", html)
    assert '<a href="https://example.com/pm">post-mortem</a>' in html
    assert '<a href="mailto:ops@example.com">mail us</a>' in html
    parse_page(html)  # well nested
    [content] = _feed_contents(files["history.atom"])
    assert "<strong>Fixed</strong>" in content and "<em>rolled back</em>" in content
    assert '<a href="https://example.com/pm">post-mortem</a>' in content
    feed = feedparser.parse(files["history.atom"])
    assert not feed.bozo and "<strong>Fixed</strong>" in feed.entries[0].content[0].value
    # the same site builds the same bytes
    assert _built(site, tmp_path / "again") == files


def test_json_bodies_are_plain_text_without_markup(tmp_path):
    site = make_site([incident("md", updates=(update("u-md", "identified", 5, MARKDOWN),))])
    expected = ("Fixed: we rolled back the release.\nPayments work again.\n\n"
                "- card payments\n- refunds\n\n"
                "Details: post-mortem (https://example.com/pm) or mail us (mailto:ops@example.com).")
    assert sitepage.incidents(site)["incidents"][0]["incident_updates"][0]["body"] == expected
    files = _built(site, tmp_path)
    for name in ("api/v2/summary.json", "api/v2/incidents.json"):
        [body] = [u["body"] for i in json.loads(files[name])["incidents"] for u in i["incident_updates"]]
        assert body == expected, name
    assert sitepage.body_text("1. one\n2. two\n   - nested\n\n`a **literal**`") == \
        "1. one\n2. two\n  - nested\n\na **literal**"


def test_markdown_cannot_smuggle_scripts_links_or_remote_images(tmp_path):
    site = make_site([incident("x", updates=(update("u-x", "identified", 5, SMUGGLED),))])
    files = _built(site, tmp_path)
    html = files["index.html"].decode("utf-8")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # only the image became a link, to an http(s) address; the rest is shown as text
    assert _body_links(html) == [{"tag": "a", "href": "https://tracker.example/p.png"}]
    assert "[x](javascript:alert(1))" in html and "[rel](/admin)" in html
    assert all(not name.lower().startswith("on") for _, attrs in parse_page(html).tags for name in attrs)
    [content] = _feed_contents(files["history.atom"])
    assert "<script" not in content.lower() and "<img" not in content.lower()
    assert _body_links(f"<div>{content}</div>") == [{"tag": "a", "href": "https://tracker.example/p.png"}]
    # the JSON body is plain text: the scripts are words there, for the reader to escape
    body = sitepage.incidents(site)["incidents"][0]["incident_updates"][0]["body"]
    assert body.startswith("<script>alert(1)</script> [x](javascript:alert(1))")
    assert "pixel (https://tracker.example/p.png)" in body


@pytest.mark.parametrize("text", ["a\x00b &#1; &#0; &#xFFFE; &#xD800; \x0b\x7f", "**\x0c**", "[\x1b](https://x.example/\x08)"])
def test_markdown_output_carries_no_character_xml_cannot(text):
    for out in (str(sitepage.body_html(text)), sitepage.body_text(text)):
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]", out), out
    site = make_site([incident("c", updates=(update("u", "identified", 5, text),))])
    assert not feedparser.parse(sitepage.render_feed(site)).bozo


WITHDRAWN_AT = datetime(2026, 12, 4, 14, 5, tzinfo=timezone.utc)
NOTICE = "This update was withdrawn on 4 Dec 2026, 14:05 UTC."
SECRET = "Globex's **customer ledger** was copied; ask Hannelore Voss"


def _withdrawn_site() -> Site:
    created = datetime(2026, 12, 4, 13, 0, tzinfo=timezone.utc)
    updates = (
        SiteUpdate("w-1", "investigating", "We are looking into it.", created),
        SiteUpdate("w-2", "identified", SECRET, created + timedelta(minutes=30),
                   withdrawn_at=WITHDRAWN_AT.astimezone(timezone(timedelta(hours=2)))),
        SiteUpdate("w-3", "monitoring", "A fix is live.", created + timedelta(minutes=50)),
    )
    active = SiteIncident("inc-w", "Sync failing", "monitoring", "major", created, created + timedelta(hours=1),
                          None, None, (API,), updates)
    return make_site([active], updated_at=datetime(2026, 12, 4, 15, 0, tzinfo=timezone.utc))


def test_a_withdrawn_update_shows_a_notice_and_none_of_its_words_anywhere(tmp_path):
    site = _withdrawn_site()
    files = _built(site, tmp_path)
    for name, data in files.items():
        text = data.decode("utf-8")
        for word in ("Globex", "ledger", "copied", "Hannelore", "Voss"):
            assert word not in text, (name, word)
    # the notice, with its time, in every place the words would have been
    html = files["index.html"].decode("utf-8")
    assert f'<p class="withdrawn">{NOTICE}</p>' in html
    [content] = [c for c in _feed_contents(files["history.atom"]) if "withdrawn" in c]
    assert NOTICE in content
    for name in ("api/v2/summary.json", "api/v2/incidents.json"):
        [incident_json] = json.loads(files[name])["incidents"]
        updates = incident_json["incident_updates"]
        # it keeps its place and its time in the history
        assert [u["id"] for u in updates] == ["w-3", "w-2", "w-1"]
        assert updates[1]["body"] == NOTICE
        assert updates[1]["created_at"] == updates[1]["display_at"] == "2026-12-04T13:30:00.000Z"
        assert updates[1]["updated_at"] == "2026-12-04T14:05:00.000Z"
        assert updates[1]["status"] == "identified"
        assert [u["body"] for u in updates[::2]] == ["A fix is live.", "We are looking into it."]
    text = " ".join(" ".join(parse_page(html).text).split())
    assert text.index("Monitoring · 4 Dec 2026, 13:50 UTC") < text.index("Identified · 4 Dec 2026, 13:30 UTC") \
        < text.index(NOTICE) < text.index("Investigating · 4 Dec 2026, 13:00 UTC")
    feed = feedparser.parse(files["history.atom"])
    entry = next(e for e in feed.entries if e.title.endswith("Identified"))
    assert entry.published == "2026-12-04T13:30:00.000Z" and entry.updated == "2026-12-04T14:05:00.000Z"
    assert NOTICE in entry.content[0].value
    assert [e.title.rsplit(" ", 1)[1] for e in feed.entries] == ["Monitoring", "Identified", "Investigating"]


def test_withdrawal_time_is_validated_and_the_words_are_not_kept():
    u = SiteUpdate("u", "identified", SECRET, T0, withdrawn_at=T0 + timedelta(hours=1))
    assert u.withdrawn_at == T0 + timedelta(hours=1) and u.withdrawn_at.tzinfo == timezone.utc
    assert u.body == "" and "Globex" not in repr(u)
    assert SiteUpdate("u", "identified", "Words", T0).withdrawn_at is None
    with pytest.raises(InputError, match="withdrawal time has no time zone"):
        SiteUpdate("u", "identified", "", T0, withdrawn_at=datetime(2026, 12, 4, 14, 5))
    with pytest.raises(InputError, match="withdrawal time must be a datetime"):
        SiteUpdate("u", "identified", "", T0, withdrawn_at="2026-12-04T14:05:00Z")


# --------------------------------------------------------------------------- building


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_writes_all_files_and_the_marker(site, tmp_path):
    out = tmp_path / "deep" / "site"
    written = sitepage.build(site, out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == sorted(sitepage.SITE_FILES)
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    assert (out / sitepage.MARKER).is_file()
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["site"]  # no staging folder left


def test_rebuild_replaces_files_through_a_sibling_folder(site, tmp_path, monkeypatch):
    out = tmp_path / "site"
    sitepage.build(make_site(), out)
    before = _snapshot(out)
    swaps = []
    real_replace = os.replace

    def spy(src, dst):
        swaps.append((os.fspath(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(publish.os, "replace", spy)
    sitepage.build(site, out)
    after = _snapshot(out)
    assert set(after) == set(before) and after[sitepage.MARKER] == before[sitepage.MARKER]
    assert after["index.html"] != before["index.html"]
    assert b"Card payments declined" in after["api/v2/summary.json"]
    # every file was swapped in whole from a staging folder next to the site, not inside it
    assert {d for _, d in swaps} == {os.fspath(out / rel) for rel in (sitepage.MARKER, *sitepage.SITE_FILES)}
    for src, _ in swaps:
        assert not src.startswith(os.fspath(out) + os.sep)
        assert os.path.dirname(os.path.relpath(src, tmp_path)).split(os.sep)[0].startswith(".site.building-")
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_a_failed_build_leaves_the_previous_site_intact(site, tmp_path, monkeypatch):
    out = tmp_path / "site"
    sitepage.build(make_site(), out)
    before = _snapshot(out)
    calls = []
    real_write = publish._write_file

    def failing(path, data):
        calls.append(path)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(publish, "_write_file", failing)
    with pytest.raises(InputError, match="No space left"):
        sitepage.build(site, out)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_build_refuses_a_foreign_folder_and_a_file(site, tmp_path):
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "index.html").write_text("my own page")
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not empty"):
        sitepage.build(site, mine)
    assert _snapshot(mine) == {"index.html": b"my own page", "notes.txt": b"keep me"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["documents"]

    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        sitepage.build(site, a_file)
    assert a_file.read_text() == "x"

    empty = tmp_path / "empty"
    empty.mkdir()
    assert len(sitepage.build(site, empty)) == len(sitepage.SITE_FILES)


# --------------------------------------------------------------------------- uploading


def python_command(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def test_run_upload_runs_in_the_site_folder_without_a_shell(site, tmp_path):
    out = tmp_path / "site"
    sitepage.build(site, out)
    code = ("import os, sys; print(os.environ['WARROOM_SITE_DIR']); print(os.getcwd()); "
            "print(sorted(os.listdir('.'))); print(sys.argv[1:])")
    output = sitepage.run_upload(python_command(code) + " 'a b' ';' '$HOME'", out)
    lines = output.splitlines()
    assert lines[0] == str(out.resolve()) and os.path.samefile(lines[1], out)
    assert "index.html" in lines[2]
    assert lines[3] == "['a b', ';', '$HOME']"  # no shell: nothing split, expanded or chained


def test_run_upload_failure_names_the_exit_code_and_the_last_stderr_lines(tmp_path):
    code = "import sys\nfor n in range(30): print(f'line {n}', file=sys.stderr)\nsys.exit(3)"
    with pytest.raises(InputError) as info:
        sitepage.run_upload(python_command(code), tmp_path)
    message = str(info.value)
    assert "exit code 3" in message and "line 29" in message and "line 5\n" not in message


def test_run_upload_command_not_found_empty_or_too_slow(tmp_path):
    with pytest.raises(InputError, match="not found"):
        sitepage.run_upload("warroom-no-such-uploader-xyz --flag", tmp_path)
    with pytest.raises(InputError, match="empty"):
        sitepage.run_upload("   ", tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        sitepage.run_upload(python_command("pass"), tmp_path / "missing")
    with pytest.raises(InputError, match="did not finish within 0.5 s"):
        sitepage.run_upload(python_command("import time; time.sleep(30)"), tmp_path, timeout=0.5)


def test_run_upload_keeps_only_the_end_of_a_flood_of_output(tmp_path):
    # 64 MB on stdout: read from a file's end, never held whole in this process.
    code = ("import sys\nfor n in range(64): sys.stdout.write(str(n).rjust(6) + ' ' + 'x' * (1 << 20) + '\\n')\n"
            "print('the end')")
    output = sitepage.run_upload(python_command(code), tmp_path, timeout=60)
    assert output.endswith("the end\n")
    assert len(output) <= sitepage.UPLOAD_OUTPUT_KEPT


@pytest.mark.skipif(os.name != "posix", reason="process groups")
def test_run_upload_timeout_also_stops_what_the_command_started(tmp_path):
    # the child starts a grandchild that inherits its output pipes and outlives it
    code = ("import subprocess, sys, time; "
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); time.sleep(30)")
    started = time.monotonic()
    with pytest.raises(InputError, match="did not finish"):
        sitepage.run_upload(python_command(code), tmp_path, timeout=1)
    assert time.monotonic() - started < 4  # did not wait for the grandchild to close the pipes


# --------------------------------------------------------------------------- serving


def test_serve_gives_the_files_with_the_right_content_types(site, tmp_path):
    out = tmp_path / "site"
    sitepage.build(site, out)
    (tmp_path / "secret.txt").write_text("outside")
    try:
        (out / "leak.txt").symlink_to(tmp_path / "secret.txt")
    except OSError:  # no symlinks here (Windows without the privilege)
        pass
    with sitepage.serving(out, port=0) as server:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1" and port > 0
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=5) as client:
            r = client.get("/api/v2/summary.json")
            assert r.status_code == 200
            assert r.headers["content-type"] == "application/json"
            assert r.json() == sitepage.summary(site)
            r = client.get("/history.atom")
            assert r.headers["content-type"] == "application/atom+xml"
            assert not feedparser.parse(r.content).bozo
            r = client.get("/")
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
            assert "Card payments declined" in r.text
            assert client.get("/api/").status_code == 404  # no directory listing
            assert client.get("/api").status_code in (301, 404)
            assert client.get(f"/{sitepage.MARKER}").status_code == 404
            assert client.get("/leak.txt").status_code == 404
            assert client.get("/%2e%2e/secret.txt").status_code == 404
    # stopped: the port is closed
    with httpx.Client(trust_env=False, timeout=2) as client, pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.1:{port}/")


def test_serve_refuses_a_folder_that_is_not_a_site(tmp_path):
    with pytest.raises(InputError, match="build the page first"):
        sitepage.serve(tmp_path, port=0)


def test_serve_returns_a_listening_server_the_caller_runs(site, tmp_path):
    import threading

    sitepage.build(site, tmp_path / "site")
    server = sitepage.serve(tmp_path / "site", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        with httpx.Client(trust_env=False, timeout=5) as client:
            assert client.get(f"http://127.0.0.1:{port}/api/v2/status.json").json()["status"]["indicator"] == "major"
    finally:
        sitepage.stop(server, thread)
    assert not thread.is_alive()
