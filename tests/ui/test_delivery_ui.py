"""Delivery in the window: the Deliveries tab, the status bar's channel states,
the stakeholder matrix and channel dialogs, and the window's own dispatcher —
against a real database and the vendor-like servers on 127.0.0.1."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from warroom.app import open_store
from warroom.delivery.dispatcher import Dispatcher
from warroom.domain import Severity
from warroom.services import channels, drafts, incidents, matrix, outbox, publishing, review
from ui.qt import QLineEdit, QMessageBox
from warroom.identity import SYSTEM
from tests.helpers.team import team


@pytest.fixture
def world(db_path, clock, memory_keyring, fake_slack, tmp_path):
    store = open_store(db_path, clock=clock)
    team(store)
    channels.add(store, "admin", "slack", "slack", {}, secret=fake_slack.webhook_url)
    channels.add(store, "admin", "site", "sitepage", {"out_dir": str(tmp_path / "site")})
    outbox.set_settings(store, "admin", timeout_s=0.5, failover_after_s=300, breaker_failures=3,
                        breaker_cooldown_s=30, dead_after_s=6 * 3600)
    matrix.set_cell(store, "admin", "customers", "SEV1", channels="slack, site")
    yield store
    store.close()


def _window(qtbot, store, monkeypatch, **kwargs):
    from ui.mainwindow import MainWindow
    from ui.ops import Operations
    from warroom.text.timefmt import TimeFormatter

    w = MainWindow(store, "Tess Tester", ops=Operations(synchronous=True),
                   local=TimeFormatter("en_GB", "Europe/Berlin"), poll_ms=100_000, **kwargs)
    errors: list[BaseException] = []
    monkeypatch.setattr(w, "show_error", errors.append)  # no modal boxes in tests
    w.errors = errors
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def win(qtbot, world, monkeypatch):
    w = _window(qtbot, world, monkeypatch)
    yield w
    w.close()  # before the database closes


@pytest.fixture
def boxes(monkeypatch):
    said: list[tuple[str, str]] = []

    def record(kind, answer=QMessageBox.StandardButton.Ok):
        def box(parent, title, text, *args, **kwargs):
            said.append((kind, text))
            return answer
        return box

    for kind in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    monkeypatch.setattr(QMessageBox, "question", record("question", QMessageBox.StandardButton.Yes))
    return said


def _incident(store, *, title="Checkout failing", exercise=False):
    return incidents.open_incident(store, "Dana", title=title, severity="SEV1", category="application",
                                   components=["Checkout"], customer_facing=True, exercise=exercise)


def _approved(store, inc):
    d = drafts.compose_drafts(store, "Sam Writer", inc.id, ["customers"])[0]
    review.submit(store, "Dana", d.id)
    review.override(store, "Dana", d.id, "Reviewers unreachable at night")
    return d


def _publish(store, **kwargs):
    inc = _incident(store, **kwargs)
    d = _approved(store, inc)
    planned = publishing.publish(store, "Dana", d.id)
    return inc, d, planned


def _dispatch(store, clock):
    return Dispatcher(store, sleep=clock.advance, rate_clock=clock.now, rng=random.Random(7), parallel=False).run_once()


def _select_incident(w, inc):
    w.reload_incidents(select=inc.id)
    assert w._current is not None and w._current.id == inc.id


def _rows(view):
    m = view.model
    return [(m.index(r, m.CHANNEL).data(), m.index(r, m.STATE).data()) for r in range(m.rowCount())]


# -- the outbox ----------------------------------------------------------------------


def test_the_outbox_model_is_well_behaved_and_shows_states(qtmodeltester, world, clock, fake_slack):
    from ui.outbox import DeliveryModel
    from warroom.text.timefmt import TimeFormatter

    inc, _, planned = _publish(world)
    assert planned.deliveries == 2
    model = DeliveryModel(clock, TimeFormatter("en_GB", "Europe/Berlin"))
    model.set_rows(outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM))
    qtmodeltester.check(model, force_py=True)  # and it keeps watching the changes below
    assert [model.index(r, model.STATE).data() for r in range(2)] == ["queued", "queued"]
    assert model.index(0, model.NEXT).data() == "due now"
    assert model.index(0, model.TO).data() == "whole channel"
    _dispatch(world, clock)
    model.set_rows(outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM))  # same rows: updated in place
    assert {model.index(r, model.STATE).data() for r in range(2)} == {"delivered"}
    assert model.index(0, model.DELIVERED).data() and model.index(0, model.NEXT).data() == ""
    exercise, _, _ = _publish(world, title="Tabletop: payments down", exercise=True)
    _dispatch(world, clock)
    model.set_rows(outbox.list_deliveries(world, incident_id=exercise.id, viewer=SYSTEM))  # the tester watches the reset
    assert {model.index(r, model.STATE).data() for r in range(2)} == {"would have been sent"}
    assert len(fake_slack.messages) == 1  # the exercise never reached Slack


def test_the_deliveries_tab_shows_a_published_update(qtbot, win, world, clock):
    inc, _, _ = _publish(world)
    win.check_for_changes()
    _select_incident(win, inc)
    assert win.deliveries is None  # built the first time it is shown
    win.deliveries_action.trigger()
    view = win.deliveries
    assert view is not None and view.isVisible() and win.tabs.currentIndex() == win.deliveries_index
    assert sorted(_rows(view)) == [("site", "queued"), ("slack", "queued")]
    assert "2 deliveries" in view.title.text() and "2 queued" in view.title.text()
    _dispatch(world, clock)
    win.check_for_changes()  # the store changed: the tab follows
    assert sorted(_rows(view)) == [("site", "delivered"), ("slack", "delivered")]
    view.select(view.model.delivery(0).id)
    detail = view.detail.toPlainText()
    assert "Receipt" in detail and view.model.delivery(0).subject in detail
    assert not view.retry_button.isEnabled() and not view.cancel_button.isEnabled()
    # An exercise incident: what would have been sent
    exercise, _, _ = _publish(world, title="Tabletop: payments down", exercise=True)
    _dispatch(world, clock)
    win.check_for_changes()
    _select_incident(win, exercise)
    assert {s for _, s in _rows(view)} == {"would have been sent"}
    view.select(next(d.id for d in view._all if d.channel == "slack"))
    assert "what would have been sent" in view.detail.toPlainText()
    assert win.errors == []


def test_an_incident_without_deliveries_says_how_they_come(qtbot, win, world):
    inc = _incident(world)
    win.check_for_changes()
    _select_incident(win, inc)
    view = win.show_deliveries()
    assert view.hint.isVisible() and "Publishing an update" in view.hint.text() and not view.table.isVisible()


def test_cancel_and_retry_from_the_tab(qtbot, win, world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc, _, _ = _publish(world)
    win.check_for_changes()
    _select_incident(win, inc)
    view = win.show_deliveries()
    (row,) = outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)
    assert view.selected().id == row.id
    assert view.cancel_button.isEnabled() and not view.retry_button.isEnabled()
    view.cancel_shortcut.activated.emit()  # Del in the table
    assert outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)[0].state == "cancelled"
    assert _rows(view) == [("slack", "cancelled")] and view.selected().id == row.id
    assert view.retry_button.isEnabled() and not view.cancel_button.isEnabled()
    assert "Cancelled" in view.message.text()
    view.retry_button.click()
    assert outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)[0].state == "queued"
    assert _rows(view) == [("slack", "queued")]
    # A refusal with no fallback: failed; fixed, retried with the keyboard, delivered.
    fake_slack.archived = True
    _dispatch(world, clock)
    win.check_for_changes()
    assert _rows(view) == [("slack", "failed")] and "410" in view.model.index(0, view.model.ERROR).data()
    assert view.retry_button.isEnabled()
    fake_slack.archived = False
    view.retry_shortcut.activated.emit()  # Ctrl+Enter
    assert _rows(view) == [("slack", "queued")]     # a retry starts afresh
    _dispatch(world, clock)
    win.check_for_changes()
    assert _rows(view) == [("slack", "delivered")] and len(fake_slack.messages) == 1
    assert win.errors == []


def test_a_refused_retry_is_said_in_the_tab(qtbot, win, world):
    inc, _, _ = _publish(world)
    win.check_for_changes()
    _select_incident(win, inc)
    view = win.show_deliveries()
    view.retry_selected()  # a queued delivery is not retried
    assert "only a failed or cancelled one" in view.message.text()
    assert {s for _, s in _rows(view)} == {"queued"} and win.errors == []


# -- the status bar --------------------------------------------------------------------


def test_the_status_bar_shows_a_channel_going_down_and_coming_back(qtbot, win, world, clock, fake_slack):
    status = win.channel_status
    win.refresh_channel_states()
    assert status.isVisible() and status.plain_text() == "● site ok · ● slack ok"
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    _publish(world)
    fake_slack.mode = "500"
    for _ in range(4):
        _dispatch(world, clock)
        clock.advance(20)
    win.refresh_channel_states()
    assert "● slack down (1 queued)" in status.plain_text()
    assert "#c62828" in status.text()  # a red dot
    assert "last error" in status.toolTip() and "500" in status.toolTip()
    fake_slack.mode = "ok"
    clock.advance(60)
    assert _dispatch(world, clock).delivered == 1
    win.refresh_channel_states()
    assert status.plain_text() == "● site ok · ● slack ok"


def test_the_status_bar_says_how_many_failed_and_leads_to_them(qtbot, win, world, clock, fake_slack):
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    other, _, _ = _publish(world, title="Payments failing")
    inc = _incident(world, title="Something else")
    fake_slack.archived = True
    _dispatch(world, clock)
    win.check_for_changes()
    _select_incident(win, inc)
    win.refresh_channel_states()
    assert win.channel_status.plain_text().startswith("⚠ 1 failed")
    win.channel_status.linkActivated.emit("failed")
    view = win.deliveries
    assert win._current.id == other.id and win.tabs.currentIndex() == win.deliveries_index
    assert view.filter.currentData() == ("failed",) and _rows(view) == [("slack", "failed")]
    win.channel_status.linkActivated.emit("channel:slack")  # a channel's name: its settings
    assert win._channels_dialog.isVisible() and win._channels_dialog.selected().name == "slack"


def test_no_channels_no_status(qtbot, window):
    window.refresh_channel_states()
    assert not window.channel_status.isVisible()
    assert window.errors == []


# -- the matrix ---------------------------------------------------------------------------


def test_the_matrix_dialog_edits_a_cell(qtbot, win, world):
    assert win.matrix_action.shortcut().toString() == "Ctrl+Shift+M"
    win.matrix_action.trigger()
    dialog = win._matrix_dialog
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
    assert win.errors == []


def test_a_bad_route_is_shown_in_the_form_and_nothing_is_saved(qtbot, win, world, boxes):
    dialog = win.open_matrix()
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
    assert boxes == [] and win.errors == []


def test_the_route_completer_completes_the_name_being_typed(qtbot, win):
    dialog = win.open_matrix()
    form = dialog.edit_current()
    completer = form.routes.completer()
    assert completer.splitPath("statuspage>si") == ["si"]
    form.routes.setText("slack, si")
    index = completer.model().index(completer.model().stringList().index("site"), 0)
    assert completer.pathFromIndex(index) == "slack, site"
    form.known.linkActivated.emit("slack")  # the helper list adds a route
    assert form.routes.text() == "slack, si, slack"
    form.reject()


# -- channels -------------------------------------------------------------------------------


def test_the_channel_dialog_adds_slack_with_its_secret_in_the_keyring(qtbot, win, world, db_path, memory_keyring,
                                                                       fake_slack):
    win.channels_action.trigger()
    dialog = win._channels_dialog
    assert dialog.isVisible() and dialog.names() == ["site", "slack"]
    dialog.add_action.trigger()
    form = dialog.form
    assert form.isVisible() and form.focusWidget() is form.name
    qtbot.keyClicks(form.name, "slack-ops")
    form.kind.setCurrentIndex(form.kind.findData("slack"))
    assert form.secret is not None and form.secret.echoMode() == QLineEdit.EchoMode.Password
    assert "webhook URL" in form.secret_hint.text()
    assert form.fields_form.labelForField(form.secret).text() == "&Secret *"  # required when adding
    secret = fake_slack.webhook_url
    form.secret.setText(secret)
    form.accept()
    assert not form.error.text()
    assert not form.isVisible()
    added = channels.get(world, "slack-ops")
    assert memory_keyring.items[("warroom", channels.secret_key(added.id))] == secret
    assert dialog.selected().name == "slack-ops" and "added" in dialog.result.text()
    # The secret is nowhere in the window, nor in the database.
    texts = [e.text() for e in win.findChildren(QLineEdit)] + [dialog.result.text()]
    assert not any(secret in t for t in texts)
    form = dialog.edit_selected()
    assert form.secret.text() == "" and "keep the current secret" in form.secret.placeholderText()
    form.accept()  # saved with the secret left empty: kept
    assert memory_keyring.items[("warroom", channels.secret_key(added.id))] == secret
    world.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert secret.encode() not in raw and b"slack-ops" in raw


def test_test_shows_success_and_failure(qtbot, win, world, fake_slack):
    dialog = win.open_channels("slack")
    assert dialog.selected().name == "slack"
    dialog.test_action.trigger()
    assert dialog.result.text().startswith("✓ slack works") and len(fake_slack.messages) == 1
    fake_slack.mode = "500"
    dialog.test_button.click()
    assert dialog.result.text().startswith("✗ slack does not work") and "500" in dialog.result.text()
    assert win.errors == []


def test_a_form_error_is_shown_inline(qtbot, win, world):
    dialog = win.open_channels()
    form = dialog.add()
    form.name.setText("mail")
    form.kind.setCurrentIndex(form.kind.findData("email"))
    assert set(form.inputs) >= {"host", "port", "from_addr"}
    form.inputs["port"].setText("587")
    form.accept()  # no host
    assert form.isVisible() and "host is required" in form.error.text()
    assert form.inputs["host"].styleSheet()
    assert "mail" not in dialog.names()
    form.reject()


def test_disable_enable_and_remove(qtbot, win, world, boxes):
    dialog = win.open_channels("site")
    dialog.enable_button.click()
    assert channels.get(world, "site").state == "disabled" and dialog.enable_button.text() == "&Enable"
    dialog.enable_button.click()
    assert channels.get(world, "site").enabled
    dialog.remove_selected()  # used in the matrix: refused, said
    assert boxes[-1][0] == "question" and "used in the matrix" in dialog.result.text()
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    dialog.remove_action.trigger()
    assert "site" not in dialog.names() and "removed" in dialog.result.text()
    win.refresh_channel_states()
    assert win.channel_status.plain_text() == "● slack ok"


def test_no_channels_yet(qtbot, store):
    from ui.channels import ChannelsDialog
    from ui.ops import Operations

    d = ChannelsDialog(store, "Tess Tester", Operations(synchronous=True))
    qtbot.addWidget(d)
    d.show()
    assert d.hint.isVisible() and "No channels yet" in d.hint.text() and not d.table.isVisible()
    assert not d.test_button.isEnabled() and not d.remove_button.isEnabled()


def test_the_channel_model_is_well_behaved(qtmodeltester, world):
    from ui.channels import ChannelModel
    from warroom.text.timefmt import TimeFormatter

    model = ChannelModel(TimeFormatter("en_GB", "UTC"))
    model.set_rows(channels.list_channels(world))
    qtmodeltester.check(model, force_py=True)


def test_the_matrix_model_is_well_behaved(qtmodeltester, world):
    from ui.matrix import MatrixModel

    model = MatrixModel()
    model.set_grid(*matrix.grid(world))
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() >= 3 and model.columnCount() == 4


# -- the window's dispatcher ----------------------------------------------------------------


def test_the_window_dispatcher_delivers_a_published_update_and_stops_on_close(qtbot, world, clock, fake_slack,
                                                                               monkeypatch):
    import ui.delivery
    import ui.mainwindow

    monkeypatch.delenv("WARROOM_NO_DISPATCH", raising=False)
    monkeypatch.setattr(ui.mainwindow, "DISPATCH_START_MS", 10)
    monkeypatch.setattr(ui.delivery, "IDLE_S", 60.0)  # asleep for a minute unless the publish wakes it
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    inc = _incident(world)
    d = _approved(world, inc)
    w = _window(qtbot, world, monkeypatch, dispatch=True)
    qtbot.waitUntil(lambda: w.dispatcher is not None and w.dispatcher.running and w.dispatcher.passes >= 1,
                    timeout=5000)  # its first pass found nothing to send: it sleeps
    _select_incident(w, inc)
    w.show_composer()
    column = w.composer.columns[d.id]
    assert column.publish_button.isEnabled()
    column.publish_button.click()  # publishes, and wakes the dispatcher
    qtbot.waitUntil(lambda: len(fake_slack.messages) == 1, timeout=10_000)
    view = w.show_deliveries()
    # The dispatcher's thread tells the window after its pass: the tab and the status bar follow.
    def delivered() -> bool:
        return _rows(view) == [("slack", "delivered")]

    qtbot.waitUntil(delivered, timeout=5000)
    assert outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)[0].state == "delivered"
    qtbot.waitUntil(lambda: w.channel_status.plain_text() == "● site ok · ● slack ok", timeout=5000)
    thread = w.dispatcher.thread
    w.close()
    assert not thread.is_alive()
    assert w.errors == []


def test_no_dispatcher_in_tests_screenshots_or_when_told_not_to(qtbot, world, monkeypatch):
    w = _window(qtbot, world, monkeypatch)
    assert not w.dispatch_enabled and w.dispatcher is None
    w.close()
    monkeypatch.setenv("WARROOM_NO_DISPATCH", "1")
    w2 = _window(qtbot, world, monkeypatch, dispatch=True)
    assert not w2.dispatch_enabled and w2.start_dispatcher() is None
    w2.close()


def test_with_no_keyring_the_channel_form_asks_for_a_passphrase_and_keeps_the_secret_encrypted(
        qtbot, world, monkeypatch, fake_slack):
    import keyring
    from keyring.backends import fail

    from ui.qt import QInputDialog
    from warroom import secrets

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets.lock()
    monkeypatch.delenv("WARROOM_KEY_PASSPHRASE", raising=False)
    asked = []

    def answer(parent, title, label, echo):
        asked.append(label)
        return "correct horse battery", True

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(answer))
    try:
        from ui.channels import ensure_secrets_unlocked

        assert ensure_secrets_unlocked(None) and "Choose a passphrase" in asked[0]
        channels.add(world, "admin", "slack2", "slack", {}, secret=fake_slack.webhook_url)
        assert fake_slack.token.encode() not in secrets.vault_path().read_bytes()
        secrets.lock()
        asked.clear()
        assert ensure_secrets_unlocked(None) and "unlock it" in asked[0]
        assert channels.read_secret(channels.get(world, "slack2")) == fake_slack.webhook_url
    finally:
        secrets.lock()
        keyring.set_keyring(previous)


def test_the_countdown_follows_the_matrix_cadence_of_the_audience_due_first(qtbot, win, world, clock):
    matrix.set_cell(world, "admin", "customers", "SEV1", cadence=timedelta(hours=2))
    inc = _incident(world)
    clock.advance(60)
    win.check_for_changes()
    _select_incident(win, inc)
    win.header.tick()
    assert win.header.countdown.text() == "Next update to customers in 1:59:00"
    assert "customers: due" in win.header.countdown.toolTip() and "every 2 h" in win.header.countdown.toolTip()
    # A severity the matrix routes nobody at: the severity's own cadence (SEV2, 1 h).
    incidents.set_severity(world, "Dana", inc.id, "SEV2")
    win.check_for_changes()
    win.header.tick()
    assert win.header.countdown.text() == "Next update in 59:00"


def test_an_internal_incident_says_it_owes_customers_nothing(qtbot, win, world, clock):
    matrix.set_cell(world, "admin", "customers", "SEV1", only_customer_facing=True)
    inc = incidents.open_incident(world, "Dana", title="Payroll batch late", severity="SEV1")
    win.check_for_changes()
    _select_incident(win, inc)
    win.header.tick()
    assert win.header.countdown.text() == "Internal incident: no update owed to customers"
    incidents.update_incident(world, "Dana", inc.id, customer_facing=True)
    win.check_for_changes()
    win.header.tick()
    assert win.header.countdown.text().startswith("Next update to customers in")


def test_a_cadence_changed_elsewhere_reaches_the_countdown_even_after_a_local_log_entry(qtbot, win, world, clock):
    from warroom.domain import EntryKind

    inc = _incident(world)
    _select_incident(win, inc)
    win.header.tick()
    assert win.header.countdown.text() == "Next update to customers in 30:00"        # SEV1's default
    # A terminal lengthens the cadence; before the next poll the commander logs a note.
    matrix.set_cell(world, "admin", "customers", "SEV1", cadence=timedelta(hours=2))
    win.log_entry(EntryKind.NOTE, "Rolled back")
    win.check_for_changes()
    win.header.tick()
    assert win.header.countdown.text() == "Next update to customers in 2:00:00"


def test_saving_a_cell_in_the_matrix_dialog_moves_the_countdown_at_once(qtbot, win, world, clock):
    inc = _incident(world)
    _select_incident(win, inc)
    dialog = win.open_matrix()
    dialog.select("customers", Severity.SEV1)
    form = dialog.edit_current()
    form.cadence.setText("4h")
    form.submitted.emit()
    win.header.tick()
    assert win.header.countdown.text() == "Next update to customers in 4:00:00"
    dialog.close()


def test_publishing_says_where_the_update_goes_first_and_no_sends_nothing(qtbot, win, world, clock, confirmations):
    from warroom.services import stakeholders

    for i in range(3):
        stakeholders.save(world, "admin", name=f"Customer {i}", audience="customers",
                          email=f"ops{i}@customer{i}.example")
    channels.add(world, "admin", "email", "email", {"host": "127.0.0.1", "port": 2525, "security": "none",
                                                    "from_addr": "status@example.com"})
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack>site, email")
    inc = _incident(world)
    d = _approved(world, inc)
    _select_incident(win, inc)
    win.show_composer()
    column = win.composer.columns[d.id]
    confirmations.answer = False
    column.publish_button.click()
    (question,) = confirmations
    assert question.startswith("Publish the update to customers?") and "cannot be called back" in question
    assert "• slack\n" in question and "• email: 3 recipients" in question
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "overridden" and outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM) == []
    assert "Not published" in win.composer.message.text()
    confirmations.answer = True
    column.publish_button.click()
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "published"
    assert len(outbox.list_deliveries(world, incident_id=inc.id, viewer=SYSTEM)) == 1 + 3     # Slack, and e-mail to three


def test_an_exercise_publish_says_nothing_leaves_the_machine(qtbot, win, world, confirmations):
    inc = _incident(world, exercise=True)
    d = _approved(world, inc)
    _select_incident(win, inc)
    win.show_composer()
    win.composer.columns[d.id].publish_button.click()
    assert "only recorded as it would have been sent" in confirmations[0]
    assert drafts.get(world, d.id, viewer=SYSTEM).state == "published"
