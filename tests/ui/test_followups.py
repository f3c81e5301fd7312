"""The Follow-ups tab: what the core lists, adding and closing through the core, a
refusal shown, and a write by another program picked up."""

from __future__ import annotations

from warroom.errors import NotPermitted
from warroom.services import followups
from tests.helpers.team import team


def _tab(w):
    w.tabs.setCurrentWidget(w.followups)
    return w.followups


def test_the_model_passes_the_model_tester(qtmodeltester, store, seeded):
    from ui.followups import FollowupModel

    team(store)
    followups.add_followup(store, "Dana", seeded.ref, "Alert on expiring certificates", owner="Ravi Shah",
                           due="2026-12-20")
    followups.add_followup(store, "Dana", seeded.ref, "Credit policy", owner="Sam", due="2026-11-01")
    model = FollowupModel()
    model.set_rows(followups.list_followups(store, seeded.ref, viewer="Dana"))
    qtmodeltester.check(model)
    assert [model.index(r, model.STATE).data() for r in range(2)] == ["Open", "Overdue"]


def test_add_and_mark_done_from_the_tab(qtbot, open_window, store, seeded):
    team(store)
    late = followups.add_followup(store, "Dana", seeded.ref, "Credit policy", owner="Sam", due="2026-11-01")
    w = open_window(store, "Dana")
    panel = _tab(w)
    assert panel.model.rowCount() == 1 and "1 overdue" in panel.summary.text()
    panel.text.setText("Alert on expiring certificates")
    panel.owner.setEditText("Ravi Shah")
    panel.due.setText("2026-12-20")
    panel.add_button.click()
    assert w.errors == []
    assert [f.text for f in followups.list_followups(store, seeded.ref, viewer="Dana")] == [
        "Credit policy", "Alert on expiring certificates"]
    assert panel.model.rowCount() == 2 and panel.text.text() == ""
    assert panel.model.index(1, panel.model.OWNER).data() == "Ravi Shah"
    panel.view.selectRow(0)
    assert panel.done_button.text() == "Mark done"
    panel.done_button.click()
    assert followups.get(store, late.ref, viewer="Dana").done
    assert panel.model.index(0, panel.model.STATE).data() == "Done"
    assert panel.done_button.text() == "Reopen" and "0 overdue" not in panel.summary.text()


def test_a_refusal_is_shown_and_nothing_is_written(qtbot, open_window, store, seeded):
    team(store)
    w = open_window(store, "Vic Viewer")
    panel = _tab(w)
    panel.text.setText("Rotate the keys")
    panel.owner.setEditText("Dana")
    panel.due.setText("14d")
    panel.add_button.click()
    assert len(w.errors) == 1 and isinstance(w.errors[0], NotPermitted)
    assert followups.list_followups(store, seeded.ref, viewer="Dana") == []
    assert panel.text.text() == "Rotate the keys"                         # kept to try again


def test_a_follow_up_added_by_another_program_shows(qtbot, open_window, store, seeded):
    team(store)
    w = open_window(store, "Dana")
    panel = _tab(w)
    assert panel.model.rowCount() == 0 and panel.summary.text() == "No follow-up actions yet."
    followups.add_followup(store, "Sam", seeded.ref, "Runbook for the gateway", owner="Sam", due="2026-12-01")
    w.check_for_changes()
    assert panel.model.rowCount() == 1 and panel.model.index(0, panel.model.TEXT).data() == "Runbook for the gateway"


def test_the_post_incident_report_is_drafted_from_the_tab(qtbot, open_window, store, seeded):
    from warroom.services import drafts, templates

    templates.ensure_defaults(store)
    team(store)
    followups.add_followup(store, "Dana", seeded.ref, "Alert on expiring certificates", owner="Ravi Shah",
                           due="2026-12-20")
    w = open_window(store, "Dana")
    panel = _tab(w)
    panel.report_audience.setCurrentText("customers")
    panel.report_button.click()
    assert w.errors == []
    made = [d for d in drafts.list_drafts(store, seeded.id, viewer="Dana") if d.audience == "customers"]
    assert len(made) == 1 and "Alert on expiring certificates" in made[0].long
    assert "Ravi Shah" not in made[0].long                 # customers see the commitment, not its owner
