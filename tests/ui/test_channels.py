"""The channels dialog (ui/channels.py): adding with the secret in the keyring, testing,
form errors on their field, disable, enable and remove, and the model."""

from __future__ import annotations

from warroom.services import channels, matrix
from ui.qt import QLineEdit


def test_the_channel_dialog_adds_slack_with_its_secret_in_the_keyring(qtbot, world_window, world, db_path, memory_keyring,
                                                                       fake_slack):
    world_window.channels_action.trigger()
    dialog = world_window.channels_dialog
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
    texts = [e.text() for e in world_window.findChildren(QLineEdit)] + [dialog.result.text()]
    assert not any(secret in t for t in texts)
    form = dialog.edit_selected()
    assert form.secret.text() == "" and "keep the current secret" in form.secret.placeholderText()
    form.accept()  # saved with the secret left empty: kept
    assert memory_keyring.items[("warroom", channels.secret_key(added.id))] == secret
    world.close()
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))
    assert secret.encode() not in raw and b"slack-ops" in raw


def test_test_shows_success_and_failure(qtbot, world_window, world, fake_slack):
    dialog = world_window.open_channels("slack")
    assert dialog.selected().name == "slack"
    dialog.test_action.trigger()
    assert dialog.result.text().startswith("✓ slack works") and len(fake_slack.messages) == 1
    fake_slack.mode = "500"
    dialog.test_button.click()
    assert dialog.result.text().startswith("✗ slack does not work") and "500" in dialog.result.text()
    assert world_window.errors == []


def test_a_form_error_is_shown_inline(qtbot, world_window, world):
    dialog = world_window.open_channels()
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


def test_disable_enable_and_remove(qtbot, world_window, world, boxes):
    dialog = world_window.open_channels("site")
    dialog.enable_button.click()
    assert channels.get(world, "site").state == "disabled" and dialog.enable_button.text() == "E&nable"
    dialog.enable_button.click()
    assert channels.get(world, "site").enabled
    dialog.remove_selected()  # used in the matrix: refused, said
    assert boxes[-1][0] == "question" and "used in the matrix" in dialog.result.text()
    matrix.set_cell(world, "admin", "customers", "SEV1", channels="slack")
    dialog.remove_action.trigger()
    assert "site" not in dialog.names() and "removed" in dialog.result.text()
    world_window.refresh_channel_states()
    assert world_window.channel_status.plain_text() == "● slack ok"


def test_no_channels_yet(qtbot, store):
    from ui.channels import ChannelsDialog
    from ui.common.context import WindowContext
    from ui.ops import Operations

    d = ChannelsDialog(WindowContext(store, Operations(synchronous=True), "Tess Tester"))
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


def test_with_no_keyring_the_channel_form_asks_for_a_passphrase_and_keeps_the_secret_encrypted(
        qtbot, world, monkeypatch, fake_slack):
    import keyring
    from keyring.backends import fail

    from warroom import secrets

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    secrets.lock()
    monkeypatch.delenv("WARROOM_KEY_PASSPHRASE", raising=False)
    asked = []

    from ui.common.ask import AskDialog
    from ui.qt import QDialog, QLineEdit

    def answer(dialog):     # the dialog of our own, answered as a person would
        asked.append(dialog.intro.text())
        assert dialog.field.echoMode() == QLineEdit.EchoMode.Password    # never shown as typed
        dialog.field.setText("correct horse battery")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(AskDialog, "exec", answer)
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


def test_a_channel_list_tells_the_same_truth(qtbot, qtmodeltester, world):
    from ui.channels import ChannelModel
    from warroom.text.timefmt import TimeFormatter

    model = ChannelModel(TimeFormatter("en_GB", "UTC"))
    model.set_rows(channels.list_channels(world))
    qtmodeltester.check(model, force_py=True)
    assert [model.index(r, model.NAME).data() for r in range(model.rowCount())] == ["site", "slack"]
