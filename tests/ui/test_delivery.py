"""Delivery in the window (ui/delivery.py): the status bar's channel states and the
window's own dispatcher, against the vendor-like servers on 127.0.0.1."""

from __future__ import annotations

from warroom.identity import SYSTEM
from warroom.services import incidents, matrix, outbox
from tests.helpers.window import approved_draft, declared, delivery_rows, dispatch_once, publish_update, select_incident


def test_the_status_bar_shows_a_channel_going_down_and_coming_back(qtbot, world_window, world, clock, fake_slack):
    status = world_window.channel_status
    world_window.refresh_channel_states()
    assert status.isVisible() and status.plain_text() == "● site ok · ● slack ok"
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    publish_update(world)
    fake_slack.mode = "500"
    for _ in range(4):
        dispatch_once(world, clock)
        clock.advance(20)
    world_window.refresh_channel_states()
    assert "● slack down (1 queued)" in status.plain_text()
    assert "#c62828" in status.text()  # a red dot
    assert "last error" in status.toolTip() and "500" in status.toolTip()
    fake_slack.mode = "ok"
    clock.advance(60)
    assert dispatch_once(world, clock).delivered == 1
    world_window.refresh_channel_states()
    assert status.plain_text() == "● site ok · ● slack ok"


def test_the_status_bar_says_how_many_failed_and_leads_to_them(qtbot, world_window, world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    other, _, _ = publish_update(world, title="Payments failing")
    inc = declared(world, title="Something else")
    fake_slack.archived = True
    dispatch_once(world, clock)
    world_window.check_for_changes()
    select_incident(world_window, inc)
    world_window.refresh_channel_states()
    assert world_window.channel_status.plain_text().startswith("⚠ 1 failed")
    world_window.channel_status.linkActivated.emit("failed")
    view = world_window.deliveries
    assert world_window._current.id == other.id and world_window.tabs.currentIndex() == world_window.deliveries_index
    assert view.filter.currentData() == ("failed",) and delivery_rows(view) == [("slack", "failed")]
    world_window.channel_status.linkActivated.emit("channel:slack")  # a channel's name: its settings
    assert world_window.channels_dialog.isVisible() and world_window.channels_dialog.selected().name == "slack"


def test_no_channels_no_status(qtbot, window):
    window.refresh_channel_states()
    assert not window.channel_status.isVisible()
    assert window.errors == []


def test_the_status_bar_says_retrying_only_while_something_waits(qtbot, world_window, world, clock, fake_slack):
    """A channel whose last send failed stays "retrying" in the core until its next
    send; the status bar says what the outbox holds now."""
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc, _, _ = publish_update(world)
    fake_slack.fail_next(1, "500")
    dispatch_once(world, clock)
    world_window.check_for_changes()
    world_window.refresh_channel_states()
    assert "slack retrying (1 queued)" in world_window.channel_status.plain_text()
    (waiting,) = outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM, states=("queued",))
    outbox.cancel(world, "Dana", waiting.id)
    incidents.set_status(world, "Dana", inc.id, "resolved")
    world_window.check_for_changes()
    text = world_window.channel_status.plain_text()
    assert "retrying" not in text and "slack last send failed" in text
    assert "nothing waits on it" in world_window.channel_status.toolTip()
    fake_slack.fail_next(0, "ok")
    inc2, _, _ = publish_update(world, title="Checkout failing again")
    dispatch_once(world, clock)
    world_window.check_for_changes()
    assert "slack ok" in world_window.channel_status.plain_text()


def test_the_window_dispatcher_delivers_a_published_update_and_stops_on_close(qtbot, open_window, world, clock,
                                                                               fake_slack, monkeypatch):
    import ui.delivery
    import ui.mainwindow

    monkeypatch.delenv("WARROOM_NO_DISPATCH", raising=False)
    monkeypatch.setattr(ui.mainwindow, "DISPATCH_START_MS", 10)
    monkeypatch.setattr(ui.delivery, "IDLE_S", 60.0)  # asleep for a minute unless the publish wakes it
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc = declared(world)
    d = approved_draft(world, inc)
    w = open_window(world, dispatch=True)
    qtbot.waitUntil(lambda: w.dispatcher is not None and w.dispatcher.running and w.dispatcher.passes >= 1,
                    timeout=5000)  # its first pass found nothing to send: it sleeps
    select_incident(w, inc)
    w.show_composer()
    column = w.composer.columns[d.id]
    assert column.publish_button.isEnabled()
    column.publish_button.click()  # publishes, and wakes the dispatcher
    qtbot.waitUntil(lambda: len(fake_slack.messages) == 1, timeout=10_000)
    view = w.show_deliveries()
    # The dispatcher's thread tells the window after its pass: the tab and the status bar follow.
    def delivered() -> bool:
        return delivery_rows(view) == [("slack", "delivered")]

    qtbot.waitUntil(delivered, timeout=5000)
    assert outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)[0].state == "delivered"
    qtbot.waitUntil(lambda: w.channel_status.plain_text() == "● site ok · ● slack ok", timeout=5000)
    thread = w.dispatcher.thread
    w.close()
    assert not thread.is_alive()
    assert w.errors == []


def test_no_dispatcher_in_tests_screenshots_or_when_told_not_to(open_window, world, monkeypatch):
    w = open_window(world)
    assert not w.dispatch_enabled and w.dispatcher is None
    w.close()
    monkeypatch.setenv("WARROOM_NO_DISPATCH", "1")
    w2 = open_window(world, dispatch=True)
    assert not w2.dispatch_enabled and w2.start_dispatcher() is None
    w2.close()
