"""The stakeholder matrix dialog (ui/matrix.py): cells edited, bad routes refused in the
form, the route completer, and the countdown following a saved cadence."""

from __future__ import annotations

from datetime import timedelta

from warroom.domain import Severity
from warroom.services import matrix
from tests.helpers.window import declared, select_incident


def test_the_matrix_dialog_edits_a_cell(qtbot, world_window, world):
    assert world_window.matrix_action.shortcut().toString() == "Ctrl+Shift+M"
    world_window.matrix_action.trigger()
    dialog = world_window.matrix_dialog
    assert dialog.isVisible() and not dialog.isModal()
    model = dialog.model
    row, col = model.position("customers", Severity.SEV1)
    assert model.index(row, col).data().startswith("slack, site")
    assert dialog.select("customers", "SEV2")
    dialog.edit_action.trigger()  # Enter
    form = dialog.form
    assert form.isVisible() and form.routes.text() == ""
    form.routes.setText("site>slack")
    form.cadence.setText("45m")
    form.owner.setCurrentIndex(form.owner.findData("Dana"))
    form.apply_to.setCurrentIndex(form.apply_to.findData("SEV1,SEV2"))
    form.accept()
    assert not form.isVisible()
    for sev in ("SEV1", "SEV2"):
        cell = matrix.cell(world, "customers", sev)
        assert cell.routes == (("site", "slack"),) and cell.cadence == timedelta(minutes=45) and cell.owner == "Dana"
    assert matrix.cell(world, "customers", "SEV3").routes == ()  # not chosen: untouched
    row, col = model.position("customers", Severity.SEV2)
    assert model.index(row, col).data() == "site>slack\nevery 45 min · Dana"
    assert "Saved" in dialog.status.text()
    # Not told at SEV4, for every audience row we touch
    dialog.select("customers", "SEV4")
    form = dialog.edit_current()
    form.told.setChecked(False)
    form.accept()
    assert not matrix.cell(world, "customers", "SEV4").told
    row, col = model.position("customers", Severity.SEV4)
    assert model.index(row, col).data() == "not told"
    assert world_window.errors == []


def test_a_bad_route_is_shown_in_the_form_and_nothing_is_saved(qtbot, world_window, world, boxes):
    dialog = world_window.open_matrix()
    dialog.select("customers", "SEV1")
    before = matrix.cell(world, "customers", "SEV1")
    form = dialog.edit_current()
    form.routes.setText("slack>pager")
    form.cadence.setText("20m")
    form.apply_to.setCurrentIndex(form.apply_to.findData("all"))
    form.accept()
    assert form.isVisible() and form.isEnabled()
    assert form.error.isVisible() and "No channel named pager" in form.error.text()
    assert form.routes.styleSheet()  # the field is marked
    assert matrix.cell(world, "customers", "SEV1") == before
    assert not matrix.cell(world, "customers", "SEV2").defined
    form.routes.setText("slack")
    form.cadence.setText("soon")
    form.accept()
    assert form.isVisible() and "Cannot read the interval" in form.error.text()
    assert matrix.cell(world, "customers", "SEV1") == before
    form.reject()
    assert boxes == [] and world_window.errors == []


def test_the_route_completer_completes_the_name_being_typed(qtbot, world_window):
    dialog = world_window.open_matrix()
    form = dialog.edit_current()
    completer = form.routes.completer()
    assert completer.splitPath("statuspage>si") == ["si"]
    form.routes.setText("slack, si")
    index = completer.model().index(completer.model().stringList().index("site"), 0)
    assert completer.pathFromIndex(index) == "slack, site"
    form.known.linkActivated.emit("slack")  # the helper list adds a route
    assert form.routes.text() == "slack, si, slack"
    form.reject()


def test_the_matrix_model_is_well_behaved(qtmodeltester, world):
    from ui.matrix import MatrixModel

    model = MatrixModel()
    model.set_grid(*matrix.grid(world))
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() >= 3 and model.columnCount() == 4


def test_saving_a_cell_in_the_matrix_dialog_moves_the_countdown_at_once(qtbot, world_window, world, clock):
    inc = declared(world)
    select_incident(world_window, inc)
    dialog = world_window.open_matrix()
    dialog.select("customers", Severity.SEV1)
    form = dialog.edit_current()
    form.cadence.setText("4h")
    form.submitted.emit()
    world_window.header.tick()
    assert world_window.header.countdown.text() == "Next update to customers in 4:00:00"
    dialog.close()


def test_the_cell_form_routes_key_accounts_through_their_success_manager(qtbot, world_window, world):
    world_window.matrix_action.trigger()
    dialog = world_window.matrix_dialog
    assert dialog.select("customers", "SEV1")
    form = dialog.edit_current()
    assert not form.via_manager.isChecked()
    form.via_manager.setChecked(True)
    assert form.changes() == {"via_success_manager": True}        # only what changed is written
    form.accept()
    assert matrix.cell(world, "customers", "SEV1").via_success_manager
    assert not matrix.cell(world, "customers", "SEV2").via_success_manager
    row, col = dialog.model.position("customers", Severity.SEV1)
    assert "key accounts via manager" in dialog.model.index(row, col).data()
    form = dialog.edit_current()
    assert form.via_manager.isChecked()
    form.told.setChecked(False)
    assert not form.via_manager.isEnabled()
    form.reject()
    assert world_window.errors == []
