"""The approval queue in the window: waiting for me first, countdowns, decisions by keyboard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from warroom.app import open_store
from warroom.services import drafts, incidents, people, review
from ui.common import palette
from ui.common.palette import Tone
from ui.qt import Qt
from warroom.identity import SYSTEM


def test_queue_model(qtmodeltester, in_review):
    store, inc, d = in_review
    from ui.reviews import ReviewQueueModel

    model = ReviewQueueModel(store.clock)
    model.set_items(review.queue(store, "Ravi Shah", incident_id=inc.id))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.data(model.index(0, 3)) == "Technical reviewer" and model.items[0].mine
    assert model.data(model.index(0, 0)) == "10:00"
    store.clock.advance(timedelta(minutes=6))
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole).color().name() == palette.hex_color(Tone.WARN)
    store.clock.advance(timedelta(minutes=5))
    assert model.data(model.index(0, 0)).startswith("overdue")
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole).color().name() == "#c62828"


def test_approve_from_the_keyboard(qtbot, review_window, in_review):
    store, inc, d = in_review
    w = review_window("Ravi Shah")
    assert "Ravi Shah (1)" in w.header.waiting.text() and "Mia Lindqvist (1)" in w.header.waiting.text()
    from ui.qt import QAction

    action = next(a for a in w.findChildren(QAction) if a.text() == "&Reviews")
    assert action.shortcut().toString() == "Ctrl+Shift+R"
    action.trigger()
    view = w.reviews
    assert w.tabs.currentWidget() is w.reviews_page and view.isVisible()
    assert view.selected().mine and view.selected().request.role.value == "technical_reviewer"
    assert "+Thank you for your patience." in view.diff_template.toPlainText()
    assert "No findings" in view.findings.item(0).text()
    view.decide("request_changes")  # needs a comment
    assert "comment" in view.message.text()
    from ui.qt import QShortcut

    keys = {sc.key().toString(): sc for sc in view.findChildren(QShortcut)}
    assert set(keys) == {"Ctrl+Return", "Ctrl+Shift+C", "Ctrl+Shift+X"}
    keys["Ctrl+Return"].activated.emit()
    assert "now in review" in view.message.text()
    assert [r.state for r in review.requests(store, d.id, viewer=SYSTEM) if r.role.value == "technical_reviewer"] == ["approved"]
    assert not view.approve_button.isEnabled()  # what is left waits for Mia, not for Ravi


def test_comms_approval_completes_it(qtbot, review_window, in_review):
    store, inc, d = in_review
    review.decide(store, "Ravi Shah", d.id, "approve")
    w = review_window("Mia Lindqvist")
    w.show_reviews()
    w.reviews.decide("approve")
    assert "approved" in w.reviews.message.text()
    assert w.reviews.model.rowCount() == 0


def test_switching_person_changes_what_waits(qtbot, review_window, in_review, monkeypatch):
    from ui import person
    from ui.qt import QSettings

    w = review_window("Ravi Shah")
    w.show_reviews()
    assert w.reviews.selected().mine and w.reviews.selected().request.role.value == "technical_reviewer"
    monkeypatch.setattr(person, "ask_name", lambda *a: "Mia Lindqvist")
    w.choose_person()
    assert w.actor == "Mia Lindqvist" and w.actor_label.text() == "as Mia Lindqvist"
    assert QSettings().value("user/name") == "Mia Lindqvist"  # remembered for the next start
    assert w.reviews.selected().request.role.value == "comms_reviewer"


@pytest.mark.parametrize("category, reviewers", [
    ("application", ["Ravi Shah", "Mia Lindqvist"]),
    ("security", ["Ravi Shah", "Mia Lindqvist", "Lea Braun"]),   # a breach needs legal too
])
def test_draft_to_published_in_the_window(qtbot, review_window, db_path, clock, category, reviewers):
    from warroom.services import timeline

    store = open_store(db_path, clock=clock)
    people.save(store, "admin", "Lea Braun", roles="legal_reviewer")
    people.save(store, "admin", "Dana", roles="incident_commander")
    inc = incidents.open_incident(store, "Dana", title="Payments failing", severity="SEV2", category=category)
    writer = review_window("Sam Writer")
    writer.reload_incidents(select=inc.id)
    writer.show_composer()
    for name, box in writer.composer.checks.items():
        box.setChecked(name == "customers")
    writer.composer.compose()
    col = next(iter(writer.composer.columns.values()))
    assert col.submit_button.isEnabled()
    assert not col.publish_button.isEnabled()  # not approved, not a holding statement
    col.submit_button.click()
    assert col.view.state == "in_review" and not col.submit_button.isEnabled()
    for name in reviewers:
        w = review_window(name)
        w.reload_incidents(select=inc.id)
        w.show_reviews()
        row = next(i for i, it in enumerate(w.reviews.model.items) if it.incident_id == inc.id and it.mine)
        w.reviews.table.selectRow(row)
        w.reviews.decide("approve")
        assert "Recorded" in w.reviews.message.text(), (name, w.reviews.message.text())
    writer.reload_incidents(select=inc.id)
    col = next(iter(writer.composer.columns.values()))
    col.revision_saved(drafts.get(store, col.view.id, viewer=SYSTEM))
    assert col.view.state == "approved"
    commander = review_window("Dana")
    commander.reload_incidents(select=inc.id)
    commander.show_composer()
    ccol = next(iter(commander.composer.columns.values()))
    ccol.publish_button.click()
    assert drafts.get(store, ccol.view.id, viewer=SYSTEM).state == "published"
    assert timeline.entries(store, inc.id, viewer=SYSTEM)[-1].kind.value == "published"
    store.close()


def _submitted(store, *, title: str, short: str | None = None, status: str | None = None, extra: str = ""):
    """A customers' update in review on an incident of its own, written by Sam."""
    inc = incidents.open_incident(store, "Dana", title="Login failing", severity="SEV2", customer_facing=True)
    if status:
        incidents.set_status(store, "Dana", inc.id, status)
    d = drafts.compose_drafts(store, "Sam", inc.id, ["customers"])[0]
    d = drafts.save_revision(store, "Sam", d.id, title=title, subject=d.subject, long=d.long + extra,
                             short=short, chat=None)
    review.submit(store, "Sam", d.id, acknowledge=True)
    return inc, d


def _choose(w, inc):
    w.reload_incidents(select=inc.id)
    w.show_reviews()
    row = next(i for i, it in enumerate(w.reviews.model.items) if it.incident_id == inc.id and it.mine)
    w.reviews.table.selectRow(row)
    return w.reviews


def test_a_review_shows_every_word_that_goes_out_and_the_cores_findings(qtbot, review_window, in_review):
    store = in_review[0]
    sms = "Login is failing. We are sorry, this was our fault."
    inc, d = _submitted(store, title="Login problems for some customers", short=sms)
    view = _choose(review_window("Ravi Shah"), inc)
    assert view.public_title.text() == "Login problems for some customers"
    assert view.subject.text() == d.subject
    assert view.long_text.toPlainText() == d.long
    assert view.short_text.toPlainText() == sms
    assert view.chat_text.toPlainText() == d.chat
    assert [view.texts.tabText(i) for i in range(3)] == ["Status page / e-mail", "SMS", "Chat"]
    # the findings are the core's, on every text: the SMS's own words are linted too
    flags = review.findings(store, d.id, "Ravi Shah")
    assert flags and view.findings.count() == len(flags)
    items = [view.findings.item(i).text() for i in range(view.findings.count())]
    assert any(t.startswith("⚠ SMS · liability") and t.endswith("(acknowledged)") for t in items), items
    # what changed since the template includes the title
    assert "+Login problems for some customers" in view.diff_template.toPlainText()
    # the header is text, never markup
    assert view.title.textFormat() == Qt.TextFormat.PlainText and "revision 2 by Sam" in view.title.text()


def test_findings_read_one_revision_for_someone_who_may_see_it(in_review):
    from warroom.errors import NotFound

    store, _inc, d = in_review
    drafts.save_revision(store, "Sam", d.id, subject=d.subject, long=d.long + "\nThis was our fault.")
    now = review.findings(store, d.id, "Ravi Shah")
    assert any(f.finding.rule == "liability" and f.field == "long" for f in now)
    assert not any(f.finding.rule == "liability" for f in review.findings(store, d.id, "Ravi Shah", revision=2))
    assert [f.blocking for f in now] == sorted((f.blocking for f in now), reverse=True)  # blocking first
    with pytest.raises(NotFound):
        review.findings(store, d.id, "Ravi Shah", revision=99)
    with pytest.raises(Exception, match="not in the people register"):
        review.findings(store, d.id, "Nobody Known")


def test_approving_over_a_warning_nobody_acknowledged_asks_once(qtbot, review_window, in_review, confirmations):
    store = in_review[0]
    # Guessing at the cause is fine once the cause is identified; back to investigating, it warns.
    inc, d = _submitted(store, title="Login problems", status="identified",
                        extra="\nThis is probably caused by a bad deploy.")
    assert review.allowed(store, d.id, "Ravi Shah").unacknowledged == ()
    incidents.set_status(store, "Dana", inc.id, "investigating")
    (open_,) = review.allowed(store, d.id, "Ravi Shah").unacknowledged
    assert open_.finding.rule == "speculation"
    view = _choose(review_window("Ravi Shah"), inc)
    confirmations.answer = False
    view.decide("approve")
    (question,) = confirmations
    assert question.startswith("Approve the update to customers?") and "'probably caused'" in question
    assert view.message.text() == "Not approved."
    assert [r.state for r in review.requests(store, d.id, viewer=SYSTEM)
            if r.role.value == "technical_reviewer"] == ["pending"]
    confirmations.answer = True
    view.decide("approve")
    assert len(confirmations) == 2 and "Recorded" in view.message.text()
    assert [r.state for r in review.requests(store, d.id, viewer=SYSTEM)
            if r.role.value == "technical_reviewer"] == ["approved"]
    assert open_.key in drafts.get(store, d.id, viewer=SYSTEM).acknowledged
    # acknowledged on this revision: the second reviewer is not asked again
    mia = _choose(review_window("Mia Lindqvist"), inc)
    mia.decide("approve")
    assert len(confirmations) == 2 and "approved" in mia.message.text()
