"""The composer: drafts for the selected incident, the audiences side by side,
each with a live preview and the linter's findings. Every pause in typing saves
a revision, so nothing written is lost."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from warroom.errors import WarroomError
from ui.editors import FIELD_LABELS, ChannelEditor, FindingsList, Preview, underline
from ui.qt import (
    plain_tip,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QFont,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QShortcut,
    QSplitter,
    Qt,
    qt_alive,
    QTextCursor,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from warroom.services.drafts import DraftView
    from warroom.services.incidents import IncidentView
    from warroom.services.review import Allowed
    from warroom.store import Store
    from ui.ops import Operations

AUTOSAVE_MS = 1200
LINT_MS = 200

#: How each state reads in a column's header, and its colours (text, background).
_STATE_LOOK = {
    "draft": ("#37474f", "#eceff1"), "changes_requested": ("#ffffff", "#ef6c00"),
    "in_review": ("#ffffff", "#1565c0"), "approved": ("#ffffff", "#2e7d32"), "overridden": ("#ffffff", "#6a1b9a"),
    "disputed": ("#ffffff", "#ef6c00"), "published": ("#ffffff", "#2e7d32"), "retracted": ("#ffffff", "#c62828"),
    "withdrawn": ("#ffffff", "#616161"),
}
_KINDS = {"correction": "correction", "retraction": "retraction notice"}
_FINAL = ("published", "retracted", "withdrawn")


def _plain_label(name: str) -> QLabel:
    """A label that shows text as text: a header never renders what a user typed as HTML."""
    label = QLabel()
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _utc(when, *, same_day_as=None) -> str:
    """``14:05 UTC, 4 Dec`` (the date left out when it is ``same_day_as``'s)."""
    if when is None:
        return ""
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    if same_day_as is not None:
        other = same_day_as.astimezone(timezone.utc) if same_day_as.tzinfo is not None else same_day_as
        if other.date() == when.date():
            return f"{when:%H:%M} UTC"
    return f"{when:%H:%M} UTC, {when.day} {when:%b}"


class DraftColumn(QFrame):
    """One audience's draft: its words (the public title, the subject, each channel's
    text), a preview, the linter's findings, and the steps the core allows now."""

    saved = Signal(object)  # DraftView
    submit_requested = Signal(object)   # DraftColumn
    publish_requested = Signal(object)  # DraftColumn
    retract_requested = Signal(object)  # DraftColumn
    correct_requested = Signal(object)  # DraftColumn

    def __init__(self, view: DraftView, *, external: bool, status: str, lint_config, save, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"draft-{view.audience}")
        self.view = view
        #: What the core allows this window's person to do with the update (None until read).
        self.allowed: Allowed | None = None
        self.external = external
        self.status = status
        self.lint_config = lint_config
        self._save = save
        #: Edits per field since the column was made, and saves sent and not yet back.
        self._edits = {k: 0 for k in FIELD_LABELS}
        self._in_flight = 0
        self.audience_label = _plain_label("draftAudience")
        bold = QFont(self.audience_label.font())
        bold.setBold(True)
        self.audience_label.setFont(bold)
        self.state_label = _plain_label("draftState")
        self.blocked_label = _plain_label("draftBlocked")
        self.blocked_label.setText("Blocked by the linter: change the words marked in red.")
        self.blocked_label.setStyleSheet("color:#c62828; font-weight:bold;")
        self.blocked_label.setWordWrap(True)
        self.blocked_label.hide()
        self.header = _plain_label("draftHeader")
        self.header.setWordWrap(True)
        self.note = _plain_label("draftNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.editor = ChannelEditor(with_title=True)
        self.editor.set_texts(view.subject, view.long, view.short, view.chat, title=view.title)
        self.editor.mark_own(view.short_own, view.chat_own)
        self.editor.set_read_only(True, "Reading what you may do with this update…")
        self.preview = Preview()
        self.findings = FindingsList()
        self.findings.jump_field.connect(self._select)
        self.error = _plain_label("columnError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color:#c62828;")
        self.error.hide()
        self.submit_button = QPushButton("Submit for review")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.clicked.connect(self._submit)
        self.publish_button = QPushButton("Publish")
        self.publish_button.setObjectName("publishButton")
        self.publish_button.clicked.connect(self._publish)
        self.retract_button = QPushButton("Retract…")
        self.retract_button.setObjectName("retractButton")
        self.retract_button.clicked.connect(lambda: self.retract_requested.emit(self))
        self.correct_button = QPushButton("Draft correction")
        self.correct_button.setObjectName("correctButton")
        self.correct_button.clicked.connect(lambda: self.correct_requested.emit(self))
        for b in (self.submit_button, self.publish_button, self.retract_button, self.correct_button):
            b.setEnabled(False)  # until the core says
        top = QHBoxLayout()
        top.addWidget(self.audience_label)
        top.addWidget(self.state_label)
        top.addStretch(1)
        self.saved_label = _plain_label("draftSaved")
        self.saved_label.setStyleSheet("color:#616161;")
        top.addWidget(self.saved_label)
        actions = QHBoxLayout()
        actions.addStretch(1)
        for b in (self.submit_button, self.publish_button, self.retract_button, self.correct_button):
            actions.addWidget(b)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addWidget(self.blocked_label)
        layout.addWidget(self.note)
        layout.addWidget(split, 1)
        layout.addWidget(self.findings)
        layout.addWidget(self.error)
        layout.addLayout(actions)
        self.setMinimumWidth(320)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_now)
        self._relint = QTimer(self)
        self._relint.setSingleShot(True)
        self._relint.setInterval(LINT_MS)
        self._relint.timeout.connect(self.refresh)
        self.editor.field_edited.connect(self._edited)
        self.editor.tabs.currentChanged.connect(self._tab_changed)
        #: The live lint found something blocking (for display: the core decides what may go on).
        self.blocking = False
        self.refresh()

    def hasHeightForWidth(self) -> bool:
        # Wrapped labels would make the scroll area size the strip for their preferred
        # height, scrolling the buttons out of sight; the column fits the space it gets.
        return False

    # -- typing ------------------------------------------------------------------

    def _edited(self, field: str) -> None:
        self._edits[field] += 1
        self.editor.clear_error(field)
        self._relint.start()
        self._autosave.start()
        self._update_header()

    def _tab_changed(self, index: int) -> None:
        self.preview.tabs.setCurrentIndex(index)

    def dirty(self) -> bool:
        """Words typed that are not saved yet (or on their way)."""
        return self._autosave.isActive() or self._in_flight > 0

    def refresh(self) -> None:
        """Preview and lint the words as they are now: the core's own judgement
        (:func:`warroom.services.wording.judge`), so window and core agree."""
        from warroom.services import wording  # loaded with the first draft, not at start-up

        texts = self.editor.texts()
        v = self.view
        when = (f"(next update time as published: {_utc(v.next_update_at)})"
                if v.state in _FINAL and v.next_update_at is not None else None)
        self.preview.show_texts(texts["long"], texts["short"], texts["chat"], next_update=when)
        flags = wording.judge(texts, external=self.external, status=self.status, config=self.lint_config)
        for key, editor in self.editor.editors.items():
            underline(editor, [f.finding for f in flags if f.field == key])
        self.editor.mark_lines(flags)
        self.findings.show_flags(flags, acknowledged=self.view.acknowledged)
        self.blocking = any(f.blocking for f in flags)
        self._update_header()

    # -- saving ------------------------------------------------------------------

    def save_now(self, then=None) -> None:
        """Save the words as a new revision (the core keeps them as they are when
        nothing changed); ``then`` runs once what the core allows was read again."""
        self._autosave.stop()
        self._in_flight += 1
        self._update_header()
        self._save(self, self.editor.texts(), dict(self._edits), then)

    def revision_saved(self, view: DraftView, sent: dict[str, str] | None = None,
                       edits: dict[str, int] | None = None) -> None:
        """A save came back. An SMS or chat text the core derived again from a new
        long text goes into its editor, unless the user typed there since."""
        if sent is not None:
            self._in_flight = max(0, self._in_flight - 1)
        self.view = view
        rewritten = False
        if sent is not None and edits is not None:
            for key in ("short", "chat"):
                new = getattr(view, key)
                untouched = self._edits[key] == edits[key] and self.editor.editors[key].toPlainText() == sent[key]
                if new != sent[key] and untouched:
                    self.editor.set_field(key, new)
                    rewritten = True
        self.editor.mark_own(view.short_own, view.chat_own)
        self.editor.clear_error()
        self.say("")
        if rewritten:
            self.refresh()
        else:
            self._update_header()
        self.saved.emit(view)

    def save_failed(self, error: BaseException) -> None:
        self._in_flight = max(0, self._in_flight - 1)
        self.show_error(error)
        self._update_header()

    # -- what the core says ------------------------------------------------------

    def apply(self, view: DraftView, allowed: Allowed) -> None:
        """The update as the core has it now, and what this person may do with it:
        buttons follow ``allowed``, with the core's reason as their tooltip."""
        if view.revision < self.view.revision:
            return  # read before our own save landed: a newer read follows
        words_changed = view.content_hash != self.view.content_hash
        if words_changed and not self.dirty() and self.editor.texts() == self._texts_of(self.view):
            # Changed elsewhere (the command line, another window) while nobody typed here.
            self.editor.set_texts(view.subject, view.long, view.short, view.chat, title=view.title)
        self.view = view
        self.allowed = allowed
        a = allowed
        self.editor.mark_own(view.short_own, view.chat_own)
        self.editor.set_read_only(not a.can_edit, a.why_not_edit)
        final = view.state in _FINAL
        self.submit_button.setVisible(not final)
        self.publish_button.setVisible(not final)
        self.submit_button.setEnabled(a.can_submit)
        self.submit_button.setToolTip(plain_tip(a.why_not_submit or self._warned(
            "Ask for the reviews this update needs (Ctrl+Enter).", a)))
        self.publish_button.setEnabled(a.can_publish)
        self.publish_button.setToolTip(plain_tip(a.why_not_publish or self._warned("Publish it now (Ctrl+Shift+P).",
                                                                                   a)))
        self.retract_button.setVisible(view.state == "published" and view.kind != "retraction")
        self.retract_button.setEnabled(a.can_retract)
        self.retract_button.setToolTip(plain_tip(a.why_not_retract or "Take the words back now: pages drop them, "
                                                 "and those who got them are told. Asks for a reason."))
        self.correct_button.setVisible(view.state == "retracted")
        self.correct_button.setEnabled(a.can_correct)
        self.correct_button.setToolTip(plain_tip(a.why_not_correct or "Draft the corrected update, from these "
                                                 "words, reviewed like any update."))
        self.refresh()

    @staticmethod
    def _warned(text: str, a: Allowed) -> str:
        if not a.unacknowledged:
            return text
        return text + f"\nThe linter warns ({len(a.unacknowledged)}): you are asked to acknowledge it first."

    @staticmethod
    def _texts_of(view: DraftView) -> dict[str, str]:
        return view.texts()

    def show_error(self, error: BaseException) -> None:
        """The core's refusal, beside the field it names, or under the column; a
        refusal of the words lists its findings."""
        from warroom.services.wording import WordsRefused

        if isinstance(error, WordsRefused):
            self.say(str(error))
            self.findings.show_flags(error.flags)
            return
        if isinstance(error, WarroomError) and error.field and self.editor.show_error(error.field, str(error)):
            return
        self.say(str(error) if isinstance(error, WarroomError) else f"Not done: {error}")

    def say(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _update_header(self) -> None:
        v = self.view
        self.audience_label.setText(v.audience.capitalize())
        state = v.state.replace("_", " ")
        fg, bg = _STATE_LOOK.get(v.state, ("#37474f", "#eceff1"))
        self.state_label.setText(state.upper() if v.state in ("retracted", "withdrawn") else state)
        self.state_label.setStyleSheet(f"color:{fg}; background:{bg}; border-radius:3px; padding:1px 6px;"
                                       + (" font-weight:bold;" if v.state == "retracted" else ""))
        self.blocked_label.setVisible(self.blocking)
        if self._autosave.isActive():
            saved = "editing…"
        elif self._in_flight:
            saved = "saving…"
        else:
            saved = f"revision {v.revision} saved"
        self.saved_label.setText(saved)
        parts = [_KINDS[v.kind]] if v.kind in _KINDS else []
        parts += [v.locale, v.template or "no template"]
        self.header.setText(" · ".join(parts))
        self.header.setToolTip(plain_tip(f"Revision {v.revision} by {v.author}"))
        note = ""
        if v.state == "retracted":
            note = (f"Retracted {_utc(v.retracted_at)} by {v.retracted_by or 'someone'}: "
                    f"{v.retract_reason or 'no reason given'}")
        elif v.state == "published":
            note = f"Published {_utc(v.published_at)}"
            if v.next_update_at is not None:
                note += f" · next update due {_utc(v.next_update_at, same_day_as=v.published_at)}"
        elif self.allowed is not None and not self.allowed.can_edit and v.state not in _FINAL:
            note = self.allowed.why_not_edit or ""
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.note.setStyleSheet("color:#c62828;" if v.state == "retracted" else "")

    # -- steps -------------------------------------------------------------------

    def _submit(self) -> None:
        self.submit_requested.emit(self)

    def _publish(self) -> None:
        self.publish_requested.emit(self)

    def _select(self, field: str, start: int, end: int) -> None:
        if field in self.editor.editors:
            self.editor.tabs.setCurrentIndex(list(self.editor.editors).index(field))
            editor = self.editor.editors[field]
            cursor = editor.textCursor()
            cursor.setPosition(min(start, len(editor.toPlainText())))
            cursor.setPosition(min(end, len(editor.toPlainText())), QTextCursor.MoveMode.KeepAnchor)
            editor.setTextCursor(cursor)
            editor.setFocus()
            return
        line = self.editor.title if field == "title" else self.editor.subject
        if line is not None:
            line.setSelection(start, max(0, end - start))
            line.setFocus()


class ComposerView(QWidget):
    """Drafts for one incident. Ctrl+D composes drafts for the ticked audiences."""

    #: Something the window shows in its status bar; and that reviews or the timeline changed.
    status_message = Signal(str)
    changed = Signal()

    def __init__(self, ops: Operations, actor: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.ops = ops
        self.actor = actor
        self.store: Store | None = None
        self.incident: IncidentView | None = None
        self.columns: dict[uuid.UUID, DraftColumn] = {}
        self._audiences: dict[str, bool] = {}
        self._lint_config = None

        self.audience_row = QHBoxLayout()
        self.checks: dict[str, QCheckBox] = {}
        self.etr_on = QCheckBox("ETR")
        self.etr_on.setObjectName("etrOn")
        self.etr_at = QDateTimeEdit()
        self.etr_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.etr_at.setToolTip("Estimated resolution (your local time); tick 'until' for a window")
        self.etr_window = QCheckBox("until")
        self.etr_window.setObjectName("etrWindow")
        self.etr_until = QDateTimeEdit()
        self.etr_until.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.etr_conf = QComboBox()
        for c in ("low", "medium", "high"):
            self.etr_conf.addItem(f"{c} confidence", c)
        self.etr_conf.setCurrentIndex(1)
        self.etr_by = QLineEdit()
        self.etr_by.setObjectName("etrBy")
        self.etr_by.setPlaceholderText("assessed by")
        self.compose_button = QPushButton("Compose drafts (Ctrl+D)")
        self.compose_button.setObjectName("composeButton")
        self.compose_button.clicked.connect(self.compose)
        self.message = QLabel()
        self.message.setObjectName("composerMessage")
        self.message.setStyleSheet("color:#c62828;")
        self.etr_by.setMinimumWidth(160)
        self.message.setWordWrap(True)
        self.message.hide()
        top = QHBoxLayout()
        top.addWidget(QLabel("Audiences:"))
        top.addLayout(self.audience_row)
        top.addStretch(1)
        second = QHBoxLayout()
        for w in (self.etr_on, self.etr_at, self.etr_window, self.etr_until, self.etr_conf, self.etr_by):
            second.addWidget(w)
        second.addStretch(1)
        second.addWidget(self.compose_button)
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        self.strip = QWidget()
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.addStretch(1)
        self.area.setWidget(self.strip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.message)
        layout.addWidget(self.area, 1)
        self.compose_shortcut = QShortcut(QKeySequence("Ctrl+D"), self,
                                          context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.compose_shortcut.activated.connect(self.compose)
        # Ctrl+Enter submits the draft the cursor is in, Ctrl+Shift+P publishes it.
        self.submit_shortcuts = []
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.submit_current)
            self.submit_shortcuts.append(shortcut)
        self.publish_shortcut = QShortcut(QKeySequence("Ctrl+Shift+P"), self,
                                          context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.publish_shortcut.activated.connect(self.publish_current)

    # -- what is shown ---------------------------------------------------------

    def attach(self, store: Store) -> None:
        from warroom.services import audiences, settings

        self.store = store
        self._lint_config = settings.lint_config(store)
        if settings.get_org(store).name == settings.DEFAULT_ORG_NAME:
            self._say("Updates will say “our company” until you set your organisation's name: "
                      "warroom-cli org --name \"Example Corp\" --status-url https://status.example.com")
        for a in audiences.list_audiences(store):
            self._audiences[a.name] = a.external
            box = QCheckBox(a.label)
            box.setObjectName(f"audience-{a.name}")
            box.setToolTip("external: the linter blocks internal details" if a.external else "internal")
            box.setChecked(a.name in ("customers", "employees", "executives"))
            self.checks[a.name] = box
            self.audience_row.addWidget(box)

    def show_incident(self, incident: IncidentView | None) -> None:
        switching = incident is None or self.incident is None or incident.id != self.incident.id
        self.incident = incident
        self.setEnabled(incident is not None)
        if switching:
            self._flush()
            self._clear()
            if incident is not None and self.store is not None:
                from warroom.services import drafts

                for view in drafts.list_drafts(self.store, incident.id, viewer=self.actor):
                    self._add_column(view)
            self.etr_at.setDateTime(QDateTime.currentDateTime().addSecs(3600))
            self.etr_until.setDateTime(QDateTime.currentDateTime().addSecs(7200))
        elif incident is not None:
            for col in self.columns.values():
                col.status = incident.status.value
            self.reread()

    def reread(self) -> None:
        """Every draft of the incident as the core has it now, with what it allows:
        reviews decided elsewhere, drafts composed on the command line."""
        if self.store is None or self.incident is None:
            return
        from warroom.services import drafts, review

        store, actor, incident_id = self.store, self.actor, self.incident.id

        def read():
            return [(v, review.allowed(store, v.id, actor)) for v in drafts.list_drafts(store, incident_id,
                                                                                        viewer=actor)]

        def done(rows) -> None:
            if self.incident is None or self.incident.id != incident_id:
                return
            for view, allowed in rows:
                col = self.columns.get(view.id)
                if col is None:
                    col = self._add_column(view, read=False)
                col.apply(view, allowed)

        self.ops.read(read, done, lambda error: self._say(str(error)))

    def _clear(self) -> None:
        for col in self.columns.values():
            col.setParent(None)
            col.deleteLater()
        self.columns.clear()

    def _add_column(self, view: DraftView, *, read: bool = True) -> DraftColumn:
        if view.id in self.columns:
            return self.columns[view.id]
        col = DraftColumn(view, external=self._audiences.get(view.audience, True),
                          status=self.incident.status.value if self.incident else "investigating",
                          lint_config=self._lint_config, save=self._save_column, parent=self.strip)
        col.submit_requested.connect(self._submit_column)
        col.publish_requested.connect(self._publish_column)
        col.retract_requested.connect(self._retract_column)
        col.correct_requested.connect(self._correct_column)
        self.strip_layout.insertWidget(self.strip_layout.count() - 1, col)
        col.show()  # now, not at the next turn of the event loop: the keyboard may go there at once
        self.columns[view.id] = col
        if read:
            self.read_allowed(col)
        return col

    def read_allowed(self, col: DraftColumn, then=None) -> None:
        """Read the update and what the core allows with it, off the GUI thread; the
        column shows it, then ``then`` runs."""
        if self.store is None:
            return
        from warroom.services import drafts, review

        store, actor, draft_id = self.store, self.actor, col.view.id

        def done(result) -> None:
            if not qt_alive(col):
                return
            col.apply(*result)
            if then is not None:
                then()

        def failed(error: BaseException) -> None:
            if qt_alive(col):
                col.show_error(error)

        self.ops.read(lambda: (drafts.get(store, draft_id, viewer=actor), review.allowed(store, draft_id, actor)),
                      done, failed)

    # -- composing and saving ----------------------------------------------------

    def selected_audiences(self) -> list[str]:
        return [name for name, box in self.checks.items() if box.isChecked()]

    def compose(self) -> None:
        if self.store is None or self.incident is None or not self.compose_button.isEnabled():
            return
        from warroom.services.context import make_etr
        from warroom.services import drafts

        self._say("")
        try:
            etr = None
            if self.etr_on.isChecked():
                start = datetime.fromtimestamp(self.etr_at.dateTime().toSecsSinceEpoch(), tz=timezone.utc)
                end = (datetime.fromtimestamp(self.etr_until.dateTime().toSecsSinceEpoch(), tz=timezone.utc)
                       if self.etr_window.isChecked() else None)
                etr = make_etr(start, end, confidence=self.etr_conf.currentData(), assessor=self.etr_by.text())
        except WarroomError as exc:
            self._say(str(exc))
            return
        store, actor, incident_id, chosen = self.store, self.actor, self.incident.id, self.selected_audiences()
        self.compose_button.setEnabled(False)  # one compose at a time

        def done(views) -> None:
            self.compose_button.setEnabled(True)
            if self.incident is None or self.incident.id != incident_id:
                return  # the user moved on; the drafts show when they come back
            first = None
            for view in views:
                col = self._add_column(view)
                first = first or col
            if first is not None:
                self.area.ensureWidgetVisible(first)
                first.editor.editors["long"].setFocus()

        def failed(error: BaseException) -> None:
            self.compose_button.setEnabled(True)
            self._say(str(error))

        self.ops.write(lambda: drafts.compose_drafts(store, actor, incident_id, chosen, etr=etr), done, failed)

    def _save_column(self, col: DraftColumn, texts: dict[str, str], edits: dict[str, int], then=None) -> None:
        if self.store is None:
            return
        from warroom.services import drafts

        store, actor, draft_id = self.store, self.actor, col.view.id

        def saved(view) -> None:
            if qt_alive(col):  # the column may be gone (another incident); the revision is saved all the same
                col.revision_saved(view, texts, edits)
                self.read_allowed(col, then)

        def failed(error: BaseException) -> None:
            if qt_alive(col):
                col.save_failed(error)
            else:
                self._say(str(error))

        self.ops.write(lambda: drafts.save_revision(store, actor, draft_id, **texts), saved, failed)

    def _say(self, message: str) -> None:
        self.message.setText(message)
        self.message.setVisible(bool(message))

    def _after_step(self, col: DraftColumn, message: str) -> None:
        """A submit, publish or retraction went through: the column, the queue, the
        timeline and the status bar follow."""
        if qt_alive(col):
            self.read_allowed(col)
        self._say("")
        self.status_message.emit(message)
        self.changed.emit()

    def _saved_then(self, col: DraftColumn, step) -> None:
        """Run ``step`` on the words as saved, with what the core allows read afresh."""
        if col.dirty() or col.editor.texts() != col.view.texts():
            col.save_now(then=step)
        else:
            self.read_allowed(col, step)

    # -- the current column, for the keyboard ----------------------------------------

    def current_column(self) -> DraftColumn | None:
        """The draft the keyboard focus is in (the only one, when there is one)."""
        w = QApplication.focusWidget()
        while w is not None:
            if isinstance(w, DraftColumn) and w in self.columns.values():
                return w
            w = w.parentWidget()
        return next(iter(self.columns.values())) if len(self.columns) == 1 else None

    def submit_current(self) -> None:
        col = self.current_column()
        if col is None:
            self._say("Put the cursor in the draft to submit first.")
            return
        self._submit_column(col)

    def publish_current(self) -> None:
        col = self.current_column()
        if col is None:
            self._say("Put the cursor in the draft to publish first.")
            return
        self._publish_column(col)

    # -- the steps -------------------------------------------------------------------

    def _submit_column(self, col: DraftColumn) -> None:
        if self.store is None:
            return
        self._saved_then(col, lambda: self._submit_checked(col))

    def _submit_checked(self, col: DraftColumn) -> None:
        from warroom.services import review

        a = col.allowed
        if not qt_alive(col) or a is None:
            return
        if not a.can_submit:
            col.say(a.why_not_submit or "")
            return
        acknowledge = False
        if a.unacknowledged:
            if not confirm(self, "The linter warns — War room",
                           warnings_question(f"Submit the update to {col.view.audience} for review?",
                                             a.unacknowledged), "&Submit anyway"):
                self._say("Not submitted.")
                return
            acknowledge = True
        store, actor, draft_id = self.store, self.actor, col.view.id

        def done(made) -> None:
            text = "In review: waiting for " + ", ".join(r.role.label.lower() for r in made) + "."
            problems = getattr(made, "problems", None)
            if problems:
                text += " " + " ".join(problems)
            self._after_step(col, text)

        self.ops.write(lambda: review.submit(store, actor, draft_id, acknowledge=acknowledge), done,
                       lambda error: self._step_failed(col, error))

    def _step_failed(self, col: DraftColumn, error: BaseException) -> None:
        if qt_alive(col):
            col.show_error(error)
            self.read_allowed(col)
        else:
            self._say(str(error))

    def _publish_column(self, col: DraftColumn) -> None:
        """Say where the update will go, then publish it: once out, it cannot be called back."""
        if self.store is None:
            return
        from warroom.delivery import planning

        store, draft_id, actor = self.store, col.view.id, self.actor
        exercise = bool(self.incident and self.incident.exercise)

        def ask() -> None:
            if not qt_alive(col):
                return
            if col.allowed is None or not col.allowed.can_publish:
                col.say(col.allowed.why_not_publish if col.allowed else "")
                return
            self.ops.read(lambda: planning.preview(store, draft_id, viewer=actor),
                          lambda planned: self._confirm_publish(col, planned, exercise),
                          lambda error: self._step_failed(col, error))

        self._saved_then(col, ask)

    def _confirm_publish(self, col: DraftColumn, planned, exercise: bool) -> None:
        if not qt_alive(col) or col.allowed is None:
            return
        warnings = col.allowed.unacknowledged
        if not confirm(self, "Publish update — War room",
                       publish_question(col.view.audience, planned, exercise=exercise, warnings=warnings),
                       "&Publish"):
            self._say("Not published.")
            return
        self._do_publish(col, acknowledge=bool(warnings))

    def _do_publish(self, col: DraftColumn, *, acknowledge: bool = False) -> None:
        from warroom.services import publishing

        store, actor, draft_id = self.store, self.actor, col.view.id
        self.ops.write(lambda: publishing.publish(store, actor, draft_id, acknowledge=acknowledge),
                       lambda planned: self._after_step(col, _published_text(col.view.audience, planned)),
                       lambda error: self._step_failed(col, error))

    def _retract_column(self, col: DraftColumn) -> None:
        """Take a published update back, with a reason; the notice it sends shows as a column of its own."""
        if self.store is None or col.allowed is None or not col.allowed.can_retract:
            return
        from warroom.services import drafts, publishing

        reason = ask_reason(self, "Retract update — War room",
                            f"Retract the update to {col.view.audience}? Pages War room controls drop its words at "
                            "once, and channels that cannot unsend tell its recipients it was withdrawn.\n\n"
                            "Why is it retracted? (kept with the update)")
        if reason is None:
            self._say("Not retracted.")
            return
        store, actor, draft_id = self.store, self.actor, col.view.id

        def done(result) -> None:
            text = f"Update to {col.view.audience} retracted."
            if result.cancelled:
                text += f" {result.cancelled} queued deliver{'ies' if result.cancelled != 1 else 'y'} cancelled."
            if result.retractions:
                text += f" {result.retractions} withdrawal{'s' if result.retractions != 1 else ''} queued first."
            self._after_step(col, text)
            self.ops.read(lambda: drafts.get(store, result.notice_id, viewer=actor),
                          lambda view: self._add_column(view) if self.incident and
                          view.incident_id == self.incident.id else None)

        self.ops.write(lambda: publishing.retract(store, actor, draft_id, reason), done,
                       lambda error: self._step_failed(col, error))

    def _correct_column(self, col: DraftColumn) -> None:
        """Draft the correction of a retracted update, in a column of its own."""
        if self.store is None or col.allowed is None or not col.allowed.can_correct:
            return
        from warroom.services import drafts, publishing

        store, actor, draft_id = self.store, self.actor, col.view.id

        def added(view) -> None:
            if self.incident is None or view.incident_id != self.incident.id:
                return
            new = self._add_column(view)
            self.area.ensureWidgetVisible(new)
            new.editor.editors["long"].setFocus()

        def done(new_id) -> None:
            self._after_step(col, f"Correction drafted for {col.view.audience}: edit it, then submit it for review.")
            self.ops.read(lambda: drafts.get(store, new_id, viewer=actor), added,
                          lambda error: self._say(str(error)))

        self.ops.write(lambda: publishing.correct(store, actor, draft_id), done,
                       lambda error: self._step_failed(col, error))

    def _flush(self) -> None:
        """Save what is being typed now (switching incidents, closing)."""
        for col in self.columns.values():
            if col._autosave.isActive():
                col.save_now()

    def flush(self) -> None:
        self._flush()


def confirm(parent, title: str, text: str, action: str) -> bool:
    """Ask before something that cannot be undone; the action's button is the default
    and Escape cancels. (Tests replace this function.)"""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    button = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(button)
    box.exec()
    return box.clickedButton() is button


def ask_reason(parent, title: str, label: str) -> str | None:
    """Ask for a reason (a retraction's); None when cancelled. (Tests replace this function.)"""
    text, ok = QInputDialog.getMultiLineText(parent, title, label)
    return text if ok else None


def warnings_question(question: str, warnings) -> str:
    """A question that lists the linter's warnings nobody acknowledged yet: saying
    yes records the acknowledgement on the revision."""
    lines = [question, "", "The linter warns:"]
    lines += [f"  • {f.describe()}" for f in warnings]
    lines += ["", "Going on records that you read these warnings (once for this revision)."]
    return "\n".join(lines)


def publish_question(audience: str, planned, *, exercise: bool = False, warnings=()) -> str:
    """The confirmation before publishing: where the update goes, to how many, what
    will not happen, and the linter's warnings nobody acknowledged yet."""
    lines = [f"Publish the update to {audience}?"]
    if planned.channels:
        counts = planned.counts or (None,) * len(planned.channels)
        where = [f"  • {name}" + (f": {n} recipient{'s' if n != 1 else ''}" if n and n > 1 else "")
                 for name, n in zip(planned.channels, counts)]
        lines.append(("As an exercise it is only recorded as it would have been sent:" if exercise else
                      "It goes out now, and cannot be called back:"))
        lines.extend(where)
    else:
        lines.append("It is recorded as published and sent through no channel.")
    if planned.notes:
        lines.append("")
        lines.extend(planned.notes)
    if warnings:
        lines += ["", "The linter warns (publishing records that you read this):"]
        lines += [f"  • {f.describe()}" for f in warnings]
    return "\n".join(lines)


def _published_text(audience: str, planned) -> str:
    text = f"Update to {audience} published."
    if planned.deliveries:
        text += f" {planned.deliveries} queued for {', '.join(planned.channels)}."
    if planned.notes:
        text += " " + " ".join(planned.notes)
    return text
