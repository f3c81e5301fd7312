"""The Clocks tab and the header's countdown: what the core lists, a flag set and
removed through the core, a refusal shown, a flag set by another program picked
up, and the header still fitting a 1280×720 window."""

from __future__ import annotations

from ui.qt import Qt

from datetime import timedelta

from warroom.errors import InputError, NotPermitted
from warroom.services import obligations
from tests.helpers.team import team


def _tab(w):
    w.tabs.setCurrentWidget(w.clocks)
    return w.clocks


def test_the_model_passes_the_model_tester(qtmodeltester, store, seeded):
    from ui.clocks import ClockModel

    team(store)
    obligations.flag(store, "Dana", seeded.ref, "personal-data-eu", at="2h ago")
    model = ClockModel()
    model.set_rows(obligations.clocks(store, seeded.ref, viewer="Dana"))
    qtmodeltester.check(model)
    assert [model.index(r, model.REGIME).data() for r in range(2)] == ["GDPR Art.33", "GDPR Art.34"]
    assert model.index(0, model.LEFT).data() == "2d 22h left"
    assert model.index(1, model.LEFT).data().startswith("no deadline")
    assert model.index(0, model.LOCAL).data().endswith("CET")
    # The time left moves with the clock, in place: the rows stay the same ones.
    from datetime import timedelta

    model.tick(store.clock.now() + timedelta(days=3))
    assert model.index(0, model.LEFT).data().endswith("overdue")
    assert model.index(0, model.LEFT).data(Qt.ItemDataRole.ForegroundRole) is not None


def test_flag_and_remove_from_the_tab_and_the_header_counts_down(qtbot, open_window, store, seeded, clock):
    team(store)
    w = open_window(store, "Dana")
    w.resize(1280, 720)
    panel = _tab(w)
    assert panel.model.rowCount() == 0 and not w.header.clocks.isVisibleTo(w)
    panel.flag.setCurrentIndex(panel.flag.findData("sec-material"))
    panel.at.setText("1h ago")
    panel.flag_button.click()
    assert w.errors == []
    [c] = obligations.clocks(store, seeded.ref, viewer="Dana")
    assert c.regime.key == "sec-8k-105" and c.start == clock.now() - timedelta(hours=1)
    assert panel.model.rowCount() == 1 and panel.at.text() == ""
    assert w.header.clocks.isVisibleTo(w)
    assert w.header.clocks.text().startswith("SEC Form 8-K Item 1.05") and "left" in w.header.clocks.text()
    assert "Form 8-K Gen. Instr. B.1" in panel.model.index(0, panel.model.CITE).data()
    # the header still leaves the tabs most of a 1280×720 window
    assert w.tabs.height() > 400 and w.header.height() < 200
    clock.advance(timedelta(days=9))
    w.header.tick()
    assert "overdue" in w.header.clocks.text()
    assert panel.unflag_button.isEnabled()
    panel.unflag_button.click()
    assert obligations.clocks(store, seeded.ref, viewer="Dana") == []
    assert panel.model.rowCount() == 0 and not w.header.clocks.isVisibleTo(w)


def test_refusals_are_shown_and_nothing_is_written(qtbot, open_window, store, seeded):
    team(store)
    w = open_window(store, "Sam")
    panel = _tab(w)
    panel.flag.setCurrentIndex(panel.flag.findData("personal-data-eu"))
    panel.flag_button.click()
    assert len(w.errors) == 1 and isinstance(w.errors[0], NotPermitted)
    w2 = open_window(store, "Dana")
    panel2 = _tab(w2)
    panel2.at.setText("in 2h")
    panel2.flag_button.click()
    assert len(w2.errors) == 1 and isinstance(w2.errors[0], InputError) and "future" in str(w2.errors[0])
    assert panel2.at.text() == "in 2h"                                     # kept to correct
    assert obligations.list_flags(store, seeded.ref, viewer="Dana") == []


def test_a_flag_set_by_another_program_shows(qtbot, open_window, store, seeded):
    team(store)
    w = open_window(store, "Dana")
    panel = _tab(w)
    obligations.flag(store, "Dana", seeded.ref, "nis2-entity")
    w.check_for_changes()
    assert [panel.model.index(r, 0).data() for r in range(3)] == [
        "NIS2 Art.23 early warning", "NIS2 Art.23 incident notification", "NIS2 Art.23 final report"]
    assert w.header.clocks.text().startswith("NIS2 Art.23 early war") and "2 more clocks" in w.header.clocks.text()
    assert "NIS2 essential or important entity" in panel.summary.text()


def test_a_flags_other_facts_are_asked_only_where_the_flag_takes_them(qtbot, open_window, store, seeded, clock):
    """DORA's classification time and a health-data breach's numbers were the command
    line's only: the tab asks for them when the chosen flag records them, and the core's
    clocks follow (the earlier of DORA's two limits; HIPAA's by the numbers)."""
    team(store)
    w = open_window(store, "Dana")
    panel = _tab(w)
    panel.flag.setCurrentIndex(panel.flag.findData("personal-data-eu"))
    assert not any(box.isVisibleTo(panel) for box in panel.fact_fields.values())
    panel.flag.setCurrentIndex(panel.flag.findData("dora-major"))
    assert panel.classified.isVisibleTo(panel) and not panel.affected.isVisibleTo(panel)
    panel.at.setText("30h ago")                 # aware 30 hours ago, classified 2 hours ago
    panel.classified.setText("2h ago")
    panel.flag_button.click()
    assert w.errors == []
    [dora] = obligations.list_flags(store, seeded.ref, viewer="Dana")
    assert dora.facts.classified_at == clock.now() - timedelta(hours=2) and panel.classified.text() == ""
    assert "classified as major" in panel.summary.text()
    panel.flag.setCurrentIndex(panel.flag.findData("health-data-us"))
    assert panel.affected.isVisibleTo(panel) and panel.most_in_state.isVisibleTo(panel)
    assert not panel.classified.isVisibleTo(panel)
    panel.at.setText("1h ago")
    panel.affected.setText("120")
    panel.flag_button.click()
    assert w.errors == []
    health = next(f for f in obligations.list_flags(store, seeded.ref, viewer="Dana") if f.flag.key == "health-data-us")
    assert health.facts.affected == 120 and "120 affected" in panel.summary.text()
    panel.affected.setText("many")              # the core says what a number is; nothing written
    panel.flag_button.click()
    assert len(w.errors) == 1
    health = next(f for f in obligations.list_flags(store, seeded.ref, viewer="Dana") if f.flag.key == "health-data-us")
    assert health.facts.affected == 120
