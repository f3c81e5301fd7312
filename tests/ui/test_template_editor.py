"""The template editor (ui/template_editor.py): edit, preview and history."""

from __future__ import annotations

from warroom.services import templates
from ui.qt import QMessageBox, Qt, QTreeWidgetItemIterator


def test_template_editor_edit_preview_history(qtbot, linted_window, linted, monkeypatch):
    store, _ = linted
    editor = linted_window.open_templates()
    assert editor.tree.topLevelItemCount() >= 4
    assert editor.select("network-customers-initial", "en")
    assert "network-customers-initial" in editor.meta.text()
    assert editor.preview.long.toPlainText().strip()
    long_edit = editor.editor.editors["long"]
    long_edit.setPlainText(long_edit.toPlainText() + "\nWe are sorry for {{ incident.nonsense }}.")
    editor._refresh_preview()
    assert "nonsense" in editor.preview.long.toPlainText()  # the error, with its line, in the preview
    long_edit.setPlainText(long_edit.toPlainText().replace("{{ incident.nonsense }}", "the disruption"))
    # a template that would take gigabytes is stopped by the renderer's memory limit, not the window
    payload = "{{ '{:{}}'.format('', 1000000000) }}"
    long_edit.setPlainText(long_edit.toPlainText() + payload)
    editor._refresh_preview()
    assert "memory limit" in editor.preview.long.toPlainText()
    long_edit.setPlainText(long_edit.toPlainText().replace(payload, ""))
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
