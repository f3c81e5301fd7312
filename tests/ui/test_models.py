"""The item models over the core (ui/models.py): every one passes Qt's model tester; the timeline pages,
refreshes and reads in the locale's clock; the lists show words literally."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from warroom.domain import EntryKind
from warroom.identity import SYSTEM
from warroom.services import incidents, timeline
from warroom.text.timefmt import TimeFormatter
from ui.models import IdRole, IncidentListModel, TimelineModel
from ui.qt import Qt
from tests.helpers.window import HOSTILE, shown


def _timeline_model(store):
    return TimelineModel(store, TimeFormatter("en_GB", "UTC"), TimeFormatter("en_GB", "Europe/Berlin"), viewer=SYSTEM)


def test_incident_list_model(qtmodeltester, store, seeded, clock):
    incidents.open_incident(store, "Ana", title="Minor glitch", severity="SEV4")
    model = IncidentListModel(clock)
    model.set_incidents(incidents.list_incidents(store, viewer=SYSTEM))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.data(model.index(0, IncidentListModel.SEV)) == "SEV2"
    assert model.data(model.index(0, IncidentListModel.REF), IdRole) == seeded.id
    assert model.data(model.index(0, IncidentListModel.SEV), Qt.ItemDataRole.BackgroundRole) is not None
    clock.advance(3600)
    assert model.data(model.index(0, IncidentListModel.AGE)) == "1 h 03 min"


def test_timeline_model_small(qtmodeltester, store, seeded):
    model = _timeline_model(store)
    model.set_incident(seeded.id)
    qtmodeltester.check(model)
    assert model.rowCount() == 4
    assert model.data(model.index(2, TimelineModel.TEXT)) == "Rolled back release 2.4.1"
    assert model.data(model.index(2, TimelineModel.KIND)) == "Action"
    # UTC and Berlin (UTC+1 in November) side by side
    assert model.data(model.index(0, TimelineModel.UTC)) == "23 Nov 09:00:00"
    assert model.data(model.index(0, TimelineModel.LOCAL)) == "23 Nov 10:00:00"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Local (CET)"


def test_timeline_model_large_pages(qtmodeltester, store, seeded, clock):
    start = clock.now() - timedelta(hours=3)
    timeline.bulk_log(store, "gen", seeded.id,
                      ((EntryKind.NOTE, f"line {i}", start + timedelta(seconds=i)) for i in range(2500)))
    model = _timeline_model(store)
    model.set_incident(seeded.id)
    assert model.rowCount() == 2504
    assert model.data(model.index(1234, TimelineModel.TEXT)) == "line 1234"
    assert model.data(model.index(2499, TimelineModel.TEXT)) == "line 2499"
    assert model.data(model.index(1235, TimelineModel.TEXT)) == "line 1235"  # keyset after a cached page
    assert len(model._pages) <= model.MAX_PAGES
    model.set_filter(search="line 77")
    assert model.rowCount() == 1 + 10  # "line 77" and "line 770" … "line 779" (prefix search)
    qtmodeltester.check(model)
    model.set_filter(kind=EntryKind.ACTION)
    assert [model.data(model.index(r, TimelineModel.TEXT)) for r in range(model.rowCount())] == \
        ["Rolled back release 2.4.1"]


def test_refresh_appends_without_reset(qtbot, store, seeded, clock):
    model = _timeline_model(store)
    model.set_incident(seeded.id)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    clock.advance(60)
    timeline.log(store, "Dana", seeded.id, "new line")
    with qtbot.waitSignal(model.rowsInserted) as blocker:
        assert model.refresh() == 1
    assert blocker.args[1:] == [4, 4]
    assert resets == []
    assert model.data(model.index(4, TimelineModel.TEXT)) == "new line"
    # a back-dated entry lands in the middle: the model resets rather than lie
    timeline.log(store, "Dana", seeded.id, "earlier", at=clock.now() - timedelta(minutes=3))
    model.refresh()
    assert resets == [1]
    assert [model.data(model.index(r, TimelineModel.TEXT)) for r in range(6)][2] == "earlier"


def test_edited_entry_shows_the_new_text(store, seeded):
    model = _timeline_model(store)
    model.set_incident(seeded.id)
    entry = model.entry(1)
    timeline.edit(store, "Dana", entry.id, "Error rate at 40%")
    model.refresh()
    assert model.data(model.index(1, TimelineModel.TEXT)) == "Error rate at 40%  (edited)"


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


def test_lists_and_their_tooltips_show_the_words_literally(hostile_window, hostile):
    model = hostile_window.incident_model
    row = next(r for r in range(model.rowCount())
               if model.data(model.index(r, IncidentListModel.REF)) == hostile.ref)
    tip = model.data(model.index(row, IncidentListModel.TITLE), Qt.ItemDataRole.ToolTipRole)
    assert HOSTILE in shown(tip)
    t = hostile_window.timeline_model
    texts = [t.data(t.index(r, TimelineModel.TEXT), Qt.ItemDataRole.ToolTipRole) for r in range(t.rowCount())]
    logged = next(tip for tip in texts if tip and "Rolled back" in tip)
    assert shown(logged).startswith("<font color=red>Rolled back</font> release 2.4.1")
    assert "— <b>Dana</b>" in shown(logged)
