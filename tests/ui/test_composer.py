"""The composer and the template editor, driven from the keyboard."""

from __future__ import annotations

import dataclasses

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
    from warroom.text.timefmt import TimeFormatter

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


def test_switching_incidents_while_work_runs(qtbot, full):
    """With the real background pool: a compose finishing after the user moved on
    stays with its own incident; an autosave for a column gone still lands."""
    from ui.mainwindow import MainWindow
    from warroom.text.timefmt import TimeFormatter

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


# -- the window shows what the core allows ---------------------------------------------------


@pytest.fixture
def crew(db_path, clock):
    """A closed people register (tests/helpers/team.py), an incident, a customers' draft by Sam."""
    from tests.helpers.team import team

    store = open_store(db_path, clock=clock)
    team(store)
    settings.set_lint_domains(store, "admin", internal_domains=["corp.example.com"])
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1", category="application",
                                  components=["Checkout"], customer_facing=True)
    d = drafts.compose_drafts(store, "Sam", inc.id, ["customers"])[0]
    yield store, inc, d
    store.close()


@pytest.fixture
def window_as(qtbot, crew, monkeypatch):
    from ui.mainwindow import MainWindow
    from ui.ops import Operations
    from warroom.text.timefmt import TimeFormatter

    store, inc, _d = crew
    made = []

    def make(actor):
        w = MainWindow(store, actor, ops=Operations(synchronous=True), local=TimeFormatter("en_GB", "UTC"),
                       poll_ms=100_000, remember_layout=False)
        errors = []
        monkeypatch.setattr(w, "show_error", errors.append)
        w.errors = errors
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        w.reload_incidents(select=inc.id)
        w.show_composer()
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def _column(w, d):
    return w.composer.columns[d.id]


def test_buttons_follow_what_the_core_allows(qtbot, window_as, crew):
    from warroom.services import review

    store, _inc, d = crew
    viewer = window_as("Vic Viewer")
    col = _column(viewer, d)
    said = review.allowed(store, d.id, "Vic Viewer")
    assert not said.can_submit and not said.can_publish  # the core's word, which the window shows
    assert not col.submit_button.isEnabled() and col.submit_button.toolTip() == said.why_not_submit
    assert "Vic Viewer is a viewer" in col.submit_button.toolTip()
    assert not col.publish_button.isEnabled() and col.publish_button.toolTip() == said.why_not_publish
    assert col.editor.editors["long"].isReadOnly() and col.editor.title.isReadOnly()
    assert col.editor.title.toolTip() == said.why_not_edit
    viewer.composer.submit_current()  # the keyboard asks the core, which refuses
    assert "Vic Viewer is a viewer" in col.error.text()
    assert drafts.get(store, d.id, viewer=SYSTEM).state == "draft"

    tess = window_as("Tess Tester")  # communications owner: composes and publishes
    col = _column(tess, d)
    assert col.submit_button.isEnabled() and "Ctrl+Enter" in col.submit_button.toolTip()
    assert not col.editor.editors["long"].isReadOnly()
    # not reviewed, so not publishable: the core's reason, word for word
    assert not col.publish_button.isEnabled()
    assert col.publish_button.toolTip() == review.allowed(store, d.id, "Tess Tester").why_not_publish
    assert "needs its reviews" in col.publish_button.toolTip()


def test_an_internal_ip_in_the_public_title_cannot_be_submitted(qtbot, window_as, crew, confirmations):
    from warroom.services import review
    from warroom.services.wording import WordsRefused

    store, _inc, d = crew
    w = window_as("Tess Tester")
    col = _column(w, d)
    assert col.editor.title.text() == d.title and d.title  # the public title, shown for editing
    col.editor.title.setFocus()
    col.editor.title.end(False)
    qtbot.keyClicks(col.editor.title, " (10.20.30.40)")
    assert col._autosave.isActive() and col.saved_label.text() == "editing…"
    col.refresh()  # the live lint (the core's judge) marks the title at once
    assert col.blocking and col.blocked_label.isVisibleTo(col)
    assert col.editor.title.property("lint") == "blocking"
    items = [col.findings.item(i).text() for i in range(col.findings.count())]
    assert any(t.startswith("⛔ Public title · ip-address") for t in items), items
    col.save_now()
    assert drafts.get(store, d.id, viewer=SYSTEM).title.endswith("(10.20.30.40)")
    assert col.saved_label.text() == "revision 2 saved"
    # the core blocks it, and the window says why, in the core's words
    assert not col.submit_button.isEnabled()
    assert col.submit_button.toolTip() == review.allowed(store, d.id, "Tess Tester").why_not_submit
    assert "linter blocks" in col.submit_button.toolTip()
    w.composer.submit_current()  # Ctrl+Enter: the only column is the current one
    assert "linter blocks" in col.error.text() and col.error.isVisibleTo(col)
    assert drafts.get(store, d.id, viewer=SYSTEM).state == "draft" and confirmations == []
    # the core's refusal itself, shown inline with its findings
    with pytest.raises(WordsRefused) as refused:
        review.submit(store, "Tess Tester", d.id)
    col.show_error(refused.value)
    assert "public title" in col.error.text()
    assert "ip-address" in col.findings.item(0).text() and "Public title" in col.findings.item(0).text()
    # taken out again: submittable
    col.editor.title.setText(d.title)
    col.save_now()
    assert col.submit_button.isEnabled() and not col.blocking


def test_the_public_title_is_saved_with_the_revision_and_its_errors_show_beside_it(qtbot, window_as, crew):
    store, _inc, d = crew
    w = window_as("Tess Tester")
    col = _column(w, d)
    col.editor.title.setText("Checkout   is slow  for some customers")
    col.save_now()
    saved = drafts.get(store, d.id, viewer=SYSTEM)
    assert saved.title == "Checkout is slow for some customers" and saved.revision == 2
    assert saved.subject == d.subject and saved.long == d.long  # the rest as it was
    # An error about the title (from the core, naming the field) shows next to the title
    col.editor.title.setText("x" * (drafts.MAX_TEXT + 1))
    col.save_now()
    label = col.editor.errors["title"]
    assert label.isVisibleTo(col) and "title text is over" in label.text()
    assert not col.editor.errors["subject"].isVisibleTo(col) and not col.error.isVisibleTo(col)
    assert drafts.get(store, d.id, viewer=SYSTEM).revision == 2
    col.editor.title.setText("Checkout is slow")  # typing there again clears it
    assert not label.isVisibleTo(col)
    col.save_now()
    assert drafts.get(store, d.id, viewer=SYSTEM).title == "Checkout is slow"


def test_a_warning_asks_once_and_records_the_acknowledgement(qtbot, window_as, crew, confirmations):
    from warroom.services import review

    store, _inc, d = crew
    w = window_as("Tess Tester")
    col = _column(w, d)
    editor = col.editor.editors["long"]
    editor.setPlainText(editor.toPlainText() + "\nWe are sorry, this was our fault.")
    confirmations.answer = False
    col.submit_button.click()  # saves first, then asks
    (question,) = confirmations
    assert "The linter warns" in question and "liability" in question
    assert "Not submitted" in w.composer.message.text()
    assert drafts.get(store, d.id, viewer=SYSTEM).state == "draft"
    assert drafts.get(store, d.id, viewer=SYSTEM).acknowledged == ()
    assert "acknowledge" in col.submit_button.toolTip()
    confirmations.answer = True
    col.submit_button.click()
    assert len(confirmations) == 2
    view = drafts.get(store, d.id, viewer=SYSTEM)
    assert view.state == "in_review" and any(k.startswith("liability:long:") for k in view.acknowledged)
    assert col.view.state == "in_review" and col.state_label.text() == "in review"
    assert not col.submit_button.isEnabled()
    assert review.allowed(store, d.id, "Tess Tester").unacknowledged == ()
    assert "(acknowledged)" in next(col.findings.item(i).text() for i in range(col.findings.count())
                                    if "liability" in col.findings.item(i).text())


def test_editing_the_long_text_updates_the_sms_editor_from_the_core(qtbot, window_as, crew):
    from warroom.text.derive import derive_short

    store, _inc, d = crew
    w = window_as("Tess Tester")
    col = _column(w, d)
    sms = col.editor.editors["short"]
    before = sms.toPlainText()
    assert before == d.short
    new_long = "Checkout works again for most customers. We are watching it closely."
    col.editor.editors["long"].setPlainText(new_long)
    col.save_now()
    saved = drafts.get(store, d.id, viewer=SYSTEM)
    assert saved.short == derive_short(new_long) != before
    assert sms.toPlainText() == saved.short           # the core's text, in the editor
    assert not col._autosave.isActive()               # put there without another save
    assert saved.revision == 2 and col.view.revision == 2
    assert col.editor.tabs.tabText(1) == "SMS"
    assert col.preview.short.toPlainText() == saved.short

    # typed in the SMS editor while a save was on its way: the typing wins
    sent, edits = col.editor.texts(), dict(col._edits)
    sms.setPlainText("Checkout is back. Details: status.example.com")
    col.revision_saved(dataclasses.replace(saved, short="something else"), sent, edits)
    assert sms.toPlainText() == "Checkout is back. Details: status.example.com"
    col.save_now()
    own = drafts.get(store, d.id, viewer=SYSTEM)
    assert own.short_own and own.short == "Checkout is back. Details: status.example.com"
    assert col.editor.tabs.tabText(1) == "SMS (written on its own)"
    assert col.editor.tabs.tabText(2) == "Chat"
    # a new long text leaves words written on their own alone
    col.editor.editors["long"].setPlainText(new_long + " Thank you for your patience.")
    col.save_now()
    assert sms.toPlainText() == "Checkout is back. Details: status.example.com"
    assert drafts.get(store, d.id, viewer=SYSTEM).short == sms.toPlainText()


def test_the_preview_says_the_next_update_time_is_set_at_publish(qtbot, window_as, crew):
    from warroom.text.render import NEXT_UPDATE

    _store, _inc, d = crew
    w = window_as("Tess Tester")
    col = _column(w, d)
    col.editor.editors["long"].setPlainText(f"We are on it. Next update by {NEXT_UPDATE}.")
    col.refresh()
    assert "Next update by (next update time: set at publish)." in col.preview.long.toPlainText()
    assert NEXT_UPDATE not in col.preview.long.toPlainText()
    assert col.editor.editors["long"].toPlainText().endswith(f"{NEXT_UPDATE}.")  # the words keep the placeholder
    # Markdown renders; raw HTML stays text, as on the status page
    col.editor.editors["long"].setPlainText("**Fixed.** <b>db01</b> <img src=x>")
    col.refresh()
    assert col.preview.long.toPlainText() == "Fixed. <b>db01</b> <img src=x>"


def _published(store, inc, d):
    from warroom.services import publishing, review

    review.submit(store, "Sam", d.id, acknowledge=True)
    review.override(store, "Dana", d.id, "Reviewers unreachable", acknowledge=True)
    publishing.publish(store, "Dana", d.id, acknowledge=True)


def test_retract_and_correct_from_the_window(qtbot, window_as, crew, monkeypatch):
    import ui.composer

    store, inc, d = crew
    _published(store, inc, d)
    w = window_as("Tess Tester")
    col = _column(w, d)
    assert col.state_label.text() == "published" and "Published" in col.note.text()
    assert col.retract_button.isVisibleTo(col) and col.retract_button.isEnabled()
    assert not col.submit_button.isVisibleTo(col) and not col.publish_button.isVisibleTo(col)
    assert not col.correct_button.isVisibleTo(col)
    assert col.editor.editors["long"].isReadOnly()
    asked = []
    monkeypatch.setattr(ui.composer, "ask_reason", lambda parent, title, label: asked.append(label))
    col.retract_button.click()  # cancelled
    assert asked and "Retract the update to customers?" in asked[0]
    assert drafts.get(store, d.id, viewer=SYSTEM).state == "published" and "Not retracted" in w.composer.message.text()
    reason = "Named the <b>db01</b> host"
    monkeypatch.setattr(ui.composer, "ask_reason", lambda parent, title, label: reason)
    col.retract_button.click()
    gone = drafts.get(store, d.id, viewer=SYSTEM)
    assert gone.state == "retracted" and gone.retract_reason == reason and gone.retracted_by == "Tess Tester"
    # the header says so plainly, and shows the reason as text, never as markup
    assert col.state_label.text() == "RETRACTED"
    assert col.note.textFormat() == Qt.TextFormat.PlainText and reason in col.note.text()
    for label in (col.audience_label, col.state_label, col.header, col.note, col.error):
        assert label.textFormat() == Qt.TextFormat.PlainText
    assert not col.retract_button.isVisibleTo(col)
    # the notice that went out is a column of its own (reviewed afterwards)
    notices = [c for c in w.composer.columns.values() if c.view.kind == "retraction"]
    assert len(notices) == 1 and notices[0].view.state == "published"
    assert not notices[0].retract_button.isVisibleTo(notices[0])
    assert "retracted" in w.statusBar().currentMessage()
    # then the correction: a new draft from the retracted words, in a new column
    assert col.correct_button.isVisibleTo(col) and col.correct_button.isEnabled()
    col.correct_button.click()
    (fix,) = [c for c in w.composer.columns.values() if c.view.kind == "correction"]
    assert fix.view.state == "draft" and fix.view.long == d.long and fix.view.title == d.title
    assert fix.header.text().startswith("correction · ") and fix.submit_button.isEnabled()
    assert drafts.get(store, fix.view.id, viewer=SYSTEM).kind == "correction"


def test_retract_is_for_those_the_core_allows(qtbot, window_as, crew):
    from warroom.services import review

    store, inc, d = crew
    _published(store, inc, d)
    w = window_as("Ravi Shah")  # a technical reviewer may not retract
    col = _column(w, d)
    assert col.retract_button.isVisibleTo(col) and not col.retract_button.isEnabled()
    assert col.retract_button.toolTip() == review.allowed(store, d.id, "Ravi Shah").why_not_retract
    assert "may retract" in col.retract_button.toolTip()


def test_keyboard_submits_and_publishes_the_current_column(qtbot, window_as, crew, confirmations):
    from ui.qt import QAction, QApplication, QShortcut

    store, inc, d = crew
    other = drafts.compose_drafts(store, "Sam", inc.id, ["employees"])[0]
    w = window_as("Dana")  # the incident's commander
    keys = {sc.key().toString() for sc in w.composer.findChildren(QShortcut)}
    assert {"Ctrl+Return", "Ctrl+Enter", "Ctrl+Shift+P", "Ctrl+D"} <= keys
    taken = {a.shortcut().toString() for a in w.findChildren(QAction)}
    assert not taken & {"Ctrl+Return", "Ctrl+Enter", "Ctrl+Shift+P"}  # no clash with the window's menus
    col = _column(w, other)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)  # shortcuts go to the active window
    col.editor.editors["long"].setFocus()
    assert w.composer.current_column() is col
    qtbot.keyClick(col.editor.editors["long"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert drafts.get(store, other.id, viewer=SYSTEM).state == "in_review"
    assert drafts.get(store, d.id, viewer=SYSTEM).state == "draft"  # the other column is left alone
    from warroom.services import review

    review.override(store, "Dana", other.id, "Night shift", acknowledge=True)
    w.composer.reread()
    assert col.publish_button.isEnabled()
    col.editor.editors["long"].setFocus()
    qtbot.keyClick(col.editor.editors["long"], Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert confirmations and confirmations[-1].startswith("Publish the update to employees?")
    assert drafts.get(store, other.id, viewer=SYSTEM).state == "published"
    assert col.state_label.text() == "published"
    # with the focus outside every draft, the keyboard says what it needs
    w.composer.compose_button.setFocus()
    assert QApplication.focusWidget() is w.composer.compose_button
    w.composer.submit_current()
    assert "Put the cursor in the draft" in w.composer.message.text()
