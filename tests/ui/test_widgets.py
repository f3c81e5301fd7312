"""The parts of the main window (ui/widgets.py): the incident header and its countdown,
the quick-entry line, the timeline's columns and entry detail, and the Declare dialog."""

from __future__ import annotations

from datetime import timedelta

from warroom.domain import EntryKind
from warroom.identity import SYSTEM
from warroom.services import incidents, matrix, timeline
from warroom.text.timefmt import TimeFormatter
from ui.models import TimelineModel
from ui.qt import Qt, QTableView
from ui.widgets import parse_quick_entry
from tests.helpers.window import declared, HOSTILE, select_incident, shown


def test_the_countdown_follows_the_matrix_cadence_of_the_audience_due_first(qtbot, world_window, world, clock):
    matrix.set_cell(world, "admin", "customers", "SEV1", cadence=timedelta(hours=2))
    inc = declared(world)
    clock.advance(60)
    world_window.check_for_changes()
    select_incident(world_window, inc)
    world_window.header.tick()
    assert world_window.header.countdown.text() == "Next update to customers in 1:59:00"
    assert "customers: due" in world_window.header.countdown.toolTip() and "every 2 h" in world_window.header.countdown.toolTip()
    # A severity the matrix routes nobody at: the severity's own cadence (SEV2, 1 h).
    incidents.set_severity(world, "Dana", inc.id, "SEV2")
    world_window.check_for_changes()
    world_window.header.tick()
    assert world_window.header.countdown.text() == "Next update in 59:00"


def test_an_internal_incident_says_it_owes_customers_nothing(qtbot, world_window, world, clock):
    matrix.set_cell(world, "admin", "customers", "SEV1", only_customer_facing=True)
    inc = incidents.open_incident(world, "Dana", title="Payroll batch late", severity="SEV1")
    world_window.check_for_changes()
    select_incident(world_window, inc)
    world_window.header.tick()
    assert world_window.header.countdown.text() == "Internal incident: no update owed to customers"
    incidents.update_incident(world, "Dana", inc.id, customer_facing=True)
    world_window.check_for_changes()
    world_window.header.tick()
    assert world_window.header.countdown.text().startswith("Next update to customers in")


def test_a_cadence_changed_elsewhere_reaches_the_countdown_even_after_a_local_log_entry(qtbot, world_window, world, clock):
    from warroom.domain import EntryKind

    inc = declared(world)
    select_incident(world_window, inc)
    world_window.header.tick()
    assert world_window.header.countdown.text() == "Next update to customers in 30:00"        # SEV1's default
    # A terminal lengthens the cadence; before the next poll the commander logs a note.
    matrix.set_cell(world, "admin", "customers", "SEV1", cadence=timedelta(hours=2))
    world_window.log_entry(EntryKind.NOTE, "Rolled back")
    world_window.check_for_changes()
    world_window.header.tick()
    assert world_window.header.countdown.text() == "Next update to customers in 2:00:00"


def test_the_header_says_the_detection_time_once(qtbot, window, seeded):
    from ui.widgets import detected_text

    facts = window.header.facts.text()
    assert facts.count("Detected") == 1
    utc, local = window.utc, window.local
    said = detected_text(utc, local, seeded.detected_at)
    assert said in facts and said.count(utc.day(seeded.detected_at)) == 1  # the day once
    same = detected_text(TimeFormatter("en_GB", "UTC"), TimeFormatter("en_GB", "UTC"), seeded.detected_at)
    assert same == TimeFormatter("en_GB", "UTC").full(seeded.detected_at)  # no second clock on a UTC machine


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


def test_the_header_shows_a_title_written_as_markup_literally(hostile_window, hostile):
    header = hostile_window.header
    assert header.title.textFormat() == Qt.TextFormat.PlainText
    assert shown(header.title.text(), header.title.textFormat()) == f"{hostile.ref}  {HOSTILE}"
    facts = shown(header.facts.text(), header.facts.textFormat())   # our markup around their words
    assert "Commander <b>Dana</b>" in facts and "Affected <i>Checkout</i>" in facts


def test_parse_quick_entry():
    assert parse_quick_entry("/x vendor says fixed", EntryKind.NOTE) == (EntryKind.EXTERNAL, "vendor says fixed")
    assert parse_quick_entry("/D hold", EntryKind.NOTE) == (EntryKind.DECISION, "hold")
    assert parse_quick_entry("/etc/hosts changed", EntryKind.ACTION) == (EntryKind.ACTION, "/etc/hosts changed")


def test_a_refused_declare_marks_the_field_the_core_names(qtbot, world_window, world):
    dialog = world_window.new_incident()
    dialog.title.setText("VPN down for remote staff")
    dialog.commander.setText("Nobody Known")
    dialog.accept()  # the core refuses a commander who is not in the register, naming the field
    assert dialog.isVisible() and "not in the people register" in dialog.error.text()
    assert dialog.marked == "commander" and dialog.commander.styleSheet() and not dialog.title.styleSheet()
    assert dialog.focusWidget() is dialog.commander and dialog.commander.selectedText() == "Nobody Known"
    dialog.commander.setText("Dana")
    dialog.title.setText("")
    dialog.accept()  # now the title: its mark moves there
    assert dialog.marked == "title" and dialog.title.styleSheet() and not dialog.commander.styleSheet()
    dialog.title.setText("VPN down for remote staff")
    dialog.accept()
    assert not dialog.isVisible() and world_window.errors == []
    assert world_window.current.title == "VPN down for remote staff"


def test_a_refused_correction_marks_the_entry_text(qtbot, window, seeded):
    window.timeline_view.setCurrentIndex(window.timeline_model.index(2, 0))
    dialog = window.edit_selected_entry()
    dialog.editor.setPlainText("Rolled back \x1b[31m2.4.1")  # terminal codes: refused, naming the text
    dialog.accept()
    assert dialog.isVisible() and "control character" in dialog.error.text()
    assert dialog.marked == "text" and dialog.editor.styleSheet() and dialog.focusWidget() is dialog.editor
    dialog.editor.setPlainText("Rolled back 2.4.1 fully")
    dialog.accept()
    assert not dialog.isVisible() and window.errors == []
