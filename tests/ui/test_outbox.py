"""The Deliveries tab (ui/outbox.py): the table as a commander reads it (failures first,
states that agree with the Tries column, columns that fit a laptop), the selected delivery, Retry and Cancel."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from warroom.identity import SYSTEM
from warroom.services import matrix, outbox
from warroom.services.outbox import DeliveryView
from tests.helpers.window import declared, delivery_rows, dispatch_once, publish_update, select_incident


T0 = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)


def _d(state: str, minutes: int, attempts: int = 0, error: str | None = None, channel: str = "slack",
       delivered: bool = False) -> DeliveryView:
    at = T0 + timedelta(minutes=minutes)
    return DeliveryView(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), channel, "slack", "customers", "", "", state,
                        attempts, at + timedelta(minutes=5), error, None, None, False, at,
                        at + timedelta(seconds=3) if delivered else None, "Checkout is failing", False)


def test_failures_come_first_then_retrying_then_the_rest_each_newest_first():
    from ui.outbox import ordered, state_text

    rows = [_d("delivered", 1, 1, delivered=True), _d("failed", 2, 6, "410 Gone"), _d("queued", 3, 2, "500"),
            _d("delivered", 4, 1, delivered=True), _d("queued", 5), _d("failed", 6, 3, "timeout"),
            _d("cancelled", 7)]
    got = [(state_text(d), d.created_at.minute) for d in ordered(rows)]
    assert got == [("failed", 6), ("failed", 2), ("retrying", 3),
                   ("cancelled", 7), ("queued", 5), ("delivered", 4), ("delivered", 1)]


def test_the_state_and_the_tries_column_agree(qtmodeltester, clock):
    from ui.outbox import DeliveryModel
    from ui.qt import Qt
    from warroom.text.timefmt import TimeFormatter

    model = DeliveryModel(clock, TimeFormatter("en_GB", "UTC"))
    model.set_rows([_d("queued", 0, 6, "HTTP 500 from the vendor")])
    qtmodeltester.check(model, force_py=True)
    state = model.index(0, model.STATE)
    assert state.data() == "retrying" and model.index(0, model.TRIES).data() == "6"
    tip = state.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("6 attempts failed; attempt 7 is ")


def test_the_columns_fit_at_laptop_width_and_long_text_is_in_the_tooltip(qtbot, clock):
    from ui.outbox import DeliveryModel, fit_columns
    from ui.qt import QTableView, Qt
    from warroom.text.timefmt import TimeFormatter

    local = TimeFormatter("en_GB", "Europe/Berlin")
    model = DeliveryModel(clock, local)
    long_error = "HTTP 503 Service Unavailable: " + "the upstream said no, " * 20
    model.set_rows([_d("failed", 0, 4, long_error), _d("delivered", 1, 1, delivered=True)])
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    table.resize(790, 300)  # the tab's width on a 1280×720 screen
    fit_columns(table, local)
    table.show()
    qtbot.waitExposed(table)
    header = table.horizontalHeader()
    total = sum(header.sectionSize(c) for c in range(model.columnCount()))
    assert total <= table.viewport().width() + 1  # nothing off to the right
    metrics = table.fontMetrics()
    for col in (model.ERROR, model.DELIVERED):
        title = model.headerData(col, Qt.Orientation.Horizontal)
        assert header.sectionSize(col) >= metrics.horizontalAdvance(title) + 8, title
    delivered = model.index(1, model.DELIVERED).data()
    assert header.sectionSize(model.DELIVERED) >= metrics.horizontalAdvance(delivered) + 8
    assert model.index(0, model.ERROR).data(Qt.ItemDataRole.ToolTipRole).startswith("HTTP 503")
    assert "the upstream said no" in model.index(0, model.ERROR).data(Qt.ItemDataRole.ToolTipRole)[-40:]


def test_the_outbox_model_is_well_behaved_and_shows_states(qtmodeltester, world, clock, fake_slack):
    from ui.outbox import DeliveryModel
    from warroom.text.timefmt import TimeFormatter

    inc, _, planned = publish_update(world)
    assert planned.deliveries == 2
    model = DeliveryModel(clock, TimeFormatter("en_GB", "Europe/Berlin"))
    model.set_rows(outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM))
    qtmodeltester.check(model, force_py=True)  # and it keeps watching the changes below
    assert [model.index(r, model.STATE).data() for r in range(2)] == ["queued", "queued"]
    assert model.index(0, model.NEXT).data() == "due now"
    assert model.index(0, model.TO).data() == "whole channel"
    dispatch_once(world, clock)
    model.set_rows(outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM))  # same rows: updated in place
    assert {model.index(r, model.STATE).data() for r in range(2)} == {"delivered"}
    assert model.index(0, model.DELIVERED).data() and model.index(0, model.NEXT).data() == ""
    exercise, _, _ = publish_update(world, title="Tabletop: payments down", exercise=True)
    dispatch_once(world, clock)
    model.set_rows(outbox.list_deliveries(world, incident_id=exercise.id, viewer=SYSTEM))  # the tester watches the reset
    assert {model.index(r, model.STATE).data() for r in range(2)} == {"would have been sent"}
    assert len(fake_slack.messages) == 1  # the exercise never reached Slack


def test_the_deliveries_tab_shows_a_published_update(qtbot, world_window, world, clock):
    inc, _, _ = publish_update(world)
    world_window.check_for_changes()
    select_incident(world_window, inc)
    assert world_window.deliveries is None  # built the first time it is shown
    world_window.deliveries_action.trigger()
    view = world_window.deliveries
    assert view is not None and view.isVisible() and world_window.tabs.currentIndex() == world_window.deliveries_index
    assert sorted(delivery_rows(view)) == [("site", "queued"), ("slack", "queued")]
    assert "2 deliveries" in view.title.text() and "2 queued" in view.title.text()
    dispatch_once(world, clock)
    world_window.check_for_changes()  # the store changed: the tab follows
    assert sorted(delivery_rows(view)) == [("site", "delivered"), ("slack", "delivered")]
    view.select(view.model.delivery(0).id)
    detail = view.detail.toPlainText()
    assert "Receipt" in detail and view.model.delivery(0).subject in detail
    assert not view.retry_button.isEnabled() and not view.cancel_button.isEnabled()
    # An exercise incident: what would have been sent
    exercise, _, _ = publish_update(world, title="Tabletop: payments down", exercise=True)
    dispatch_once(world, clock)
    world_window.check_for_changes()
    select_incident(world_window, exercise)
    assert {s for _, s in delivery_rows(view)} == {"would have been sent"}
    view.select(next(d.id for d in view._all if d.channel == "slack"))
    assert "what would have been sent" in view.detail.toPlainText()
    assert world_window.errors == []


def test_an_incident_without_deliveries_says_how_they_come(qtbot, world_window, world):
    inc = declared(world)
    world_window.check_for_changes()
    select_incident(world_window, inc)
    view = world_window.show_deliveries()
    assert view.hint.isVisible() and "Publishing an update" in view.hint.text() and not view.table.isVisible()


def test_cancel_and_retry_from_the_tab(qtbot, world_window, world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc, _, _ = publish_update(world)
    world_window.check_for_changes()
    select_incident(world_window, inc)
    view = world_window.show_deliveries()
    (row,) = outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)
    assert view.selected().id == row.id
    assert view.cancel_button.isEnabled() and not view.retry_button.isEnabled()
    view.cancel_shortcut.activated.emit()  # Del in the table
    assert outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)[0].state == "cancelled"
    assert delivery_rows(view) == [("slack", "cancelled")] and view.selected().id == row.id
    assert view.retry_button.isEnabled() and not view.cancel_button.isEnabled()
    assert "Cancelled" in view.message.text()
    view.retry_button.click()
    assert outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)[0].state == "queued"
    assert delivery_rows(view) == [("slack", "queued")]
    # A refusal with no fallback: failed; fixed, retried with the keyboard, delivered.
    fake_slack.archived = True
    dispatch_once(world, clock)
    world_window.check_for_changes()
    assert delivery_rows(view) == [("slack", "failed")] and "410" in view.model.index(0, view.model.ERROR).data()
    assert view.retry_button.isEnabled()
    fake_slack.archived = False
    view.retry_shortcut.activated.emit()  # Ctrl+Enter
    assert delivery_rows(view) == [("slack", "queued")]     # a retry starts afresh
    dispatch_once(world, clock)
    world_window.check_for_changes()
    assert delivery_rows(view) == [("slack", "delivered")] and len(fake_slack.messages) == 1
    assert world_window.errors == []


def test_a_refused_retry_is_said_in_the_tab(qtbot, world_window, world):
    inc, _, _ = publish_update(world)
    world_window.check_for_changes()
    select_incident(world_window, inc)
    view = world_window.show_deliveries()
    view.retry_selected()  # a queued delivery is not retried
    assert "only a failed or cancelled one" in view.message.text()
    assert {s for _, s in delivery_rows(view)} == {"queued"} and world_window.errors == []
