"""Channel settings in the window: the configured channels with their health and
queues; a form to add or change one, built from the kind's settings, with its
secret typed into a password field that is never filled back (it goes to the
keyring, never the database); Test, Enable/Disable and Remove.

The secret is handed to the service and dropped: the form clears it once saved,
nothing logs it, and editing shows an empty field ("keep the current one")."""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from warroom.errors import InputError, WarroomError
from warroom.text.timefmt import TimeFormatter
from ui.common import palette
from ui.common.access import add_row, describe, describe_buttons
from ui.common.forms import FormDialog
from ui.common.palette import Tone
from ui.common.tables import Column, RowTableModel, fixed_rows
from ui.delivery import shown_state, state_tone
from ui.qt import (
    plain_tip,
    QAction,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    Qt,
    qt_alive,
    QTableView,
    QVBoxLayout,
    Signal,
)
from ui.i18n import N_, tr as _

if TYPE_CHECKING:
    from warroom.services.channels import ChannelView
    from ui.common.context import WindowContext

_WORDS = {"addr": "address", "url": "URL", "id": "ID", "sid": "SID", "ca": "CA", "s": "(per second)",
          "per": "", "rate": "Rate"}


def ask_passphrase(parent, intro: str) -> str | None:
    """The secrets file's passphrase (shown as dots); None when cancelled."""
    from ui.common.ask import ask_secret

    return ask_secret(parent, "unlockSecrets", _("Unlock secrets — War room"), intro, _("&Passphrase:"),
                      _("The passphrase of the encrypted secrets file; it is never written down"),
                      _("Unlock the secrets file"))


def ensure_secrets_unlocked(parent) -> bool:
    """With no OS keyring, secrets live in a passphrase-encrypted file: ask for the
    passphrase once per session (to create the file, the first time). Never plain text."""
    from warroom import secrets

    if not secrets.vault_needed():
        return True
    exists = secrets.vault_path().exists()
    prompt = (_("This machine has no keyring. Channel secrets are kept in an encrypted file:\n{path}").format(
        path=secrets.vault_path()) + "\n\n" +
              (_("Passphrase to unlock it:") if exists else _("Choose a passphrase for it (at least 8 characters):")))
    for _attempt in range(3):
        text = ask_passphrase(parent, prompt)
        if text is None:
            return False
        try:
            if secrets.unlock(text):
                return True
        except WarroomError as exc:
            prompt = f"{exc}\n\n" + _("Passphrase:")
            continue
        prompt = _("That passphrase does not open the file. Try again:")
    return False


def field_label(name: str) -> str:
    """``from_addr`` -> ``From address``; ``rate_per_s`` -> ``Rate (per second)``."""
    words = [w for w in (_WORDS.get(w, w) for w in name.split("_")) if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False) if value else ""
    return str(value)


def _parsed(name: str, text: str, default: Any) -> Any:
    """A field's text as the service takes it: JSON for objects and lists, whole
    numbers where the setting is one, text otherwise; empty is None."""
    text = text.strip()
    if not text:
        return None
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            raise InputError(f"{field_label(name)}: {text[:60]!r} is not valid JSON, e.g. "
                             '{"Checkout": "8kbf7d35c070"}.', field=name) from None
    if isinstance(default, int) and not isinstance(default, bool) and text.isdigit():
        return int(text)
    return text


class ChannelModel(RowTableModel):
    """The configured channels: health, queue, last error, last delivery."""

    COLUMNS = (N_("Name"), N_("Kind"), N_("State"), N_("Queued"), N_("Last error"), N_("Last delivered"))
    NAME, KIND, STATE, QUEUED, ERROR, LAST_OK = range(6)

    def __init__(self, local: TimeFormatter, parent=None) -> None:
        self.local = local

        def muted_if(test):
            return lambda c: palette.color(Tone.MUTED) if test(c) or not c.enabled else None

        def tip(c: ChannelView) -> str:
            settings = ", ".join(f"{k}={_shown(v)}" for k, v in c.config.items() if v not in (None, "", {}))
            return plain_tip(f"{c.name}: {c.label}" + (f"\n{settings}" if settings else ""))

        super().__init__([
            Column(_("Name"), lambda c: c.name, tip=tip, color=muted_if(lambda c: False)),
            Column(_("Kind"), lambda c: c.label, tip=tip, color=muted_if(lambda c: False)),
            Column(_("State"), self.state_text, tip=tip,
                   color=lambda c: palette.color(state_tone(shown_state(c.state, c.queued)))),
            Column(_("Queued"), lambda c: str(c.queued) if c.queued else "", tip=tip, right=True,
                   color=muted_if(lambda c: False), sort=lambda c: c.queued),
            # A vendor's words: an error page may be HTML, so the tooltip is plain.
            Column(_("Last error"), lambda c: (c.last_error or "").replace("\n", " "),
                   tip=lambda c: plain_tip(c.last_error) if c.last_error else tip(c), color=muted_if(lambda c: True)),
            Column(_("Last delivered"), lambda c: self.local.stamp(c.last_ok_at) if c.last_ok_at else _("never"), tip=tip,
                   color=muted_if(lambda c: not c.last_ok_at)),
        ], parent, key=lambda c: c.name)

    @staticmethod
    def state_text(c: ChannelView) -> str:
        state = shown_state(c.state, c.queued)
        failures = f" ({c.failures} failure{'' if c.failures == 1 else 's'})" if c.failures and c.state != "ok" else ""
        return f"● {state}{failures}"

    def channel(self, row: int) -> ChannelView | None:
        return self.row(row)


class ChannelForm(FormDialog):
    """Add a channel or change one. The settings are the kind's ``FIELDS``; the
    secret field is empty on edit and left empty keeps the stored secret."""

    def __init__(self, existing: ChannelView | None = None, parent=None) -> None:
        super().__init__(parent)
        from warroom.channels import KINDS

        self.kinds = KINDS
        self.existing = existing
        self.setObjectName("channelForm")
        self.setWindowTitle(_("Channel {name}").format(name=existing.name) if existing else _("Add a channel"))
        self.name = QLineEdit()
        self.name.setObjectName("channelName")
        self.name.setMaxLength(40)
        self.name.setPlaceholderText(_("a short word in lower case, e.g. slack-customers"))
        self.kind = QComboBox()
        self.kind.setObjectName("channelKind")
        for key, module in sorted(KINDS.items(), key=lambda kv: kv[1].LABEL):
            self.kind.addItem(module.LABEL, key)
        self.inputs: dict[str, QLineEdit] = {}
        self.secret: QLineEdit | None = None
        self.secret_hint: QLabel | None = None
        self.error.setObjectName("channelError")
        # One form: name and kind, then the kind's settings and secret (rebuilt when the kind changes).
        self.fields_form = QFormLayout()
        self.fields_form.addRow(_("&Name *"), self.name)
        add_row(self.fields_form, _("&Kind"), self.kind, _("The service the channel sends through"))
        self.first_setting_row = self.fields_form.rowCount()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        describe_buttons(self.buttons, _("Save the channel; its secret goes to the keyring"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.fields_form)
        note = QLabel(_("<small>* required. Secrets go to the system keyring, never to the database, and are not "
                      "shown again.</small>"))
        note.setTextFormat(Qt.TextFormat.RichText)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        if existing is not None:
            self.name.setText(existing.name)
            self.name.setToolTip(_("Renaming also renames it in the stakeholder matrix"))
            self.kind.setCurrentIndex(max(0, self.kind.findData(existing.kind)))
            self.kind.setEnabled(False)
            self.kind.setToolTip(_("A channel keeps its kind: add another channel for another kind"))
        else:
            self.kind.setCurrentIndex(max(0, self.kind.findData("slack")))
        self._build_fields()
        self.kind.currentIndexChanged.connect(self._build_fields)
        (self.secret if existing is not None and self.secret is not None else self.name).setFocus()

    @property
    def module(self):
        return self.kinds[self.kind.currentData()]

    def _build_fields(self, *_args) -> None:
        from warroom.channels.base import COMMON_FIELDS

        old = {name: edit.text() for name, edit in self.inputs.items()}
        while self.fields_form.rowCount() > self.first_setting_row:
            self.fields_form.removeRow(self.fields_form.rowCount() - 1)
        module = self.module
        self.inputs = {}
        config = self.existing.config if self.existing is not None else {}
        for name, spec in {**module.FIELDS, **COMMON_FIELDS}.items():
            edit = QLineEdit()
            edit.setObjectName(f"field-{name}")
            edit.setText(_shown(config.get(name)) if self.existing is not None else old.get(name, ""))
            hint = spec.help or ""
            if spec.default not in (None, "") and not spec.required:
                hint = f"{hint} (default {_shown(spec.default)})" if hint else f"default {_shown(spec.default)}"
            edit.setPlaceholderText(hint)
            edit.setToolTip(f"{name}: {hint}" if hint else name)
            self.fields_form.addRow(field_label(name) + (" *" if spec.required else ""), edit)
            self.inputs[name] = edit
        self.secret = self.secret_hint = None
        if module.SECRET is not None:
            self.secret = QLineEdit()
            self.secret.setObjectName("channelSecret")
            self.secret.setEchoMode(QLineEdit.EchoMode.Password)
            self.secret.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
            required = self.existing is None and getattr(module, "secret_required", None) is None
            self.secret.setPlaceholderText(_("leave empty to keep the current secret") if self.existing is not None
                                           else _("typed here, kept in the keyring, never shown again"))
            self.secret.setToolTip(_("The secret: {SECRET}. Kept in the keyring; never shown again.").format(
                SECRET=module.SECRET))
            self.secret_hint = QLabel(f"<small>{html.escape(module.SECRET[:1].upper() + module.SECRET[1:])}</small>")
            self.secret_hint.setObjectName("secretHint")
            self.secret_hint.setTextFormat(Qt.TextFormat.RichText)
            self.fields_form.addRow(_("&Secret") + (" *" if required else ""), self.secret)
            self.fields_form.addRow("", self.secret_hint)
        if not module.FIELDS and module.SECRET is None:
            self.fields_form.addRow("", QLabel(_("This kind has no settings.")))
        self.resize(max(self.width(), 600), self.sizeHint().height())

    def values(self) -> dict[str, Any]:
        """name, kind, config, secret (None: none typed). Raises InputError for bad JSON."""
        from warroom.channels.base import COMMON_FIELDS

        specs = {**self.module.FIELDS, **COMMON_FIELDS}
        config: dict[str, Any] = {}
        for name, edit in self.inputs.items():
            value = _parsed(name, edit.text(), specs[name].default)
            if value is not None or self.existing is not None:
                config[name] = value if value is not None else ""
        secret = self.secret.text() if self.secret is not None else ""
        return {"name": self.name.text().strip().lower(), "kind": self.kind.currentData(), "config": config,
                "secret": secret.strip() or None}

    def finish(self) -> None:
        if self.secret is not None:
            self.secret.clear()
        super().finish()

    def field_for(self, name: str | None):
        """A service names a setting, the secret, or the channel's name."""
        self.fields = dict(self.inputs, name=self.name, channel=self.name,
                           **({"secret": self.secret} if self.secret is not None else {}))
        return super().field_for(name)


class ChannelsDialog(QDialog):
    """View › Channels…: non-modal."""

    #: A channel was added, changed or removed (the status bar and the matrix follow).
    changed = Signal()

    def __init__(self, ctx: WindowContext, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Channels — War room"))
        self.setObjectName("channelsDialog")
        self.setWindowFlag(Qt.WindowType.Window)
        self.ctx = ctx
        self.store, self.ops = ctx.store, ctx.ops
        self.form: ChannelForm | None = None
        self.model = ChannelModel(ctx.local, self)
        self.table = QTableView()
        self.table.setObjectName("channelTable")
        self.table.setModel(self.model)
        fixed_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in ((0, 140), (1, 330), (2, 170), (3, 64), (4, 260), (5, 140)):
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(ChannelModel.ERROR, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self.edit_selected)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        describe(self.table, _("Channels"), _("Where updates go, and how each channel is doing: Enter edits the "
                                              "chosen one"))
        self.hint = QLabel()
        self.hint.setObjectName("channelsHint")
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("padding:18px;")
        self.hint.setText(_("<b>No channels yet — add one (Ctrl+N).</b><br>A channel is where updates go: Slack, "
                          "Teams, e-mail, SMS, Atlassian Statuspage, a self-hosted status page or a webhook. "
                          "Then say in the stakeholder matrix (Ctrl+Shift+M) which audience gets which."))
        self.result = QLabel()
        self.result.setObjectName("channelResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.add_button = QPushButton(_("&Add… (Ctrl+N)"))
        self.add_button.setObjectName("addChannel")
        self.edit_button = QPushButton(_("&Edit… (Enter)"))
        self.edit_button.setObjectName("editChannel")
        self.test_button = QPushButton(_("&Test (Ctrl+T)"))
        self.test_button.setObjectName("testChannel")
        self.test_button.setToolTip(_("Send a harmless test through the channel (a test message, a login, an API "
                                    "call that changes nothing)"))
        self.enable_button = QPushButton(_("&Disable"))
        self.enable_button.setObjectName("enableChannel")
        self.remove_button = QPushButton(_("&Remove… (Del)"))
        self.remove_button.setObjectName("removeChannel")
        self.close_button = QPushButton(_("Close"))
        for b in (self.add_button, self.edit_button, self.test_button, self.enable_button, self.remove_button,
                  self.close_button):
            b.setAutoDefault(False)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_selected)
        self.test_button.clicked.connect(self.test_selected)
        self.enable_button.clicked.connect(self.toggle_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.close_button.clicked.connect(self.close)
        for button, description in ((self.add_button, _("Add a channel: Slack, Teams, e-mail, SMS, a status page "
                                                         "or a webhook")),
                                    (self.edit_button, _("Change the chosen channel's settings")),
                                    (self.remove_button, _("Remove the chosen channel"))):
            describe(button, None, description, tip=True)
        describe(self.close_button, None, _("Close this window"))

        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.test_button, self.enable_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint, 1)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.result)
        layout.addLayout(buttons)

        self.add_action = self._action(_("Add channel"), self.add, QKeySequence.StandardKey.New)
        self.test_action = self._action(_("Test channel"), self.test_selected, "Ctrl+T")
        self.edit_action = QAction(_("Edit channel"), self.table)
        self.edit_action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        self.edit_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.edit_action.triggered.connect(self.edit_selected)
        self.table.addAction(self.edit_action)
        self.remove_action = QAction(_("Remove channel"), self.table)
        self.remove_action.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_action.triggered.connect(self.remove_selected)
        self.table.addAction(self.remove_action)
        self.resize(1000, 420)
        self.reload()

    @property
    def actor(self) -> str:
        return self.ctx.actor

    def _action(self, text: str, slot, shortcut) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- the list ------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        from warroom.services import channels

        keep = select or (self.selected().name if self.selected() else None)
        self.model.set_rows(channels.list_channels(self.store))
        self._fit_kind()
        empty = self.model.rowCount() == 0
        self.hint.setVisible(empty)
        self.table.setVisible(not empty)
        row = self.model.row_of(keep) if keep else None
        if row is None and not empty:
            row = 0
        if row is not None:
            self.table.setCurrentIndex(self.model.index(row, 0))
        self._update_buttons()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_kind()

    def _fit_kind(self) -> None:
        """The Kind column as wide as its longest label (up to half the table): the
        last error, often empty, gives way rather than the kind being cut."""
        metrics = self.table.fontMetrics()
        texts = [self.model.cell_text(r, ChannelModel.KIND) for r in range(self.model.rowCount())]
        if texts:
            wanted = max(metrics.horizontalAdvance(t) for t in texts) + 18
            room = max(self.table.viewport().width(), self.width()) // 2
            self.table.setColumnWidth(ChannelModel.KIND, max(self.table.columnWidth(ChannelModel.KIND),
                                                             min(wanted, room)))

    def selected(self) -> ChannelView | None:
        index = self.table.currentIndex()
        return self.model.channel(index.row()) if index.isValid() else None

    def select(self, name: str) -> bool:
        row = self.model.row_of(name)
        if row is None:
            return False
        self.table.setCurrentIndex(self.model.index(row, 0))
        return True

    def names(self) -> list[str]:
        return [self.model.channel(r).name for r in range(self.model.rowCount())]

    def _update_buttons(self, *_args) -> None:
        c = self.selected()
        for b in (self.edit_button, self.test_button, self.enable_button, self.remove_button):
            b.setEnabled(c is not None)
        for a in (self.edit_action, self.test_action, self.remove_action):
            a.setEnabled(c is not None)
        self.enable_button.setText(_("E&nable") if c is not None and not c.enabled else _("&Disable"))
        self.enable_button.setToolTip(_("A disabled channel is skipped: routes fall back to the next channel")
                                      if c is None or c.enabled else _("Send through this channel again"))

    def _say(self, text: str, ok: bool) -> None:
        self.result.setStyleSheet(palette.good_style() if ok else palette.error_style())
        self.result.setText(text)

    # -- add and edit --------------------------------------------------------------

    def add(self) -> ChannelForm | None:
        return self._open_form(None)

    def edit_selected(self, *_args) -> ChannelForm | None:
        c = self.selected()
        return self._open_form(c) if c is not None else None

    def _open_form(self, existing: ChannelView | None) -> ChannelForm | None:
        if self.form is not None and qt_alive(self.form) and self.form.isVisible():
            self.form.raise_()
            self.form.activateWindow()
            return self.form
        form = ChannelForm(existing, self)
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.submitted.connect(lambda form=form: self._save(form))
        self.form = form
        form.open()
        return form

    def _save(self, form: ChannelForm) -> None:
        from warroom.services import channels

        try:
            values = form.values()
        except WarroomError as exc:
            form.show_error(exc)
            return
        store, actor, existing = self.store, self.actor, form.existing
        name, kind, config, secret = values["name"], values["kind"], values["config"], values.pop("secret")
        module = form.module
        if existing is None:
            try:  # the settings first (a pure check, no I/O), then the secret
                module.validate_config(dict(config))
            except WarroomError as exc:
                form.show_error(exc)
                return
        if existing is None and secret is None and channels.needs_secret(kind, config):
            form.show_error(_("Type the secret: {SECRET}.").format(SECRET=module.SECRET), "secret")
            if form.secret is not None:
                form.secret.setFocus()
            return
        if secret is not None and not ensure_secrets_unlocked(self):
            form.show_error(_("The secret was not saved: this machine has no keyring, and the encrypted secrets "
                            "file stays locked without its passphrase."))
            return
        if existing is None:
            def run():
                return channels.add(store, actor, name, kind, config, secret=secret)
        else:
            rename = name if name != existing.name else None

            def run():
                return channels.update(store, actor, existing.name, config=config, secret=secret, rename=rename)
        form.setEnabled(False)

        def saved(view: ChannelView) -> None:
            if qt_alive(form):
                form.setEnabled(True)
                form.finish()
            self.reload(select=view.name)
            said = _("Channel {name} added. Press Test (Ctrl+T) to check that it works.") if existing is None else \
                _("Channel {name} saved. Press Test (Ctrl+T) to check that it works.")
            self._say(said.format(name=view.name), True)
            self.changed.emit()

        def failed(error: BaseException) -> None:
            if qt_alive(form):
                form.setEnabled(True)
            if isinstance(error, WarroomError) and qt_alive(form):
                form.show_error(error)
            elif isinstance(error, WarroomError):
                self._say(str(error), False)
            else:
                self.ops.default_error(error)

        self.ops.write(run, saved, failed)

    # -- test, enable, remove ----------------------------------------------------------

    def test_selected(self) -> None:
        from warroom.channels.base import ChannelError
        from warroom.services import channels, outbox

        c = self.selected()
        if c is None:
            return
        store, name, actor = self.store, c.name, self.actor
        self.test_button.setEnabled(False)
        self._say(_("Testing {name}…").format(name=name), True)
        self.result.setStyleSheet("")

        def run() -> str:
            return channels.test(store, actor, name, timeout=outbox.settings(store).timeout_s)

        def done(text: str) -> None:
            if not qt_alive(self):
                return
            self._update_buttons()
            self._say(_("✓ {name} works: {text}").format(name=name, text=text), True)

        def failed(error: BaseException) -> None:
            if not qt_alive(self):
                return
            self._update_buttons()
            if isinstance(error, (ChannelError, WarroomError)):
                self._say(_("✗ {name} does not work: {error}").format(name=name, error=error), False)
            else:
                self.ops.default_error(error)

        self.ops.read(run, done, failed)

    def toggle_selected(self) -> None:
        from warroom.services import channels

        c = self.selected()
        if c is None:
            return
        store, actor, name, enable = self.store, self.actor, c.name, not c.enabled

        def done(view: ChannelView) -> None:
            self.reload(select=view.name)
            self._say((_("Channel {name} enabled.") if enable else _("Channel {name} disabled: routes skip it.")).format(
                name=view.name), True)
            self.changed.emit()

        self.ops.write(lambda: channels.update(store, actor, name, enabled=enable), done,
                       lambda error: self._failed(error))

    def remove_selected(self, *_args) -> None:
        from warroom.services import channels

        c = self.selected()
        if c is None:
            return
        answer = QMessageBox.question(
            self, _("Remove channel"),
            _("Remove the channel {name} ({label})?\n\nIts history stays in the outbox; its secret leaves the "
              "keyring. A channel the matrix still uses, or with deliveries waiting, is not removed.").format(
                name=c.name, label=c.label),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        store, actor, name = self.store, self.actor, c.name

        def done(_none) -> None:
            self.reload()
            self._say(_("Channel {name} removed.").format(name=name), True)
            self.changed.emit()

        self.ops.write(lambda: channels.remove(store, actor, name), done, lambda error: self._failed(error))

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, WarroomError):
            self._say(str(error), False)
        else:
            self.ops.default_error(error)
