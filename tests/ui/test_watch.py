"""The vendor status watch in the window: the status bar shows the providers' state,
and the background worker polls a status page served on 127.0.0.1 through the core."""

from __future__ import annotations

import threading

import pytest

from tests.fakes.statusfeeds import StatusSite
from tests.helpers.team import team
from warroom.domain import EntryKind
from warroom.inbound import feeds
from warroom.services import incidents, timeline


@pytest.fixture
def site():
    s = StatusSite()
    yield s
    s.stop()


def test_nothing_watched_shows_nothing(qtbot, open_window, store):
    w = open_window(store, "Tess Tester")
    qtbot.wait(10)
    assert w.watch.isHidden() and not w.watch.enabled   # a test window runs no background work


def test_the_worker_polls_off_the_gui_thread_and_the_status_bar_shows_the_worst(qtbot, open_window, store, site):
    team(store)
    feeds.add_provider(store, "admin", "Acme Cloud", f"{site.url}/api/v2/summary.json")
    feeds.add_provider(store, "admin", "Beta Mail", f"{site.url}/history.atom", kind="feed")
    inc = incidents.open_incident(store, "Dana", title="Acme Cloud API errors", severity="SEV2")
    site.components[0]["status"] = "major_outage"
    site.open_incident("p1", "API outage")
    w = open_window(store, "Dana")
    qtbot.waitUntil(lambda: w.watch.isVisible())
    assert w.watch.text() == "◉ Providers: Acme Cloud: not looked at yet (+1 more)"
    threads: list[str] = []
    original = feeds.poll_due

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return original(*args, **kwargs)

    feeds.poll_due = spy
    try:
        w.watch.enabled = True
        w.watch.start()
        qtbot.waitUntil(lambda: w.watch.polls == 1, timeout=10_000)
    finally:
        feeds.poll_due = original
    assert threads and threads[0] != threading.main_thread().name
    qtbot.waitUntil(lambda: "major outage" in w.watch.text())
    assert w.watch.text() == "◉ Providers: Acme Cloud: major outage, 1 open incident: API outage (+1 more)"
    assert "Beta Mail: " in w.watch.toolTip()
    texts = [e.text for e in timeline.entries(store, inc.id, viewer="Dana") if e.kind is EntryKind.EXTERNAL]
    assert texts == [   # in the order they happened: the provider's incident began at 08:55
        "Acme Cloud: incident opened (major impact): API outage [investigating]. We are investigating.",
        "Acme Cloud: API is major outage."]
    assert w.watch.stop()


def test_a_change_from_another_program_redraws_the_label(qtbot, open_window, store, site):
    team(store)
    w = open_window(store, "Dana")
    qtbot.wait(10)
    assert w.watch.isHidden()
    feeds.add_provider(store, "admin", "Acme Cloud", f"{site.url}/api/v2/summary.json")
    w.check_for_changes()
    qtbot.waitUntil(lambda: w.watch.isVisible())
    assert w.watch.text() == "◉ Providers: Acme Cloud: not looked at yet"
    feeds.poll(store, "Acme Cloud")
    w.check_for_changes()
    qtbot.waitUntil(lambda: "no trouble" in w.watch.text())
    assert w.watch.text() == "◉ Providers: 1 watched, no trouble reported"
