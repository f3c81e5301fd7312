"""The vendor status watch against a provider's status page served on 127.0.0.1:
a Statuspage summary.json, an Atom and an RSS feed, and the ways they fail."""

from __future__ import annotations

import time
import tracemalloc
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.fakes.statusfeeds import StatusSite
from tests.helpers.team import team
from tests.helpers.rebuilt import rebuilt
from warroom.domain import EntryKind
from warroom.errors import InputError, NotPermitted
from warroom.identity import WATCH
from warroom.inbound import feed_fetch, feeds
from warroom.inbound.feed_parse import MAX_BYTES, FeedError
from warroom.services import followups, incidents, timeline
from warroom.store.models import JournalEvent, WatchSeen


@pytest.fixture
def site():
    s = StatusSite()
    yield s
    s.stop()


@pytest.fixture
def world(store, site):
    team(store)
    feeds.add_provider(store, "admin", "Acme Cloud", f"{site.url}/api/v2/summary.json", names="Acme,ACMECDN",
                       every="5m")
    named = incidents.open_incident(store, "Dana", title="Checkout slow: acme cloud API errors", severity="SEV2")
    by_component = incidents.open_incident(store, "Dana", title="Uploads failing", severity="SEV3",
                                           components=["Storage", "AcmeCDN"])
    other = incidents.open_incident(store, "Dana", title="Login errors on Acmeville site", severity="SEV3")
    return store, named, by_component, other


def external(store, incident) -> list[str]:
    return [e.text for e in timeline.entries(store, incident.id, viewer="Dana") if e.kind is EntryKind.EXTERNAL]


def test_an_incident_opened_updated_and_resolved_is_logged_once_each_on_the_incidents_that_name_it(world, site,
                                                                                                     clock):
    store, named, by_component, other = world
    first = feeds.poll(store, "Acme Cloud")
    assert first.error is None and first.recorded.changes == ()           # all operational, nothing open
    site.open_incident("p1", "Elevated API error rates", body="We are <b>investigating</b> errors.")
    clock.advance(300)
    opened = feeds.poll(store, "acme cloud")
    assert opened.recorded.incidents == (named.ref, by_component.ref)
    assert external(store, named) == ["Acme Cloud: incident opened (major impact): Elevated API error rates "
                                      "[investigating]. We are investigating errors."]
    assert external(store, other) == []                  # "Acmeville" is not the word "Acme"
    clock.advance(300)
    again = feeds.poll(store, "Acme Cloud")              # the same page: 304, nothing logged again
    assert again.not_modified and len(external(store, named)) == 1
    assert site.requests[-1][1].get("if-none-match")
    site.update_incident("p1", "identified", "A faulty deploy; rolling back.", "2026-11-23T09:07:00Z")
    clock.advance(300)
    feeds.poll(store, "Acme Cloud")
    site.update_incident("p1", "resolved", "Error rates are back to normal.", "2026-11-23T09:12:00Z")
    clock.advance(300)
    feeds.poll(store, "Acme Cloud")
    site.drop_incident("p1")                             # the summary lists only unresolved incidents
    clock.advance(300)
    feeds.poll(store, "Acme Cloud")
    texts = external(store, by_component)
    assert len(texts) == 3
    assert texts[1].startswith("Acme Cloud: incident updated: Elevated API error rates [identified]. A faulty")
    assert texts[2].startswith("Acme Cloud: incident resolved: Elevated API error rates [resolved]. Error rates")
    entries = [e for e in timeline.entries(store, named.id, viewer="Dana") if e.kind is EntryKind.EXTERNAL]
    assert {e.author for e in entries} == {"status watch"}
    assert entries[1].occurred_at == datetime(2026, 11, 23, 9, 7, tzinfo=timezone.utc)   # the provider's time
    with store.read() as session:
        assert session.scalars(select(WatchSeen.key)).all() == ["c:cmp-api", "c:cmp-dash"]


def test_an_incident_gone_from_the_summary_without_a_resolved_update_is_logged_resolved(world, site, clock):
    store, named, _, _ = world
    site.open_incident("p2", "Dashboard latency")
    feeds.poll(store, "Acme Cloud")                      # the first look: it is open now, so it is news
    site.drop_incident("p2")
    clock.advance(300)
    feeds.poll(store, "Acme Cloud")
    assert external(store, named)[-1] == "Acme Cloud: incident resolved: Dashboard latency is no longer listed as open."
    assert feeds.providers(store, viewer="Dana")[0].incidents == ()


def test_a_component_change_is_logged_and_the_state_is_kept_with_no_incident_naming_it(store, site, clock):
    team(store)
    feeds.add_provider(store, "admin", "Acme Cloud", f"{site.url}/api/v2/summary.json")
    inc = incidents.open_incident(store, "Dana", title="Payments", severity="SEV2", components=["acme cloud"])
    feeds.poll(store, "Acme Cloud")
    site.components[0]["status"] = "partial_outage"
    clock.advance(300)
    feeds.poll(store, "Acme Cloud")
    assert external(store, inc) == ["Acme Cloud: API is partial outage (was operational)."]
    incidents.set_status(store, "Dana", inc.ref, "resolved")      # a resolved incident hears no more
    site.components[0]["status"] = "major_outage"
    clock.advance(300)
    assert feeds.poll(store, "Acme Cloud").recorded.incidents == ()
    assert len(external(store, inc)) == 1
    view = feeds.providers(store, viewer="Vic Viewer", name="Acme Cloud")[0]
    assert view.worst == "major_outage" and view.summary() == "Acme Cloud: major outage"


def test_the_first_look_records_what_is_happening_now_and_takes_the_rest_as_known(world, site):
    store, named, _, _ = world
    site.components[1]["status"] = "degraded_performance"
    site.open_incident("p3", "Webhooks delayed")
    done = feeds.poll(store, "Acme Cloud").recorded
    assert done.changes == ("Acme Cloud: Dashboard is degraded performance.",
                            "Acme Cloud: incident opened (major impact): Webhooks delayed [investigating]. "
                            "We are investigating.")


def test_a_429_backs_off_as_long_as_the_provider_asks_and_a_5xx_doubles_the_wait(world, site, clock):
    store, named, _, _ = world
    site.fail_next(1, 429, retry_after="1800")
    polled = feeds.poll(store, "Acme Cloud")
    assert "429" in polled.error and polled.next_at == clock.now() + timedelta(seconds=1800)
    assert feeds.due(store) == []
    clock.advance(1799)
    assert feeds.due(store) == []
    clock.advance(1)
    site.fail_next(2, 503)
    first = feeds.poll_due(store)[0]           # the second failure in a row: 4 x 5 minutes
    assert "503" in first.error and first.next_at == clock.now() + timedelta(minutes=20)
    clock.advance(1200)
    second = feeds.poll_due(store)[0]
    assert "503" in second.error and second.next_at == clock.now() + timedelta(minutes=40)
    view = feeds.providers(store, viewer="Dana")[0]
    assert view.failures == 3 and view.summary().startswith("Acme Cloud: cannot read (the provider answered 503")
    clock.advance(2400)
    ok = feeds.poll_due(store)[0]
    assert ok.error is None and ok.next_at == clock.now() + timedelta(minutes=5)
    assert feeds.providers(store, viewer="Dana")[0].failures == 0
    with store.read() as session:             # errors wrote only this device's bookkeeping, never the journal
        kinds = session.scalars(select(JournalEvent.kind).where(JournalEvent.kind.like("watch.%"))).all()
    assert kinds == ["watch.added", "watch.observed"]


def test_if_modified_since_is_sent_and_a_304_records_nothing(world, site, clock):
    store, named, _, _ = world
    site.etags, site.last_modified = False, "Mon, 23 Nov 2026 08:50:00 GMT"
    assert feeds.poll(store, "Acme Cloud").not_modified is False
    site.open_incident("p5", "Ignored while unmodified")    # the page says it is not modified: nothing read
    clock.advance(300)
    polled = feeds.poll(store, "Acme Cloud")
    assert polled.not_modified and polled.next_at == clock.now() + timedelta(minutes=5)
    assert site.requests[-1][1]["if-modified-since"] == "Mon, 23 Nov 2026 08:50:00 GMT"
    assert "if-none-match" not in site.requests[-1][1] and external(store, named) == []


def test_a_timeout_is_an_error_on_the_provider(world, site):
    store, named, _, _ = world
    site.delay = 1.5
    started = time.monotonic()
    with pytest.raises(feed_fetch.FetchError, match="timed out"):
        feed_fetch.fetch(f"{site.url}/api/v2/summary.json", timeout=0.3)
    assert time.monotonic() - started < 1.4
    polled = feeds.poll(store, "Acme Cloud", timeout=0.3)
    assert "timed out" in polled.error and external(store, named) == []


def test_an_oversized_body_is_refused_without_reading_it_all(world, site):
    store, named, _, _ = world
    site.components[0]["name"] = "x" * (MAX_BYTES + 10)
    polled = feeds.poll(store, "Acme Cloud")
    assert "over the limit" in polled.error
    with pytest.raises(feed_fetch.FetchError, match="over the limit"):
        feed_fetch.fetch(f"{site.url}/api/v2/summary.json", limit=1000)


def test_a_compressed_answer_is_read_and_a_gzip_bomb_stops_at_the_limit(world, site):
    store, named, _, _ = world
    site.gzip = True
    site.open_incident("p7", "Compressed news")
    assert feeds.poll(store, "Acme Cloud").recorded.changes[0].endswith("Compressed news [investigating]. "
                                                                         "We are investigating.")
    bomb = b"0" * (64 * 1024 * 1024)                 # 64 MB of zeros, 64 KB on the wire
    site.body_override = (bomb, "application/json")
    tracemalloc.start()
    try:
        with pytest.raises(feed_fetch.FetchError, match="over the limit"):
            feed_fetch.fetch(f"{site.url}/api/v2/summary.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MAX_BYTES


@pytest.mark.parametrize("body, ctype, words", [
    (b'{"components": [{"id": "a", "status": ', "application/json", "is not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", "nests deeper than 32"),
    (b"<html><body>Sign in</body></html>", "text/html", "answered with text/html, not JSON"),
    (b'{"page": {}}', "application/json", "neither components nor incidents"),
])
def test_a_malformed_summary_is_a_clear_error_and_nothing_is_written(world, site, body, ctype, words):
    store, named, _, _ = world
    site.body_override = (body, ctype)
    with store.read() as session:
        before = session.scalars(select(JournalEvent.id)).all()
    polled = feeds.poll(store, "Acme Cloud")
    assert words in polled.error
    with store.read() as session:
        assert session.scalars(select(JournalEvent.id)).all() == before
        assert session.scalars(select(WatchSeen)).all() == []


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>')


@pytest.mark.parametrize("body, words", [
    (BILLION_LAUGHS, "declares XML entities"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel>&x;</channel></rss>',
     "declares XML entities"),
    (b"<rss>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</rss>", "nests deeper than 32 elements"),
    (b'<rss version="2.0"><channel><item><title>unclosed</channel></rss>', "not well-formed XML"),
    (b"<html><body><p>hello</p></body></html>", "not an Atom or RSS feed"),
])
def test_a_hostile_or_malformed_feed_is_refused_quickly(store, site, body, words):
    team(store)
    feeds.add_provider(store, "admin", "Acme Cloud", f"{site.url}/history.rss", kind="feed")
    site.body_override = (body, "application/rss+xml")
    started = time.monotonic()
    polled = feeds.poll(store, "Acme Cloud")
    assert words in polled.error and time.monotonic() - started < 2
    assert feeds.providers(store, viewer="Dana")[0].observed_at is None


@pytest.mark.parametrize("path", ["/history.atom", "/history.rss"])
def test_a_new_feed_entry_is_logged_once_and_old_ones_are_known(store, site, clock, path):
    team(store)
    feeds.add_provider(store, "admin", "Acme Cloud", site.url + path, kind="feed", names="Acme")
    inc = incidents.open_incident(store, "Dana", title="ACME outage hits exports", severity="SEV2")
    site.entries = [{"id": "tag:acme,2005:Incident/1", "title": "Old maintenance", "summary": "Done.",
                     "updated": clock.now() - timedelta(days=3)},
                    {"id": "tag:acme,2005:Incident/2", "title": "Degraded exports", "summary": "<p>Investigating</p>",
                     "updated": clock.now() - timedelta(minutes=10)}]
    feeds.poll(store, "Acme Cloud")
    assert external(store, inc) == ["Acme Cloud: new status post: Degraded exports. Investigating"
                                    + (" https://status.acme.example/incidents/dent/2" if "atom" in path else "")]
    clock.advance(300)
    site.entries.insert(0, {"id": "tag:acme,2005:Incident/3", "title": "Exports fixed", "summary": "Resolved.",
                            "updated": clock.now() - timedelta(minutes=1)})
    feeds.poll(store, "Acme Cloud")
    clock.advance(300)
    feeds.poll(store, "Acme Cloud")
    texts = external(store, inc)
    assert len(texts) == 2 and texts[1].startswith("Acme Cloud: new status post: Exports fixed. Resolved.")
    assert feeds.providers(store, viewer="Dana")[0].summary() == "Acme Cloud: latest: Exports fixed"


def test_import_from_a_saved_file_follows_the_same_rules(world, site, tmp_path, clock):
    store, named, by_component, other = world
    site.open_incident("p9", "Database failover")
    saved = tmp_path / "summary.json"
    saved.write_bytes(site.summary())
    done = feeds.import_file(store, "Dana", saved, "Acme Cloud")
    assert done.incidents == (named.ref, by_component.ref)
    assert len(external(store, named)) == 1 and external(store, other) == []
    assert feeds.import_file(store, "Dana", saved, "Acme Cloud").changes == ()       # seen: not again
    with pytest.raises(NotPermitted):
        feeds.import_file(store, "Vic Viewer", saved, "Acme Cloud")
    (tmp_path / "big.json").write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(InputError, match="too large"):
        feeds.import_file(store, "Dana", tmp_path / "big.json", "Acme Cloud")
    (tmp_path / "feed.xml").write_bytes(b"<rss/>")
    with pytest.raises(FeedError):
        feeds.import_file(store, "Dana", tmp_path / "feed.xml", "Acme Cloud")


def test_only_the_settings_role_changes_providers_and_the_watch_may_only_log(world, site):
    store, named, _, _ = world
    with pytest.raises(NotPermitted):
        feeds.add_provider(store, "Dana", "Other", "https://status.other.example/api/v2/summary.json")
    with pytest.raises(NotPermitted):
        feeds.remove_provider(store, "Sam", "Acme Cloud")
    with pytest.raises(NotPermitted, match="may only read incidents and log"):
        incidents.open_incident(store, WATCH, title="Made by a feed", severity="SEV1")
    with pytest.raises(NotPermitted):
        incidents.set_status(store, WATCH, named.ref, "resolved")
    f = followups.add_followup(store, "Dana", named.ref, "Ask Acme for a report", owner="Sam", due="14d")
    with pytest.raises(NotPermitted, match="may only log"):        # a rule finer than the table
        followups.mark_done(store, WATCH, f.ref)
    assert timeline.log(store, WATCH, named.ref, "Logged by the watch").author == "status watch"
    with pytest.raises(InputError, match="watched already"):
        feeds.add_provider(store, "admin", "ACME cloud", "https://status.acme.example/api/v2/summary.json")
    for bad in ({"url": "file:///etc/passwd"}, {"kind": "html"}, {"every": "10s"}, {"name": "bad\x1bname"}):
        args = {"name": "Other", "url": "https://status.other.example/x.json", **bad}
        with pytest.raises(InputError):
            feeds.add_provider(store, "admin", args.pop("name"), args.pop("url"), **args)


def test_a_second_laptop_applying_the_events_has_the_same_providers_and_seen_state(world, site, clock, tmp_path):
    store, named, _, _ = world
    feeds.add_provider(store, "admin", "Feedly", f"{site.url}/history.atom", kind="feed", every="1h")
    feeds.poll(store, "Acme Cloud")
    site.open_incident("p1", "Elevated API error rates")
    clock.advance(300)
    feeds.poll(store, "Acme Cloud")
    feeds.remove_provider(store, "admin", "Feedly")
    with rebuilt(store, tmp_path / "other.db", clock) as other:
        assert len(other.rows["watch_seen"]) == 3 and len(other.rows["watch_provider"]) == 1
        there = feeds.providers(other.store, viewer="Dana")
        assert [(p.name, p.aliases, p.every_s, [i["name"] for i in p.incidents]) for p in there] == [
            ("Acme Cloud", ("Acme", "ACMECDN"), 300, ["Elevated API error rates"])]
        # The other laptop polls the same page: what was recorded here is not recorded again.
        again = feeds.poll(other.store, "Acme Cloud")
        assert again.recorded.changes == () and len(external(other.store, named)) == 1


def test_names_are_whole_words_in_the_title_or_a_component():
    assert feeds.names_provider("GitHub Actions down", [], ["github"])
    assert not feeds.names_provider("GitHubber party", [], ["GitHub"])
    assert feeds.names_provider("Builds failing", ["CI", "github"], ["GitHub"])
    assert feeds.names_provider("Cloud (AWS) us-east-1", [], ["AWS"])
