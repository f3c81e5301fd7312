"""The Inquiries tab: what the core lists, logging one from the keyboard, marking it
answered by an update, the FAQ suggestion shown with its button (and drafting it),
a refusal shown, and a question logged by another program picked up."""

from __future__ import annotations

from datetime import timedelta

from warroom.errors import NotPermitted
from warroom.services import drafts, inquiries, stakeholders, templates
from tests.helpers.team import team


def _tab(w):
    w.tabs.setCurrentWidget(w.inquiries)
    return w.inquiries


def test_the_model_passes_the_model_tester(qtmodeltester, store, seeded):
    from ui.inquiries import InquiryModel

    team(store)
    inquiries.add_inquiry(store, "Dana", seeded.ref, "When will checkout work?", asked_by="Acme", category="eta")
    inquiries.add_inquiry(store, "Dana", seeded.ref, "Is card data\nsafe?", asked_by="Jo", category="data")
    model = InquiryModel()
    model.set_rows(inquiries.list_inquiries(store, seeded.ref, viewer="Dana"))
    qtmodeltester.check(model)
    assert [model.index(r, model.ANSWER).data() for r in range(2)] == ["Open", "Open"]
    assert model.index(1, model.TEXT).data() == "Is card data safe?"          # one line in the table


def test_log_from_the_keyboard_and_mark_answered(qtbot, open_window, store, seeded):
    templates.ensure_defaults(store)
    team(store)
    stakeholders.save(store, "admin", name="Acme Corp", audience="customers", email="ops@acme.example")
    update = drafts.compose_drafts(store, "Sam", seeded.id, ["customers"])[0]
    w = open_window(store, "Dana")
    panel = _tab(w)
    assert panel.summary.text() == "No questions logged yet." and not panel.suggestion.isVisibleTo(panel)
    assert panel.asked_by.findText("Acme Corp") >= 0 and panel.category.findText("eta") >= 0
    panel.text.setFocus()
    qtbot.keyClicks(panel.text, "When will checkout work again?")
    panel.asked_by.setEditText("Acme Corp")
    panel.category.setCurrentText("eta")
    panel.channel.setCurrentText("phone")
    qtbot.keyClick(panel.text, "\r")                                     # Enter logs it
    assert w.errors == []
    [q] = inquiries.list_inquiries(store, seeded.ref, viewer="Dana")
    assert (q.text, q.asked_by, q.stakeholder, q.category, q.channel) == (
        "When will checkout work again?", "Acme Corp", "Acme Corp", "eta", "phone")
    assert panel.model.rowCount() == 1 and panel.text.text() == "" and "1 open" in panel.summary.text()
    panel.view.selectRow(0)
    assert panel.answer_button.text() == "Mark answered" and panel.answer_button.isEnabled()
    assert panel.answer_update.currentData() == update.id
    panel.answer_button.click()
    assert inquiries.get(store, q.ref, viewer="Dana").answer_id == update.id
    assert panel.model.index(0, panel.model.ANSWER).data() == "INC-1/U1" and panel.answer_button.text() == "Reopen"


def test_the_faq_suggestion_shows_and_its_button_drafts_it(qtbot, open_window, store, seeded, clock):
    templates.ensure_defaults(store)
    team(store)
    w = open_window(store, "Sam")
    panel = _tab(w)
    for i in range(2):
        inquiries.add_inquiry(store, "Dana", seeded.ref, f"ETA question {i}?", asked_by="Acme", category="eta")
        clock.advance(timedelta(minutes=10))
    w.check_for_changes()
    assert not panel.suggestion.isVisibleTo(panel)                       # two in 30 minutes: not yet
    inquiries.add_inquiry(store, "Dana", seeded.ref, "ETA question 2?", asked_by="Acme", category="eta")
    w.check_for_changes()
    assert panel.suggestion.isVisibleTo(panel)
    assert panel.suggestion_text.text() == "3 questions about ETA in 20 minutes — draft a FAQ"
    panel.faq_audience.setCurrentText("customers")
    panel.faq_button.click()
    assert w.errors == []
    [faq] = drafts.list_drafts(store, seeded.id, viewer="Sam")
    assert "ETA question 0?" in faq.long and faq.state == "draft"
    assert not panel.suggestion.isVisibleTo(panel)                       # answered by the draft: no longer suggested
    assert [panel.model.index(r, panel.model.ANSWER).data() for r in range(3)] == ["INC-1/U1"] * 3


def test_a_refusal_is_shown_and_nothing_is_written(qtbot, open_window, store, seeded):
    team(store)
    w = open_window(store, "Vic Viewer")
    panel = _tab(w)
    panel.text.setText("Any news?")
    panel.asked_by.setEditText("Acme")
    panel.add_button.click()
    assert len(w.errors) == 1 and isinstance(w.errors[0], NotPermitted)
    assert inquiries.list_inquiries(store, seeded.ref, viewer="Dana") == []
    assert panel.text.text() == "Any news?"                              # kept to try again


def test_a_question_logged_by_another_program_shows(qtbot, open_window, store, seeded):
    team(store)
    w = open_window(store, "Dana")
    panel = _tab(w)
    inquiries.add_inquiry(store, "Sam", seeded.ref, "Refund?", asked_by="Walk-in", category="billing")
    w.check_for_changes()
    assert panel.model.rowCount() == 1 and panel.model.index(0, panel.model.FROM).data() == "Walk-in"


def test_key_accounts_personal_updates_are_drafted_from_the_tab(qtbot, open_window, store, seeded):
    templates.ensure_defaults(store)
    team(store)
    stakeholders.save(store, "admin", name="Carla Success", audience="employees", email="carla@example.com")
    stakeholders.save(store, "admin", name="Globex", audience="customers", timezone="America/New_York",
                      key_account=True, success_manager="Carla Success", components="Checkout")
    w = open_window(store, "Sam")
    panel = _tab(w)
    panel.key_button.click()
    assert w.errors == []
    [d] = drafts.list_drafts(store, seeded.id, viewer="Sam")
    assert d.addressee == "Globex" and "Dear Globex team" in d.long and "America/New_York" in d.long
    assert "Globex" in w.statusBar().currentMessage()
    w2 = open_window(store, "Vic Viewer")
    _tab(w2).key_button.click()
    assert len(w2.errors) == 1 and isinstance(w2.errors[0], NotPermitted)


def test_the_faq_suggestion_is_said_in_the_windows_language(store, seeded, clock):
    """The suggestion line was English in every language: the window says it from its catalog."""
    from ui import i18n
    from ui.inquiries import suggestion_text

    for i in range(3):
        inquiries.add_inquiry(store, "Dana", seeded.ref, f"ETA question {i}?", asked_by="Acme", category="eta")
        clock.advance(timedelta(minutes=6))
    [s] = inquiries.suggestions(store, seeded.ref, viewer="Dana")
    assert suggestion_text(s) == "3 questions about ETA in 12 minutes — draft a FAQ" == s.text
    i18n.set_language("de")
    assert suggestion_text(s) == "3 Fragen zu ETA in 12 Minuten – FAQ entwerfen"


def test_the_shared_mailbox_is_read_from_the_tab_and_on_its_timer(qtbot, open_window, store, seeded, memory_keyring):
    """Where a shared mailbox is set, the tab reads it: on the button, and on the timer
    (a failure there is a status line, not a dialog); where none is, no button shows."""
    from email.message import EmailMessage

    from tests.fakes.imap import FakeIMAP
    from warroom.services import inquiry_mail

    team(store)
    w = open_window(store, "Dana")
    panel = _tab(w)
    assert not panel.mailbox_button.isVisibleTo(panel)                  # no mailbox set: nothing to read
    imap = FakeIMAP().start()
    try:
        inquiry_mail.configure(store, "admin", host="127.0.0.1", port=imap.port, username=imap.username,
                               password=imap.password, security="none")
        for n, subject in enumerate(("When is checkout back?", "INC-1: refund for failed payments?")):
            m = EmailMessage()
            m["From"], m["To"], m["Subject"] = "ops@acme.example", "inquiries@example.com", subject
            m.set_content(f"Question {n}")
            imap.add(m.as_bytes())
        w.check_for_changes()
        panel.refresh()
        assert panel.mailbox_button.isVisibleTo(panel) and "127.0.0.1" in panel.mailbox_button.toolTip()
        panel.mailbox_button.click()
        assert w.errors == []
        assert [q.text.splitlines()[0] for q in inquiries.list_inquiries(store, seeded.ref, viewer="Dana")] == [
            "When is checkout back?", "INC-1: refund for failed payments?"]
        assert "Logged 2 questions from the mailbox." in w.statusBar().currentMessage()
        assert all(m.seen for m in imap.mails)
        imap.password = "changed on the server"                          # the timer's read fails quietly
        imap.add(b"Subject: another\r\n\r\nbody\r\n")
        panel.mail_timer.timeout.emit()
        assert w.errors == [] and "The mailbox could not be read" in w.statusBar().currentMessage()
        assert panel.mailbox_button.isEnabled()                           # ready to try again
    finally:
        imap.stop()
