"""The Deliveries table as a commander reads it: failures first, states that agree
with the Tries column, columns that fit a laptop's width."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from warroom.services.outbox import DeliveryView

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
    from warroom.timefmt import TimeFormatter

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
    from warroom.timefmt import TimeFormatter

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
