"""The main window, driven from the keyboard as a commander would."""

from __future__ import annotations

from warroom.domain import EntryKind, Severity, Status
from warroom.identity import SYSTEM
from warroom.services import incidents, timeline
from ui.models import TimelineModel
from ui.qt import Qt


def _texts(window):
    m = window.timeline_model
    return [m.data(m.index(r, TimelineModel.TEXT)) for r in range(m.rowCount())]


def test_opens_on_the_first_incident(window, seeded):
    assert window.header.title.text() == f"{seeded.ref}  Checkout failing in Europe"
    assert window.header.severity_button.text() == "SEV2"
    assert window.header.status_button.text() == "Investigating"
    assert "09:00:00 UTC" in window.header.facts.text() and "10:00:00 CET" in window.header.facts.text()
    assert window.header.countdown.text() == "Next update in 57:00"  # SEV2: 1 h after declaration, 3 min in
    assert window.timeline_model.rowCount() == 4
    assert window.focusWidget() is window.quick.line


def test_countdown_turns_into_overdue(window, clock):
    clock.advance(3600)
    window._on_tick()
    assert window.header.countdown.text() == "Update overdue by 3:00"


def test_quick_entry_logs_on_enter_with_prefixes(qtbot, window, store, seeded):
    qtbot.keyClicks(window.quick.line, "Paged the database team")
    qtbot.keyClick(window.quick.line, Qt.Key.Key_Return)
    qtbot.keyClicks(window.quick.line, "/a Failed over to the standby")
    qtbot.keyClick(window.quick.line, Qt.Key.Key_Return)
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # decision
    qtbot.keyClicks(window.quick.line, "No failback tonight")
    qtbot.keyClick(window.quick.line, Qt.Key.Key_Return)
    assert window.quick.line.text() == ""
    rows = timeline.entries(store, seeded.id, viewer=SYSTEM)
    assert [(e.kind, e.text, e.author) for e in rows[-3:]] == [
        (EntryKind.NOTE, "Paged the database team", "Tess Tester"),
        (EntryKind.ACTION, "Failed over to the standby", "Tess Tester"),
        (EntryKind.DECISION, "No failback tonight", "Tess Tester"),
    ]
    assert _texts(window)[-3:] == ["Paged the database team", "Failed over to the standby", "No failback tonight"]


def test_a_failed_write_keeps_the_text(qtbot, window, monkeypatch):
    def boom(*a, **k):
        from warroom.errors import InputError
        raise InputError("disk says no")

    monkeypatch.setattr(timeline, "log", boom)
    qtbot.keyClicks(window.quick.line, "important fact")
    qtbot.keyClick(window.quick.line, Qt.Key.Key_Return)
    assert window.quick.line.text() == "important fact"
    assert [str(e) for e in window.errors] == ["disk says no"]


def test_declare_an_incident_from_the_keyboard(qtbot, window, store):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window.incident_actions.new_dialog
    assert dialog.isVisible() and dialog.focusWidget() is dialog.title
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()  # empty title: refused in the dialog
    assert dialog.isVisible() and "needs a title" in dialog.error.text()
    qtbot.keyClicks(dialog.title, "VPN down for remote staff")
    dialog.severity.setCurrentIndex(0)
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert incidents.count(store) == 2
    assert window.header.title.text() == "INC-2  VPN down for remote staff"
    assert window.header.severity_button.text() == "SEV1"
    assert window.incident_view.currentIndex().row() == 0  # SEV1 sorts first


def test_status_and_severity_from_the_header(window, store, seeded):
    actions = {a.data(): a for a in window.header.status_menu.actions()}
    assert actions[Status.IDENTIFIED].isEnabled() and not actions[Status.INVESTIGATING].isEnabled()
    actions[Status.IDENTIFIED].trigger()
    assert incidents.get(store, seeded.id, viewer=SYSTEM).status is Status.IDENTIFIED
    assert window.header.status_button.text() == "Identified"
    assert _texts(window)[-1] == "Status: Investigating → Identified"
    sev = {a.data(): a for a in window.header.severity_menu.actions()}
    sev[Severity.SEV1].trigger()
    assert window.header.severity_button.text() == "SEV1"
    assert _texts(window)[-1] == "Severity raised: SEV2 → SEV1"
    # resolve, and the header offers only a reopening
    {a.data(): a for a in window.header.status_menu.actions()}[Status.RESOLVED].trigger()
    assert [a.text() for a in window.header.status_menu.actions()] == ["Reopen…"]
    assert window.header.countdown.text().startswith("Resolved")


def test_search_and_kind_filter(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.focusWidget() is window.search
    qtbot.keyClicks(window.search, "roll")
    qtbot.waitUntil(lambda: window.timeline_model.rowCount() == 1, timeout=2000)
    assert _texts(window) == ["Rolled back release 2.4.1"]
    assert window.match_label.text() == "1 matching"
    window.search.clear()
    qtbot.waitUntil(lambda: window.timeline_model.rowCount() == 4, timeout=2000)
    window.kind_filter.setCurrentIndex(window.kind_filter.findData(EntryKind.EXTERNAL))
    assert _texts(window) == ["Vendor confirms packet loss"]


def test_changes_from_the_command_line_appear(window, store, seeded, clock):
    clock.advance(30)
    timeline.log(store, "Ravi", seeded.id, "Logged from the CLI")
    incidents.open_incident(store, "Ravi", title="Second incident", severity="SEV3")
    window.check_for_changes()
    assert _texts(window)[-1] == "Logged from the CLI"
    assert window.incident_model.rowCount() == 2


def test_edit_an_entry(window, store, seeded):
    window.timeline_view.setCurrentIndex(window.timeline_model.index(2, 0))
    dialog = window.edit_selected_entry()
    dialog.editor.setPlainText("   ")
    dialog.accept()  # refused by the service: the dialog stays, with the message
    assert dialog.isVisible() and "empty" in dialog.error.text()
    dialog.editor.setPlainText("Rolled back 2.4.1 fully")
    dialog.accept()
    assert not dialog.isVisible()
    assert _texts(window)[2] == "Rolled back 2.4.1 fully  (edited)"
    window.timeline_view.setCurrentIndex(window.timeline_model.index(0, 0))  # "Incident declared"
    assert window.edit_selected_entry() is None


def test_a_search_result_older_than_a_write_catches_up(window, store, seeded, clock):
    """A search that read the timeline before an entry was logged does not hide it."""
    version_then = store.data_version()
    query = window.timeline_model.prepare(None, "rolled")
    clock.advance(10)
    timeline.log(store, "Tess", seeded.id, "Rolled forward again")
    window.timeline.generation += 1
    window.timeline.show_query(window.timeline.generation, version_then, query)
    assert _texts(window) == ["Rolled back release 2.4.1", "Rolled forward again"]


def test_status_change_keeps_the_users_selection(window, store, seeded):
    other = incidents.open_incident(store, "Ana", title="Minor glitch", severity="SEV4")
    window.reload_incidents()
    row = window.incident_model.row_of(other.id)
    window.incident_view.setCurrentIndex(window.incident_model.index(row, 0))
    window.incident_actions.status_changed(incidents.set_status(store, "Ana", seeded.id, "identified"))
    assert window._current.id == other.id


def test_async_write_path(qtbot, store, seeded):
    """With the real background pool, an entry still lands and shows."""
    from ui.mainwindow import MainWindow
    from warroom.text.timefmt import TimeFormatter

    w = MainWindow(store, "Tess", local=TimeFormatter("en_GB", "UTC"), poll_ms=100_000)
    qtbot.addWidget(w)
    w.log_entry(EntryKind.NOTE, "from the pool")
    qtbot.waitUntil(lambda: not w.ops.busy(), timeout=5000)
    assert _texts(w)[-1] == "from the pool"
    # a search overtaken by a return to what is shown is dropped
    w.search.setText("roll")
    w.timeline.apply_filter()
    w.search.setText("")
    w.timeline.apply_filter()
    qtbot.waitUntil(lambda: not w.ops.busy(), timeout=5000)
    assert w.timeline_model.search is None and len(_texts(w)) == 5
    # searches run in the background; only the newest one is shown
    w.search.setText("roll")
    w.timeline.apply_filter()
    w.search.setText("pool")
    w.timeline.apply_filter()
    qtbot.waitUntil(lambda: not w.ops.busy() and w.timeline_model.search == "pool", timeout=5000)
    assert _texts(w) == ["from the pool"]
    assert w.match_label.text() == "1 matching"
    w.close()


def test_layout_is_remembered(qtbot, store, seeded):
    from ui.mainwindow import MainWindow
    from warroom.text.timefmt import TimeFormatter

    first = MainWindow(store, "Tess", local=TimeFormatter("en_GB", "UTC"), poll_ms=100_000)
    qtbot.addWidget(first)
    first.show()
    first.splitter.setSizes([333, 900])
    sizes = first.splitter.sizes()
    first.close()
    second = MainWindow(store, "Tess", local=TimeFormatter("en_GB", "UTC"), poll_ms=100_000)
    qtbot.addWidget(second)
    second.show()
    assert second.splitter.sizes()[0] == sizes[0]
    second.close()


def test_declare_twice_quickly_makes_one_incident(qtbot, store, seeded):
    from ui.mainwindow import MainWindow
    from warroom.text.timefmt import TimeFormatter

    w = MainWindow(store, "Tess", local=TimeFormatter("en_GB", "UTC"), poll_ms=100_000)
    qtbot.addWidget(w)
    dialog = w.new_incident()
    dialog.title.setText("VPN down")
    dialog.accept()
    assert not dialog.isEnabled()  # no second Declare while the first is being written
    dialog.accept()
    qtbot.waitUntil(lambda: not w.ops.busy(), timeout=5000)
    assert incidents.count(store) == 2
    w.close()


def _in_another_process(db_path, code: str) -> None:
    """Run ``code`` with ``store`` open on the window's database, in a separate Python process."""
    import subprocess
    import sys

    script = ("from warroom.store import Store\n"
              "from warroom.services import incidents, stakeholders, timeline\n"
              f"store = Store.open({str(db_path)!r})\n" + code + "\nstore.close()\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_another_process_writing_redraws_the_views_that_follow_it(qtbot, window, store, db_path, seeded):
    """The window reads what another program wrote from the journal events that arrived,
    and redraws only the views that follow those kinds of change."""
    from warroom.changes import Change

    seen: list = []
    redraw = window.redraw
    window.redraw = lambda flags, own=False: (seen.append(flags), redraw(flags, own))
    dialog = window.open_stakeholders()
    reloads: list = []
    dialog.model.modelReset.connect(lambda: reloads.append(1))
    entries = window.timeline_model.rowCount()

    _in_another_process(db_path, "stakeholders.save(store, 'Tess Tester', name='Acme Bank', kind='group', "
                                 "audience='customers', email='ops@acme.example.com')")
    window.check_for_changes()
    assert seen == [Change.STAKEHOLDERS]
    assert "Acme Bank" in dialog.shown_names() and reloads == [1]
    assert window.timeline_model.rowCount() == entries

    _in_another_process(db_path, f"timeline.log(store, 'Dana', '{seeded.id}', 'From the command line')")
    window.check_for_changes()
    assert seen[-1] == Change.TIMELINE
    assert _texts(window)[-1] == "From the command line"
    assert reloads == [1]                  # the register did not re-read for a timeline entry
    window.check_for_changes()
    assert len(seen) == 2                  # nothing new: nothing redrawn


def test_the_windows_own_write_is_not_redrawn_twice(window, store, seeded):
    from warroom.changes import Change

    seen: list = []
    redraw = window.redraw
    window.redraw = lambda flags, own=False: (seen.append((flags, own)), redraw(flags, own))
    window.log_entry(EntryKind.NOTE, "typed in the window")
    assert seen == [(Change.TIMELINE, True)]
    window.check_for_changes()
    assert seen == [(Change.TIMELINE, True)]
