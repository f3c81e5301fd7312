"""The timeline as a commander reads it: kinds whole, long entries in full on
selection, the local column only where it says something, the locale's clock."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from warroom.domain import EntryKind
from warroom.services import timeline
from warroom.timefmt import TimeFormatter
from ui.models import TimelineModel
from ui.qt import Qt, QTableView
from warroom.identity import SYSTEM


@pytest.mark.parametrize("locale, utc_text, local_text", [
    ("de_DE", "23. Nov. 16:43:49", "23. Nov. 17:43:49"),        # 24-hour, as Germany reads clocks
    ("en_US", "Nov 23 4:43:49\u202fPM", "Nov 23 5:43:49\u202fPM"),  # 12-hour, the US habit
])
def test_times_follow_the_locale_clock(store, seeded, clock, locale, utc_text, local_text):
    clock.set(datetime(2026, 11, 23, 16, 43, 49, tzinfo=timezone.utc))
    model = TimelineModel(store, TimeFormatter(locale, "UTC"), TimeFormatter(locale, "Europe/Berlin"), viewer=SYSTEM)
    e = timeline.log(store, "Dana", seeded.id, "Afternoon note")
    model.set_incident(seeded.id)
    row = model.position_of(e.id)
    assert model.data(model.index(row, TimelineModel.UTC)) == utc_text
    assert model.data(model.index(row, TimelineModel.LOCAL)) == local_text


def test_the_local_column_shows_only_where_the_zone_is_not_utc(qtbot, store, seeded):
    from ui.widgets import fit_timeline

    for zone, hidden in (("UTC", True), ("Europe/Berlin", False)):
        model = TimelineModel(store, TimeFormatter("en_GB", "UTC"), TimeFormatter("en_GB", zone), viewer=SYSTEM)
        view = QTableView()
        qtbot.addWidget(view)
        view.setModel(model)
        fit_timeline(view, model)
        assert view.isColumnHidden(TimelineModel.LOCAL) is hidden
        assert model.shows_local is not hidden


def test_kinds_read_whole_and_a_long_entry_shows_in_full_when_selected(qtbot, store, seeded):
    from ui.widgets import EntryDetail, fit_timeline

    long_text = "Provider confirms packet loss between zones; " * 12 + "END"
    e = timeline.log(store, "Dana", seeded.id, long_text, kind="decision")
    model = TimelineModel(store, TimeFormatter("en_GB", "UTC"), TimeFormatter("en_GB", "Europe/Berlin"),
                          viewer=SYSTEM)
    model.set_incident(seeded.id)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    fit_timeline(view, model)
    detail = EntryDetail(view, model)
    qtbot.addWidget(detail)
    metrics = view.fontMetrics()
    widest = max(metrics.horizontalAdvance(k.label) for k in EntryKind)
    assert metrics.horizontalAdvance("Update published") <= widest
    assert view.columnWidth(TimelineModel.KIND) > widest  # "Update published", not "Update publish…"
    assert not detail.isVisibleTo(view)
    row = model.position_of(e.id)
    view.setCurrentIndex(model.index(row, TimelineModel.TEXT))
    assert detail.toPlainText().startswith(long_text) and "— Dana, " in detail.toPlainText() and "(Decision)" in detail.toPlainText()
    assert detail.lineWrapMode() != detail.LineWrapMode.NoWrap and detail.isReadOnly()
    tip = model.data(model.index(row, TimelineModel.TEXT), Qt.ItemDataRole.ToolTipRole)
    assert long_text in tip
    model.set_incident(None)
    assert detail.isHidden()


def test_the_header_says_the_detection_time_once(qtbot, window, seeded):
    from ui.widgets import detected_text

    facts = window.header.facts.text()
    assert facts.count("Detected") == 1
    utc, local = window.utc, window.local
    said = detected_text(utc, local, seeded.detected_at)
    assert said in facts and said.count(utc.day(seeded.detected_at)) == 1  # the day once
    same = detected_text(TimeFormatter("en_GB", "UTC"), TimeFormatter("en_GB", "UTC"), seeded.detected_at)
    assert same == TimeFormatter("en_GB", "UTC").full(seeded.detected_at)  # no second clock on a UTC machine
