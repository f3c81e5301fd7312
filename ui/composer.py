"""The composer: drafts for the selected incident, one column per audience side by
side, each showing the audience's current draft first (earlier updates in its
history list), with a live preview and the linter's findings. Every pause in
typing saves a revision, so nothing written is lost."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from warroom.errors import WarroomError
from warroom.text.timefmt import TimeFormatter
from ui.common import palette
from ui.common.access import describe, label_for
from ui.draft_column import FINAL_STATES, AudiencePane, DraftColumn
from ui.keys import RETRACT_KEYS, ask_text
from ui.qt import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QShortcut,
    Qt,
    qt_alive,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.i18n import ngettext, tr as _
from ui.common import sizes

if TYPE_CHECKING:
    from warroom.services.drafts import DraftView
    from warroom.services.incidents import IncidentView
    from warroom.store import Store
    from ui.ops import Operations


class ComposerView(QWidget):
    """Drafts for one incident. Ctrl+D composes drafts for the ticked audiences."""

    #: Something the window shows in its status bar; and that reviews or the timeline changed.
    status_message = Signal(str)
    changed = Signal()

    def __init__(self, ops: Operations, actor: str, parent=None, *, local: TimeFormatter | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        #: How times read (the window's: the locale's clock and the local zone).
        self.local = local or TimeFormatter()
        self.ops = ops
        self.actor = actor
        self.store: Store | None = None
        self.incident: IncidentView | None = None
        #: Every draft column made (the current ones, and earlier updates opened for reading).
        self.columns: dict[uuid.UUID, DraftColumn] = {}
        #: One pane per audience, in the order they first appeared.
        self.panes: dict[str, AudiencePane] = {}
        self._audiences: dict[str, bool] = {}
        self._lint_config = None

        self.audience_row = QHBoxLayout()
        self.checks: dict[str, QCheckBox] = {}
        self.etr_on = QCheckBox(_("ETR"))
        self.etr_on.setObjectName("etrOn")
        self.etr_at = QDateTimeEdit()
        self.etr_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.etr_at.setToolTip(_("Estimated resolution (your local time); tick Window to give the latest time as well"))
        self.etr_window = QCheckBox(_("Window"))
        self.etr_window.setObjectName("etrWindow")
        describe(self.etr_window, None, _("Give a window: resolution expected between the two times"))
        self.etr_until = QDateTimeEdit()
        self.etr_until.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.etr_until.setEnabled(False)
        self.etr_window.toggled.connect(self.etr_until.setEnabled)
        describe(self.etr_until, None, _("The end of the window, in your local time"))
        self.etr_conf = QComboBox()
        for level, word in (("low", _("low")), ("medium", _("medium")), ("high", _("high"))):
            self.etr_conf.addItem(word, level)
        self.etr_conf.setCurrentIndex(1)
        describe(self.etr_conf, None, _("How sure the estimate is; the drafts say it"))
        self.etr_by = QLineEdit()
        self.etr_by.setObjectName("etrBy")
        self.etr_by.setPlaceholderText(_("assessed by"))
        describe(self.etr_by, _("Assessed by"), _("Who made the estimate, e.g. the database team"))
        self.compose_button = QPushButton(_("Compose drafts (Ctrl+D)"))
        self.compose_button.setObjectName("composeButton")
        describe(self.compose_button, None, _("Write a draft for each ticked audience from its template"), tip=True)
        self.compose_button.clicked.connect(self.compose)
        self.message = QLabel()
        self.message.setObjectName("composerMessage")
        palette.keep(self.message, lambda p: palette.error_style())
        self.etr_by.setMinimumWidth(sizes.chars(self.etr_by, 22))
        self.message.setWordWrap(True)
        self.message.hide()
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Audiences:")))
        top.addLayout(self.audience_row)
        top.addStretch(1)
        top.addWidget(self.etr_on)
        top.addWidget(self.compose_button)
        # The estimate's details take a row only while an ETR is given: the drafts keep the height.
        self.etr_row = QWidget()
        self.etr_row.setObjectName("etrRow")
        second = QHBoxLayout(self.etr_row)
        second.setContentsMargins(0, 0, 0, 0)
        for w in (label_for(self.etr_at, _("&Estimated resolution:")), self.etr_at, self.etr_window,
                  label_for(self.etr_until, _("&Until:")), self.etr_until,
                  label_for(self.etr_conf, _("&Confidence:")), self.etr_conf, self.etr_by):
            second.addWidget(w)
        second.addStretch(1)
        self.etr_row.setVisible(False)
        self.etr_on.toggled.connect(self.etr_row.setVisible)
        self.etr_on.setToolTip(_("Give an estimated time of resolution in the drafts"))
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        self.strip = QWidget()
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(4, 4, 4, 4)
        self.area.setWidget(self.strip)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.etr_row)
        layout.addWidget(self.message)
        layout.addWidget(self.area, 1)
        self.compose_shortcut = QShortcut(QKeySequence("Ctrl+D"), self,
                                          context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.compose_shortcut.activated.connect(self.compose)
        # Ctrl+Enter submits the draft the cursor is in, Ctrl+Shift+P publishes it, Ctrl+Shift+Backspace
        # retracts it once published.
        self.submit_shortcuts = []
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.submit_current)
            self.submit_shortcuts.append(shortcut)
        self.publish_shortcut = QShortcut(QKeySequence("Ctrl+Shift+P"), self,
                                          context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.publish_shortcut.activated.connect(self.publish_current)
        self.retract_shortcut = QShortcut(QKeySequence(RETRACT_KEYS), self,
                                          context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.retract_shortcut.activated.connect(self.retract_current)

    # -- what is shown ---------------------------------------------------------

    def attach(self, store: Store) -> None:
        from warroom.services import audiences, settings

        self.store = store
        self._lint_config = settings.lint_config(store)
        if settings.get_org(store).name == settings.DEFAULT_ORG_NAME:
            self._say(_("Updates will say “our company” until you set your organisation's name: "
                      "warroom-cli org --name \"Example Corp\" --status-url https://status.example.com"))
        for a in audiences.list_audiences(store):
            self._audiences[a.name] = a.external
            box = QCheckBox(a.label)
            box.setObjectName(f"audience-{a.name}")
            box.setToolTip(_("external: the linter blocks internal details") if a.external else _("internal"))
            box.setChecked(a.name in ("customers", "employees", "executives"))
            self.checks[a.name] = box
            self.audience_row.addWidget(box)
            box.show()  # now, not later as a layout would: Ctrl+Shift+U puts the focus on the first
        # Tab goes as the row reads: the audiences (made last), the estimate, Compose, then the drafts.
        chain = [*self.checks.values(), self.etr_on, self.etr_at, self.etr_window, self.etr_until, self.etr_conf,
                 self.etr_by, self.compose_button, self.area]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

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
                    self._pane(view.audience).add(view)
                for pane in self.panes.values():
                    self._show_current(pane)
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
            allowed_of = {}
            for view, allowed in rows:
                self._pane(view.audience).add(view)
                allowed_of[view.id] = allowed
                col = self.columns.get(view.id)
                if col is not None:
                    col.apply(view, allowed)
            for pane in self.panes.values():
                current = pane.current()
                if current is not None and current.id not in self.columns:
                    col = self._column(current, read=False)
                    if current.id in allowed_of:
                        col.apply(current, allowed_of[current.id])
                self._show_current(pane, keep=True)

        self.ops.read(read, done, lambda error: self._say(str(error)))

    def _clear(self) -> None:
        for pane in self.panes.values():
            pane.setParent(None)
            pane.deleteLater()
        self.panes.clear()
        self.columns.clear()

    def _pane(self, audience: str) -> AudiencePane:
        pane = self.panes.get(audience)
        if pane is None:
            pane = AudiencePane(audience, self.strip, local=self.local)
            pane.chosen.connect(lambda draft_id, pane=pane: self._choose(pane, draft_id))
            self.strip_layout.addWidget(pane, 1)
            pane.show()
            self.panes[audience] = pane
        return pane

    def _column(self, view: DraftView, *, read: bool = True) -> DraftColumn:
        """The column of a draft, made the first time it is shown."""
        if view.id in self.columns:
            return self.columns[view.id]
        pane = self._pane(view.audience)
        col = DraftColumn(view, external=self._audiences.get(view.audience, True),
                          status=self.incident.status.value if self.incident else "investigating",
                          lint_config=self._lint_config, save=self._save_column, local=self.local,
                          parent=pane.stack)
        col.submit_requested.connect(self._submit_column)
        col.publish_requested.connect(self._publish_column)
        col.retract_requested.connect(self._retract_column)
        col.correct_requested.connect(self._correct_column)
        pane.stack.addWidget(col)
        col.audience_label.hide()     # the pane names the audience above its list
        self.columns[view.id] = col
        if read:
            self.read_allowed(col)
        return col

    def _show_current(self, pane: AudiencePane, *, keep: bool = False) -> DraftColumn | None:
        """Show the audience's current draft (with ``keep``, an earlier update being
        read stays shown); earlier ones become read only."""
        current = pane.current()
        if current is None:
            return None
        col = self._column(current)
        for other in pane.views:
            if other.id != current.id and other.id in self.columns:
                self.columns[other.id].set_history(True)
        col.set_history(False)
        shown = pane.stack.currentWidget()
        if not (keep and isinstance(shown, DraftColumn) and shown.history and shown.view.audience == pane.audience):
            pane.stack.setCurrentWidget(col)
            shown = col
        pane.refill(shown.view.id)
        return col

    def _choose(self, pane: AudiencePane, draft_id) -> None:
        """An update chosen in an audience's history list: shown for reading (None: the current draft)."""
        view = next((v for v in pane.views if v.id == draft_id), None)
        if view is None:
            self._show_current(pane)
            return
        col = self._column(view)
        col.set_history(True)
        pane.stack.setCurrentWidget(col)
        pane.refill(view.id)

    def focus_audience(self, audience: str | None) -> None:
        """Bring an audience forward (a reminder's button): its current draft when one is
        being worked on, else its box ticked alone, ready to compose (Ctrl+D)."""
        pane = self.panes.get(audience) if audience else None
        current = pane.current() if pane is not None else None
        if pane is not None and current is not None and current.state not in FINAL_STATES:
            col = self._show_current(pane)
            self.area.ensureWidgetVisible(pane)
            if col is not None:
                col.editor.editors["long"].setFocus()
            return
        if audience in self.checks:
            for name, box in self.checks.items():
                box.setChecked(name == audience)
            self._say("")
            self.status_message.emit(_("Ready to compose the update to {audience}: Ctrl+D.").format(audience=audience))
        self.compose_button.setFocus()

    def _add_column(self, view: DraftView) -> DraftColumn:
        """A draft made now (composed, a correction, a retraction notice): known to its
        audience's pane, and shown there when it is the current one."""
        pane = self._pane(view.audience)
        pane.add(view)
        col = self._column(view)
        current = self._show_current(pane)
        if current is not col:
            col.set_history(True)
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

    def current_column(self, *, history: bool = False) -> DraftColumn | None:
        """The draft the keyboard focus is in (the only one, when there is one); with
        ``history``, an earlier update being read counts too."""
        w = QApplication.focusWidget()
        while w is not None:
            if isinstance(w, DraftColumn) and w in self.columns.values() and (history or not w.history):
                return w
            w = w.parentWidget()
        if len(self.panes) == 1:
            shown = next(iter(self.panes.values())).stack.currentWidget()
            return shown if isinstance(shown, DraftColumn) and (history or not shown.history) else None
        return None

    def submit_current(self) -> None:
        col = self.current_column()
        if col is None:
            self._say(_("Put the cursor in the draft to submit first."))
            return
        self._submit_column(col)

    def publish_current(self) -> None:
        col = self.current_column()
        if col is None:
            self._say(_("Put the cursor in the draft to publish first."))
            return
        self._publish_column(col)

    def retract_current(self) -> None:
        col = self.current_column(history=True)
        if col is None:
            self._say(_("Put the cursor in the update to retract first."))
            return
        if col.allowed is not None and not col.allowed.can_retract:
            col.say(col.allowed.why_not_retract or "")
            return
        self._retract_column(col)

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
            if not confirm(self, _("The linter warns — War room"),
                           warnings_question(_("Submit the update to {audience} for review?").format(
                               audience=col.view.audience),
                                             a.unacknowledged), _("&Submit anyway")):
                self._say(_("Not submitted."))
                return
            acknowledge = True
        store, actor, draft_id = self.store, self.actor, col.view.id

        def done(made) -> None:
            text = _("In review: waiting for {roles}.").format(roles=", ".join(r.role.label.lower() for r in made))
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
        if not confirm(self, _("Publish update — War room"),
                       publish_question(col.view.audience, planned, exercise=exercise, warnings=warnings),
                       _("&Publish")):
            self._say(_("Not published."))
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

        reason = ask_reason(self, _("Retract update — War room"),
                            _("Retract the update to {audience}? Pages War room controls drop its words at once, "
                              "and channels that cannot unsend tell its recipients it was withdrawn.\n\nWhy is it "
                              "retracted? (kept with the update)").format(audience=col.view.audience))
        if reason is None:
            self._say(_("Not retracted."))
            return
        store, actor, draft_id = self.store, self.actor, col.view.id

        def done(result) -> None:
            text = _("Update to {audience} retracted.").format(audience=col.view.audience)
            if result.cancelled:
                text += " " + ngettext("{count} queued delivery cancelled.", "{count} queued deliveries cancelled.",
                                       result.cancelled).format(count=result.cancelled)
            if result.retractions:
                text += " " + ngettext("{count} withdrawal queued first.", "{count} withdrawals queued first.",
                                       result.retractions).format(count=result.retractions)
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
            self._after_step(col, _("Correction drafted for {audience}: edit it, then submit it for review.").format(
                audience=col.view.audience))
            self.ops.read(lambda: drafts.get(store, new_id, viewer=actor), added,
                          lambda error: self._say(str(error)))

        self.ops.write(lambda: publishing.correct(store, actor, draft_id), done,
                       lambda error: self._step_failed(col, error))

    def _flush(self) -> None:
        """Save what is being typed now (switching incidents, closing)."""
        for col in self.columns.values():
            col.save_if_typing()

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
    """Ask for a reason (a retraction's); None when cancelled. Ctrl+Enter, or Tab then
    Enter, retracts. (Tests replace this function.)"""
    return ask_text(parent, title, label, _("&Retract"))


def warnings_question(question: str, warnings) -> str:
    """A question that lists the linter's warnings nobody acknowledged yet: saying
    yes records the acknowledgement on the revision."""
    lines = [question, "", _("The linter warns:")]
    lines += [f"  • {f.describe()}" for f in warnings]
    lines += ["", _("Going on records that you read these warnings (once for this revision).")]
    return "\n".join(lines)


def publish_question(audience: str, planned, *, exercise: bool = False, warnings=()) -> str:
    """The confirmation before publishing: where the update goes, to how many, what
    will not happen, and the linter's warnings nobody acknowledged yet."""
    lines = [_("Publish the update to {audience}?").format(audience=audience)]
    if planned.channels:
        counts = planned.counts or (None,) * len(planned.channels)
        where = [f"  • {name}" + (ngettext(": {count} recipient", ": {count} recipients", n).format(count=n)
                                   if n and n > 1 else "")
                 for name, n in zip(planned.channels, counts)]
        lines.append((_("As an exercise it is only recorded as it would have been sent:") if exercise else
                      _("It goes out now, and cannot be called back:")))
        lines.extend(where)
    else:
        lines.append(_("It is recorded as published and sent through no channel."))
    if planned.notes:
        lines.append("")
        lines.extend(planned.notes)
    if warnings:
        lines += ["", _("The linter warns (publishing records that you read this):")]
        lines += [f"  • {f.describe()}" for f in warnings]
    return "\n".join(lines)


def _published_text(audience: str, planned) -> str:
    text = _("Update to {audience} published.").format(audience=audience)
    if planned.deliveries:
        text += " " + ngettext("{count} delivery queued for {channels}.", "{count} deliveries queued for {channels}.",
                               planned.deliveries).format(count=planned.deliveries, channels=", ".join(planned.channels))
    if planned.notes:
        text += " " + " ".join(planned.notes)
    return text
