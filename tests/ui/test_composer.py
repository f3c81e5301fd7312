"""The composer and the template editor, driven from the keyboard."""

from __future__ import annotations

import pytest

from warroom.app import open_store
from warroom.services import drafts, incidents, settings, templates
from ui.qt import QMessageBox, Qt, QTreeWidgetItemIterator
from warroom.identity import SYSTEM



@pytest.fixture
def full(db_path, clock):
    store = open_store(db_path, clock=clock)
    settings.set_lint_domains(store, "Mia", internal_domains=["corp.example.com"])
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True)
    yield store, inc
    store.close()


@pytest.fixture
def win(qtbot, full, monkeypatch):
    from ui.mainwindow import MainWindow
    from ui.ops import Operations
    from warroom.timefmt import TimeFormatter

    store, _ = full
    w = MainWindow(store, "Mia", ops=Operations(synchronous=True), local=TimeFormatter("en_GB", "Europe/Berlin"),
                   poll_ms=100_000)
    errors = []
    monkeypatch.setattr(w, "show_error", errors.append)
    w.errors = errors
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_from_incident_to_linted_drafts_for_three_audiences_by_keyboard(qtbot, win, full):
    store, inc = full
    qtbot.keyClick(win, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    composer = win.composer
    assert win.tabs.currentWidget() is win.composer_page and composer.isVisible()
    assert composer.selected_audiences() == ["executives", "employees", "customers"]
    # Ctrl+D: key events do not always reach a widget's shortcuts on the offscreen platform
    assert composer.compose_shortcut.key().toString() == "Ctrl+D"
    composer.compose_shortcut.activated.emit()
    assert [c.view.audience for c in composer.columns.values()] == ["executives", "employees", "customers"]
    customers = next(c for c in composer.columns.values() if c.view.audience == "customers")
    assert customers.view.template == "application-customers-initial"
    assert "No findings" in customers.findings.item(0).text()
    assert customers.preview.long.toPlainText().strip()
    assert "SMS segment" in customers.preview.sms_info.text()
    # typing an internal host into the customers' text: blocked, underlined, listed
    editor = customers.editor.editors["long"]
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " Cause: db01.corp.example.com.")
    customers.refresh()
    assert customers.blocking
    assert any("internal-host" in customers.findings.item(i).text() for i in range(customers.findings.count()))
    assert editor.extraSelections()
    # the same words are fine for engineers' eyes
    customers.save_now()
    assert drafts.get(store, customers.view.id, viewer=SYSTEM).revision == 2
    assert "db01.corp.example.com" in drafts.get(store, customers.view.id, viewer=SYSTEM).long


def test_an_etr_needs_an_assessor(qtbot, win, full):
    composer = win.composer
    win.show_composer()
    composer.etr_on.setChecked(True)
    composer.compose()
    assert "assessed" in composer.message.text()
    assert composer.columns == {}
    composer.etr_by.setText("Ravi")
    composer.compose()
    assert len(composer.columns) == 3
    long_text = next(iter(composer.columns.values())).view.long
    assert "estimate" in long_text.lower()
    composer.etr_window.setChecked(True)
    composer.etr_until.setDateTime(composer.etr_at.dateTime().addSecs(-60))
    composer.compose()
    assert "after its start" in composer.message.text()
    composer.etr_until.setDateTime(composer.etr_at.dateTime().addSecs(3600))
    composer.compose()
    assert len(composer.columns) == 6
    assert "between" in list(composer.columns.values())[-1].view.long


def test_drafts_come_back_with_the_incident(qtbot, win, full):
    store, inc = full
    drafts.compose_drafts(store, "Mia", inc.id, ["regulators"])
    other = incidents.open_incident(store, "Dana", title="Other", severity="SEV4")
    win.reload_incidents(select=other.id)
    assert win.composer.columns == {}
    win.reload_incidents(select=inc.id)
    assert [c.view.audience for c in win.composer.columns.values()] == ["regulators"]


def test_template_editor_edit_preview_history(qtbot, win, full, monkeypatch):
    store, _ = full
    editor = win.open_templates()
    assert editor.tree.topLevelItemCount() >= 4
    assert editor.select("network-customers-initial", "en")
    assert "network-customers-initial" in editor.meta.text()
    assert editor.preview.long.toPlainText().strip()
    long_edit = editor.editor.editors["long"]
    long_edit.setPlainText(long_edit.toPlainText() + "\nWe are sorry for {{ incident.nonsense }}.")
    editor._refresh_preview()
    assert "nonsense" in editor.preview.long.toPlainText()  # the error, with its line, in the preview
    long_edit.setPlainText(long_edit.toPlainText().replace("{{ incident.nonsense }}", "the disruption"))
    assert editor.save_shortcut.key().toString() == "Ctrl+S"
    editor.save_shortcut.activated.emit()
    assert "version 2" in editor.status.text()
    t = templates.get(store, "network-customers-initial", "en")
    assert t.version == 2 and t.long.endswith("We are sorry for the disruption.")
    editor.lower.setCurrentIndex(1)
    assert editor.history.count() == 2
    editor.history.setCurrentRow(1)  # version 1
    assert "+We are sorry for the disruption." in editor.diff.toPlainText()
    # an internal detail typed into a customer template is caught in the preview
    long_edit.setPlainText(long_edit.toPlainText() + "\nSee http://wiki.corp.example.com/runbook")
    editor._refresh_preview()
    assert any("internal-host" in editor.findings.item(i).text() for i in range(editor.findings.count()))
    # unsaved words are not dropped without asking
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel)
    assert editor.select("network-customers-initial", "de") is True
    assert asked and "Discard your changes" in asked[0]
    assert editor.current.locale == "en" and "wiki.corp" in long_edit.toPlainText()  # still editing
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert editor.select("network-customers-initial", "de")
    assert editor.current.locale == "de"
    # the filter narrows the list to what matches
    editor.filter.setText("holding de")
    shown = []
    it = QTreeWidgetItemIterator(editor.tree)
    while it.value():
        item = it.value()
        t = item.data(0, Qt.ItemDataRole.UserRole)
        if t is not None and not item.isHidden():
            shown.append((t.phase, t.locale))
        it += 1
    assert shown and all(s == ("holding", "de") for s in shown)
    editor.close()


def test_switching_incidents_while_work_runs(qtbot, full):
    """With the real background pool: a compose finishing after the user moved on
    stays with its own incident; an autosave for a column gone still lands."""
    from ui.mainwindow import MainWindow
    from warroom.timefmt import TimeFormatter

    store, inc = full
    other = incidents.open_incident(store, "Dana", title="Other", severity="SEV4")
    w = MainWindow(store, "Mia", local=TimeFormatter("en_GB", "UTC"), poll_ms=100_000)
    qtbot.addWidget(w)
    w.reload_incidents(select=inc.id)
    w.composer.compose()
    assert not w.composer.compose_button.isEnabled()
    w.reload_incidents(select=other.id)
    qtbot.waitUntil(lambda: not w.ops.busy(), timeout=10_000)
    assert w.composer.columns == {} and w.composer.compose_button.isEnabled()
    w.reload_incidents(select=inc.id)
    assert len(w.composer.columns) == 3
    col = next(iter(w.composer.columns.values()))
    col.editor.editors["long"].setPlainText("Typed just before switching.")
    assert col._autosave.isActive()
    w.reload_incidents(select=other.id)  # flushes the pending save, then drops the column
    qtbot.waitUntil(lambda: not w.ops.busy(), timeout=10_000)
    assert drafts.get(store, col.view.id, viewer=SYSTEM).long == "Typed just before switching."
    w.close()
