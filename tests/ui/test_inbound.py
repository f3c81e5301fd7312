"""The window's receiver: switched on, it takes a PagerDuty webhook through the
core's checks, and the window tells the commander about the incident it opened;
switched off, nothing listens."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers.team import team
from tests.unit.inbound.payloads import pagerduty, pd_headers
from warroom.inbound import sources
from warroom.services import channels, drafts, incidents, matrix, templates

SECRET = "pd-window-secret"


@pytest.fixture
def world(store, memory_keyring, tmp_path):
    templates.ensure_defaults(store)
    team(store)
    channels.add(store, "admin", "site", "sitepage", {"out_dir": str(tmp_path / "site"), "components": "Checkout"})
    matrix.set_cell(store, "admin", "customers", "SEV1,SEV2", channels="site")
    sources.add(store, "admin", "pd", "pagerduty", secret=SECRET, settings={
        "commander": "Dana", "components": {"Checkout API": ["Checkout"]}, "customer_facing": ["Checkout"]})
    return store


def _post(url, body, secret=SECRET):
    return httpx.post(url + "/hooks/pd", content=body, headers=pd_headers(secret, body), timeout=10)


def test_a_signal_the_window_receives_opens_an_incident_and_the_commander_is_told(qtbot, open_window, world):
    w = open_window(world, "Dana")
    part = w.signals_in
    part.look()                                    # nothing received yet
    assert part.start("127.0.0.1:0") and part.listening
    told = []
    part.opened.connect(lambda ref, text: told.append(text))
    try:
        assert _post(part.receiver.url, pagerduty("incident.triggered", "EV-1"), secret="forged").status_code == 401
        r = _post(part.receiver.url, pagerduty("incident.triggered", "EV-1"))
        assert r.status_code == 200, r.text
        w.check_for_changes()
        qtbot.waitUntil(lambda: bool(told), timeout=5000)
    finally:
        part.stop()
    [inc] = incidents.list_incidents(world, viewer="Dana")
    assert told == [f"{inc.ref} opened from pd: Checkout API returns 500s (SEV1) — you are its commander. "
                    "Its first update for customers waits for review."]
    assert told[0] in w.statusBar().currentMessage()
    [d] = drafts.list_drafts(world, inc.ref, viewer="Dana")
    assert d.state == "in_review"
    # A repeat of the same look tells nothing again.
    part.look()
    assert len(told) == 1
    # Stopped: nothing listens any more.
    with pytest.raises(httpx.ConnectError):
        _post(r.url.scheme + "://" + r.url.host + ":" + str(r.url.port), b"{}")


def test_someone_else_hears_who_commands_it(qtbot, open_window, world):
    w = open_window(world, "Ravi Shah")
    part = w.signals_in
    part.look()
    assert part.start("127.0.0.1:0")
    told = []
    part.opened.connect(lambda ref, text: told.append(text))
    try:
        assert _post(part.receiver.url, pagerduty("incident.triggered", "EV-9")).status_code == 200
        w.check_for_changes()
        qtbot.waitUntil(lambda: bool(told), timeout=5000)
    finally:
        part.stop()
    assert "; commander Dana." in told[0]


def test_an_address_in_use_is_said_and_the_switch_stays_off(qtbot, open_window, world):
    w = open_window(world, "Dana")
    first = w.signals_in
    assert first.start("127.0.0.1:0")
    try:
        port = first.receiver.server_address[1]
        other = open_window(world, "Dana").signals_in
        assert not other.start(f"127.0.0.1:{port}")
        assert other.error.startswith(f"Cannot receive signals on 127.0.0.1:{port}")
        assert not other.listening
    finally:
        first.stop()


def test_the_switch_is_in_the_file_menu_and_needs_background_work(open_window, world):
    w = open_window(world, "Dana")
    action = w.signals_in.action
    assert action.objectName() == "receiveSignals" and action.isCheckable()
    assert not action.isEnabled()        # this window does no background work (no dispatcher)
