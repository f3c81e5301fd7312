"""The composer (ui/composer.py and its draft columns), driven from the keyboard."""

from __future__ import annotations

import dataclasses
import pytest

from warroom.identity import SYSTEM
from warroom.services import channels, drafts, incidents, matrix, outbox
from ui.qt import Qt
from tests.helpers.window import approved_draft, declared, select_incident


def test_from_incident_to_linted_drafts_for_three_audiences_by_keyboard(qtbot, linted_window, linted):
    store, inc = linted
    qtbot.keyClick(linted_window, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    composer = linted_window.composer
    assert linted_window.tabs.currentWidget() is linted_window.composer_page and composer.isVisible()
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


def test_an_etr_needs_an_assessor(qtbot, linted_window, linted):
    composer = linted_window.composer
    linted_window.show_composer()
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


def test_drafts_come_back_with_the_incident(qtbot, linted_window, linted):
    store, inc = linted
    drafts.compose_drafts(store, "Mia", inc.id, ["regulators"])
    other = incidents.open_incident(store, "Dana", title="Other", severity="SEV4")
    linted_window.reload_incidents(select=other.id)
    assert linted_window.composer.columns == {}
    linted_window.reload_incidents(select=inc.id)
    assert [c.view.audience for c in linted_window.composer.columns.values()] == ["regulators"]


def test_switching_incidents_while_work_runs(qtbot, linted):
    """With the real background pool: a compose finishing after the user moved on
    stays with its own incident; an autosave for a column gone still lands."""
    from ui.mainwindow import MainWindow
    from warroom.text.timefmt import TimeFormatter

    store, inc = linted
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


def _column(w, d):
    return w.composer.columns[d.id]


def test_buttons_follow_what_the_core_allows(qtbot, crew_window, crew):
    from warroom.services import review

    store, _inc, d = crew
    viewer = crew_window("Vic Viewer")
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

    tess = crew_window("Tess Tester")  # communications owner: composes and publishes
    col = _column(tess, d)
    assert col.submit_button.isEnabled() and "Ctrl+Enter" in col.submit_button.toolTip()
    assert not col.editor.editors["long"].isReadOnly()
    # not reviewed, so not publishable: the core's reason, word for word
    assert not col.publish_button.isEnabled()
    assert col.publish_button.toolTip() == review.allowed(store, d.id, "Tess Tester").why_not_publish
    assert "needs its reviews" in col.publish_button.toolTip()


def test_an_internal_ip_in_the_public_title_cannot_be_submitted(qtbot, crew_window, crew, confirmations):
    from warroom.services import review
    from warroom.services.wording import WordsRefused

    store, _inc, d = crew
    w = crew_window("Tess Tester")
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


def test_the_public_title_is_saved_with_the_revision_and_its_errors_show_beside_it(qtbot, crew_window, crew):
    store, _inc, d = crew
    w = crew_window("Tess Tester")
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


def test_a_warning_asks_once_and_records_the_acknowledgement(qtbot, crew_window, crew, confirmations):
    from warroom.services import review

    store, _inc, d = crew
    w = crew_window("Tess Tester")
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


def test_editing_the_long_text_updates_the_sms_editor_from_the_core(qtbot, crew_window, crew):
    from warroom.text.derive import derive_short

    store, _inc, d = crew
    w = crew_window("Tess Tester")
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


def test_the_preview_says_the_next_update_time_is_set_at_publish(qtbot, crew_window, crew):
    from warroom.text.render import NEXT_UPDATE

    _store, _inc, d = crew
    w = crew_window("Tess Tester")
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


def test_retract_and_correct_from_the_window(qtbot, crew_window, crew, monkeypatch):
    import ui.composer

    store, inc, d = crew
    _published(store, inc, d)
    w = crew_window("Tess Tester")
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


def test_retract_is_for_those_the_core_allows(qtbot, crew_window, crew):
    from warroom.services import review

    store, inc, d = crew
    _published(store, inc, d)
    w = crew_window("Ravi Shah")  # a technical reviewer may not retract
    col = _column(w, d)
    assert col.retract_button.isVisibleTo(col) and not col.retract_button.isEnabled()
    assert col.retract_button.toolTip() == review.allowed(store, d.id, "Ravi Shah").why_not_retract
    assert "may retract" in col.retract_button.toolTip()


def test_keyboard_submits_and_publishes_the_current_column(qtbot, crew_window, crew, confirmations):
    from ui.qt import QAction, QApplication, QShortcut

    store, inc, d = crew
    other = drafts.compose_drafts(store, "Sam", inc.id, ["employees"])[0]
    w = crew_window("Dana")  # the incident's commander
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


def test_each_audience_shows_its_current_draft_first_and_earlier_ones_in_its_history(qtbot, crew_window, crew):
    from ui.draft_column import HISTORY_NOTE

    store, inc, d = crew
    _published(store, inc, d)
    newer = drafts.compose_drafts(store, "Sam", inc.id, ["customers", "employees"])
    w = crew_window("Tess Tester")
    composer = w.composer
    assert list(composer.panes) == ["customers", "employees"]  # one column per audience
    pane = composer.panes["customers"]
    shown = pane.stack.currentWidget()
    assert shown.view.id == newer[0].id and not shown.history  # the draft being worked on, not the old text
    assert not shown.editor.editors["long"].isReadOnly() and shown.submit_button.isVisibleTo(shown)
    assert pane.history.count() == 2 and pane.history.isEnabled()
    assert pane.history.itemText(0).startswith("Current · draft · 1 earlier update")
    assert "published" in pane.history.itemText(1) and d.title in pane.history.itemText(1)
    assert not composer.panes["employees"].history.isEnabled()  # nothing earlier to read
    # the published one, chosen in the history list: shown for reading only
    pane.history.activated.emit(1)
    old = pane.stack.currentWidget()
    assert old.view.id == d.id and old.history
    assert old.editor.editors["long"].isReadOnly() and old.editor.title.isReadOnly()
    assert not old.submit_button.isVisibleTo(old) and not old.publish_button.isVisibleTo(old)
    assert old.editor.editors["long"].toolTip() == HISTORY_NOTE and pane.history.currentIndex() == 1
    assert old.note.text().startswith("Published")  # what became of it, as it was
    old.editor.editors["long"].setFocus()
    assert composer.current_column() is None  # the keyboard never submits an earlier update
    composer.reread()  # a re-read keeps the reader where they are
    assert pane.stack.currentWidget() is old
    pane.history.activated.emit(0)
    assert pane.stack.currentWidget() is shown and pane.history.currentIndex() == 0
    # a new draft composed for the audience becomes its current one; the previous goes to the history
    composer.checks["customers"].setChecked(True)
    for name, box in composer.checks.items():
        box.setChecked(name == "customers")
    composer.compose()
    latest = pane.stack.currentWidget()
    assert latest.view.id not in (d.id, newer[0].id) and not latest.history
    assert pane.history.count() == 3 and shown.history and shown.editor.editors["long"].isReadOnly()
    assert [pane.history.itemData(i) for i in range(1, 3)] == [newer[0].id, d.id]  # newest first


def test_publishing_says_where_the_update_goes_first_and_no_sends_nothing(qtbot, world_window, world, clock, confirmations):
    from warroom.services import stakeholders

    for i in range(3):
        stakeholders.save(world, "admin", name=f"Customer {i}", audience="customers",
                          email=f"ops{i}@customer{i}.example")
    channels.add(world, "admin", "email", "email", {"host": "127.0.0.1", "port": 2525, "security": "none",
                                                    "from_addr": "status@example.com"})
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>site, email")
    inc = declared(world)
    d = approved_draft(world, inc)
    select_incident(world_window, inc)
    world_window.show_composer()
    column = world_window.composer.columns[d.id]
    confirmations.answer = False
    column.publish_button.click()
    (question,) = confirmations
    assert question.startswith("Publish the update to customers?") and "cannot be called back" in question
    assert "• slack\n" in question and "• email: 3 recipients" in question
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "overridden" and outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM) == []
    assert "Not published" in world_window.composer.message.text()
    confirmations.answer = True
    column.publish_button.click()
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "published"
    assert len(outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)) == 1 + 3     # Slack, and e-mail to three


def test_an_exercise_publish_says_nothing_leaves_the_machine(qtbot, world_window, world, confirmations):
    inc = declared(world, exercise=True)
    d = approved_draft(world, inc)
    select_incident(world_window, inc)
    world_window.show_composer()
    world_window.composer.columns[d.id].publish_button.click()
    assert "only recorded as it would have been sent" in confirmations[0]
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "published"
