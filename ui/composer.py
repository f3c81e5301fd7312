"""The composer: drafts for the selected incident, the audiences side by side,
each with a live preview and the linter's findings. Every pause in typing saves
a revision, so nothing written is lost."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from warroom.errors import WarroomError
from ui.editors import ChannelEditor, FindingsList, Preview, underline
from ui.qt import (
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QShortcut,
    QSplitter,
    Qt,
    QTextCursor,
    QTimer,
    QVBoxLayout,
    QWidget,
    Signal,
    qt_alive,
)

if TYPE_CHECKING:
    from warroom.services.drafts import DraftView
    from warroom.services.incidents import IncidentView
    from warroom.store import Store
    from ui.ops import Operations

AUTOSAVE_MS = 1200
LINT_MS = 200


class DraftColumn(QFrame):
    """One audience's draft: editor, preview, findings."""

    saved = Signal(object)  # DraftView
    submit_requested = Signal(object)   # DraftColumn
    publish_requested = Signal(object)  # DraftColumn

    def __init__(self, view: DraftView, *, external: bool, status: str, lint_config, save, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"draft-{view.audience}")
        self.view = view
        self.external = external
        self.status = status
        self.lint_config = lint_config
        self._save = save
        self.header = QLabel()
        self.header.setObjectName("draftHeader")
        self.header.setWordWrap(True)
        self.editor = ChannelEditor()
        self.editor.set_texts(view.subject, view.long, view.short, view.chat)
        self.preview = Preview()
        self.findings = FindingsList()
        self.findings.jump.connect(self._select)
        self.submit_button = QPushButton("Submit for review")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.clicked.connect(self._submit)
        self.publish_button = QPushButton("Publish")
        self.publish_button.setObjectName("publishButton")
        self.publish_button.clicked.connect(self._publish)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.submit_button)
        actions.addWidget(self.publish_button)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.editor)
        split.addWidget(self.preview)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(split, 1)
        layout.addWidget(self.findings)
        layout.addLayout(actions)
        self.setMinimumWidth(300)
        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_now)
        self._relint = QTimer(self)
        self._relint.setSingleShot(True)
        self._relint.setInterval(LINT_MS)
        self._relint.timeout.connect(self.refresh)
        self.editor.changed.connect(self._edited)
        self.editor.tabs.currentChanged.connect(self._tab_changed)
        self.blocking = False
        self.refresh()

    def _edited(self) -> None:
        self._relint.start()
        self._autosave.start()
        self._update_header(dirty=True)

    def _tab_changed(self, index: int) -> None:
        self.preview.tabs.setCurrentIndex(index)
        self.refresh()

    def refresh(self) -> None:
        """Preview and lint the words as they are now."""
        from warroom.lint import lint  # loaded with the first draft, not at start-up

        texts = self.editor.texts()
        self.preview.show_texts(texts["long"], texts["short"], texts["chat"])
        channel = self.editor.current_channel()
        all_findings = []
        for key, editor in self.editor.editors.items():
            found = lint(texts[key], external=self.external, status=self.status, channel=key,
                         config=self.lint_config)
            underline(editor, found)
            all_findings += found
            if key == channel:
                self.findings.show_findings(texts[key], found)
        # The subject is public too (an e-mail subject, a status page title).
        subject_findings = lint(texts["subject"], external=self.external, status=None, channel=None,
                                config=self.lint_config)
        if subject_findings:
            self.findings.add_findings("Subject", texts["subject"], subject_findings)
        all_findings += subject_findings
        self.blocking = any(f.blocking for f in all_findings)
        self._update_header(dirty=self._autosave.isActive())

    def _submit(self) -> None:
        self.save_now()
        self.submit_requested.emit(self)

    def _publish(self) -> None:
        self.publish_requested.emit(self)

    def _update_header(self, dirty: bool) -> None:
        v = self.view
        editable = v.state in ("draft", "changes_requested", "in_review", "approved", "disputed")
        self.editor.setEnabled(editable)
        self.submit_button.setEnabled(v.state in ("draft", "changes_requested") and not self.blocking)
        self.submit_button.setToolTip("The linter blocks this text" if self.blocking else "")
        unchanged_holding = v.preapproved and v.revision == 1 and v.state in ("draft", "in_review")
        self.publish_button.setEnabled(v.state in ("approved", "overridden") or unchanged_holding)
        state = "editing…" if dirty else f"revision {v.revision} saved · {v.state.replace('_', ' ')}"
        block = " · <span style='color:#c62828'><b>blocked by the linter</b></span>" if self.blocking else ""
        self.header.setText(f"<b>{v.audience.capitalize()}</b> · {v.locale} · {v.template or 'no template'} "
                            f"· {state}{block}")

    def save_now(self) -> None:
        self._autosave.stop()
        texts = self.editor.texts()
        self._save(self, texts)

    def revision_saved(self, view: DraftView) -> None:
        self.view = view
        self._update_header(dirty=self._autosave.isActive())
        self.saved.emit(view)

    def _select(self, start: int, end: int) -> None:
        editor = self.editor.editors[self.editor.current_channel()]
        cursor = editor.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        editor.setTextCursor(cursor)
        editor.setFocus()


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
                col.refresh()

    def _clear(self) -> None:
        for col in self.columns.values():
            col.setParent(None)
            col.deleteLater()
        self.columns.clear()

    def _add_column(self, view: DraftView) -> DraftColumn:
        col = DraftColumn(view, external=self._audiences.get(view.audience, True),
                          status=self.incident.status.value if self.incident else "investigating",
                          lint_config=self._lint_config, save=self._save_column, parent=self.strip)
        col.submit_requested.connect(self._submit_column)
        col.publish_requested.connect(self._publish_column)
        self.strip_layout.insertWidget(self.strip_layout.count() - 1, col)
        self.columns[view.id] = col
        return col

    # -- composing and saving ----------------------------------------------------

    def selected_audiences(self) -> list[str]:
        return [name for name, box in self.checks.items() if box.isChecked()]

    def compose(self) -> None:
        if self.store is None or self.incident is None or not self.compose_button.isEnabled():
            return
        from warroom.services import compose as compose_service
        from warroom.services import drafts

        self._say("")
        try:
            etr = None
            if self.etr_on.isChecked():
                start = datetime.fromtimestamp(self.etr_at.dateTime().toSecsSinceEpoch(), tz=timezone.utc)
                end = (datetime.fromtimestamp(self.etr_until.dateTime().toSecsSinceEpoch(), tz=timezone.utc)
                       if self.etr_window.isChecked() else None)
                etr = compose_service.make_etr(start, end, confidence=self.etr_conf.currentData(),
                                               assessor=self.etr_by.text())
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

    def _save_column(self, col: DraftColumn, texts: dict[str, str]) -> None:
        if self.store is None:
            return
        from warroom.services import drafts

        store, actor, draft_id = self.store, self.actor, col.view.id

        def saved(view) -> None:
            if qt_alive(col):  # the column may be gone (another incident); the revision is saved all the same
                col.revision_saved(view)

        self.ops.write(lambda: drafts.save_revision(store, actor, draft_id, **texts), saved,
                       lambda error: self._say(str(error)))

    def _say(self, message: str) -> None:
        self.message.setText(message)
        self.message.setVisible(bool(message))

    def _after_review_step(self, col: DraftColumn, message: str) -> None:
        from warroom.services import drafts

        if qt_alive(col) and self.store is not None:
            col.revision_saved(drafts.get(self.store, col.view.id, viewer=self.actor))
        self._say("")
        self.status_message.emit(message)
        self.changed.emit()

    def _submit_column(self, col: DraftColumn) -> None:
        from warroom.services import review

        store, actor, draft_id = self.store, self.actor, col.view.id
        self.ops.write(lambda: review.submit(store, actor, draft_id),
                       lambda made: self._after_review_step(
                           col, "In review: waiting for " + ", ".join(r.role.label.lower() for r in made) + "."),
                       lambda error: self._say(str(error)))

    def _publish_column(self, col: DraftColumn) -> None:
        """Say where the update will go, then publish it: once out, it cannot be called back."""
        from warroom.services import outbox

        store, draft_id, actor = self.store, col.view.id, self.actor
        exercise = bool(self.incident and self.incident.exercise)
        self.ops.read(lambda: outbox.preview(store, draft_id, viewer=actor),
                      lambda planned: self._confirm_publish(col, planned, exercise),
                      lambda error: self._say(str(error)))

    def _confirm_publish(self, col: DraftColumn, planned, exercise: bool) -> None:
        if not qt_alive(col):
            return
        if not confirm(self, "Publish update — War room",
                       publish_question(col.view.audience, planned, exercise=exercise), "&Publish"):
            self._say("Not published.")
            return
        self._do_publish(col)

    def _do_publish(self, col: DraftColumn) -> None:
        from warroom.services import publishing

        store, actor, draft_id = self.store, self.actor, col.view.id
        self.ops.write(lambda: publishing.publish(store, actor, draft_id),
                       lambda planned: self._after_review_step(col, _published_text(col.view.audience, planned)),
                       lambda error: self._say(str(error)))

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


def publish_question(audience: str, planned, *, exercise: bool = False) -> str:
    """The confirmation before publishing: where the update goes, to how many, and
    what will not happen."""
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
    return "\n".join(lines)


def _published_text(audience: str, planned) -> str:
    text = f"Update to {audience} published."
    if planned.deliveries:
        text += f" {planned.deliveries} queued for {', '.join(planned.channels)}."
    if planned.notes:
        text += " " + " ".join(planned.notes)
    return text
