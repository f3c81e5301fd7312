"""The Inquiries tab: the selected incident's stakeholder questions (open ones
stand out), a keyboard-first line to log one (question, who asked, category,
channel: Enter adds), marking the selected one answered by one of the incident's
updates, and the core's FAQ suggestion ("3 questions about ETA in 30 minutes —
draft a FAQ") with a button that drafts it. Where a shared mailbox is set
(``warroom-cli inquiry mailbox set``), its unread mail is logged as questions
every two minutes and on demand. Every write is one call of
:mod:`warroom.services.inquiries`; who may is the core's answer, shown when it
refuses. Key accounts' personal updates are drafted from here too (the people
who field their questions are the ones who brief them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.changes import Change
from ui.common import palette
from ui.common.access import add_tab, describe, label_for
from ui.common.tables import Column, RowTableModel, fixed_rows
from ui.lazy import LazyModule
from ui.qt import (
    QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, Qt,
    QTableView, QTimer, QVBoxLayout, QWidget, Signal, qt_alive,
)
from ui.i18n import ngettext, tr as _
from ui.common import sizes

if TYPE_CHECKING:
    from warroom.services.incidents import IncidentView
    from warroom.services.inquiries import InquiryView, Suggestion

inquiries = LazyModule("warroom.services.inquiries")
stakeholders = LazyModule("warroom.services.stakeholders")
drafts = LazyModule("warroom.services.drafts")
key_accounts = LazyModule("warroom.services.key_accounts")
refs = LazyModule("warroom.services.refs")
inquiry_mail = LazyModule("warroom.services.inquiry_mail")

#: How often the shared mailbox is read while the window is open (milliseconds).
MAILBOX_EVERY_MS = 120_000

#: The audiences the shipped FAQ templates speak to.
FAQ_AUDIENCES = ("customers", "employees", "partners")


def suggestion_text(s: Suggestion) -> str:
    """``3 questions about ETA in 12 minutes — draft a FAQ``, in the window's language."""
    return ngettext("{count} questions about {category} in {minutes} minute — draft a FAQ",
                    "{count} questions about {category} in {minutes} minutes — draft a FAQ", s.minutes).format(
        count=s.count, category=s.label, minutes=s.minutes)


class InquiryModel(RowTableModel):
    """One incident's inquiries, held in memory (tens, rarely hundreds, per incident):
    answered ones muted, an open one's answer in the warning colour."""

    REF, ASKED, CATEGORY, CHANNEL, FROM, ANSWER, TEXT = range(7)

    def __init__(self, parent=None) -> None:

        def answer(q: InquiryView) -> str:
            if not q.answered:
                return _("Open")
            return _("Open ({answer} {state})").format(answer=q.answer, state=q.answer_state) if q.open else q.answer

        def answered_tip(q: InquiryView) -> str | None:
            return _("Marked answered by {who} at {when:%Y-%m-%d %H:%M} UTC").format(
                who=q.answered_by, when=q.answered_at) if q.answered else None

        def plain(q: InquiryView):
            return None if q.open else palette.color(palette.Tone.MUTED)

        super().__init__([
            Column(_("Ref"), lambda q: q.ref, color=plain),
            Column(_("Asked (UTC)"), lambda q: f"{q.asked_at:%m-%d %H:%M}", color=plain),
            Column(_("Category"), lambda q: q.category, color=plain),
            Column(_("Channel"), lambda q: q.channel, color=plain),
            Column(_("From"), lambda q: q.asked_by, color=plain, tip=lambda q: _("In the stakeholder register")
                   if q.stakeholder else _("Not in the stakeholder register")),
            Column(_("Answer"), answer, color=lambda q: palette.color(palette.Tone.WARN if q.open else palette.Tone.MUTED), tip=answered_tip),
            Column(_("Question"), lambda q: " ".join(q.text.split()), color=plain, tip=lambda q: q.text),
        ], parent, key=lambda q: q.id)

    def inquiry(self, row: int) -> InquiryView | None:
        return self.row(row)


class InquiriesPanel(QWidget):
    """``failed``: an error to show; ``message``: a line for the status bar."""

    failed = Signal(object)
    message = Signal(str, int)

    def __init__(self, window, parent=None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.incident: IncidentView | None = None
        self.generation = 0
        self.suggestions: list[Suggestion] = []
        self.model = InquiryModel(self)
        self.view = QTableView()
        self.view.setObjectName("inquiries")
        self.view.setModel(self.model)
        fixed_rows(self.view)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(lambda *args: self._enable())
        describe(self.view, _("Questions"), _("The stakeholders' questions about this incident: choose one to mark it "
                                              "answered"))
        self.summary = QLabel()
        self.summary.setObjectName("inquirySummary")
        # The FAQ suggestion: shown only while the core suggests one.
        self.suggestion = QFrame()
        self.suggestion.setObjectName("faqSuggestion")
        self.suggestion.setFrameShape(QFrame.Shape.StyledPanel)
        self.suggestion_text = QLabel()
        self.suggestion_text.setObjectName("faqSuggestionText")
        self.suggestion_text.setTextFormat(Qt.TextFormat.PlainText)
        palette.keep(self.suggestion_text, lambda p: palette.text_style(palette.Tone.ACCENT, bold=True))
        self.faq_audience = QComboBox()
        self.faq_audience.setObjectName("faqAudience")
        self.faq_audience.addItems(list(FAQ_AUDIENCES))
        describe(self.faq_audience, None, _("Who the FAQ is for"))
        self.faq_button = QPushButton(_("Draft FAQ"))
        self.faq_button.setObjectName("draftFaq")
        self.faq_button.setToolTip(_("Compose a FAQ bulletin holding these questions from the audience's FAQ "
                                   "template; it is reviewed and published like any update"))
        self.faq_button.clicked.connect(self.draft_faq)
        bar = QHBoxLayout(self.suggestion)
        bar.setContentsMargins(8, 4, 8, 4)
        bar.addWidget(self.suggestion_text, 1)
        bar.addWidget(label_for(self.faq_audience, _("Au&dience:")))
        bar.addWidget(self.faq_audience)
        bar.addWidget(self.faq_button)
        self.suggestion.hide()
        # Marking one answered.
        self.answer_update = QComboBox()
        self.answer_update.setObjectName("answerUpdate")
        describe(self.answer_update, _("The update that answered it"),
                 _("Which of the incident's updates answered the chosen question"))
        self.answer_update.setMinimumWidth(sizes.chars(self.answer_update, 36))
        self.answer_button = QPushButton(_("Mark answered"))
        self.answer_button.setObjectName("markAnswered")
        self.answer_button.clicked.connect(self.toggle_answer)
        describe(self.answer_button, None, _("Mark the chosen question answered by that update, or open it again"),
                 tip=True)
        self.key_button = QPushButton(_("Draft key-account updates"))
        self.key_button.setObjectName("draftKeyAccounts")
        self.key_button.setToolTip(_("A personal update for each key account whose components this incident affects, "
                                   "drafted for its success manager and reviewed like any update"))
        self.key_button.clicked.connect(self.draft_key_accounts)
        # The shared mailbox: shown only where one is set; read on demand and every two minutes.
        self.mailbox = None            # its settings (host, folder), from the last read
        self.mailbox_button = QPushButton(_("Check mailbox"))
        self.mailbox_button.setObjectName("checkMailbox")
        self.mailbox_button.clicked.connect(lambda: self.check_mailbox(quiet=False))
        describe(self.mailbox_button, None, _("Log the shared mailbox's unread mail as questions now (it is also "
                                             "read every two minutes)"), tip=True)
        self.mailbox_button.hide()
        self.checking_mail = False
        self.mail_timer = QTimer(self)
        self.mail_timer.setInterval(MAILBOX_EVERY_MS)
        self.mail_timer.timeout.connect(lambda: self.check_mailbox(quiet=True))
        self.mail_timer.start()
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.mailbox_button)
        top.addWidget(self.key_button)
        answered_by = QLabel(_("Answered by"))
        answered_by.setBuddy(self.answer_update)    # names the list on every platform
        top.addWidget(answered_by)
        top.addWidget(self.answer_update)
        top.addWidget(self.answer_button)
        # Logging one: question first, Enter adds.
        self.text = QLineEdit()
        self.text.setObjectName("inquiryText")
        self.text.setPlaceholderText(_("The question, e.g. When will checkout work again?"))
        describe(self.text, _("Question"), _("What was asked; Enter logs it"))
        self.asked_by = QComboBox()
        self.asked_by.setObjectName("inquiryFrom")
        self.asked_by.setEditable(True)
        self.asked_by.setMinimumWidth(sizes.chars(self.asked_by, 24))
        self.asked_by.setToolTip(_("A stakeholder from the register, or a name and company as they gave it"))
        self.category = QComboBox()
        self.category.setObjectName("inquiryCategory")
        describe(self.category, None, _("What the question is about"))
        self.channel = QComboBox()
        self.channel.setObjectName("inquiryChannel")
        self.channel.setEditable(True)
        describe(self.channel, None, _("How the question came in, e.g. e-mail or phone"))
        self.add_button = QPushButton(_("Log question"))
        self.add_button.setObjectName("addInquiry")
        self.add_button.clicked.connect(self.add)
        describe(self.add_button, None, _("Log the question with who asked it, its category and channel"), tip=True)
        self.text.returnPressed.connect(self.add)
        self.asked_by.lineEdit().returnPressed.connect(self.add)
        # The question takes the width of the tab; who asked, what about and how below it.
        form = QHBoxLayout()
        for label, box in ((_("&Asked by:"), self.asked_by), (_("&Category:"), self.category),
                           (_("Cha&nnel:"), self.channel)):
            form.addWidget(label_for(box, label))
            form.addWidget(box)
        form.addStretch(1)
        form.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.suggestion)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.text)
        layout.addLayout(form)
        # Keyboard first: question, who asked, category, channel, then the button.
        for first, second in ((self.text, self.asked_by), (self.asked_by, self.category),
                              (self.category, self.channel), (self.channel, self.add_button)):
            QWidget.setTabOrder(first, second)
        self._enable()

    @property
    def ctx(self):
        return getattr(self.window_, "ctx", None)

    # -- reading ----------------------------------------------------------------------

    def show_incident(self, incident: IncidentView | None) -> None:
        switching = incident is None or self.incident is None or incident.id != self.incident.id
        self.incident = incident
        if switching:
            self.model.set_rows([])
            self.suggestions = []
            self.suggestion.hide()
        self.refresh()

    def refresh(self) -> None:
        ctx, incident = self.ctx, self.incident
        self.generation += 1
        if ctx is None or incident is None:
            self.model.set_rows([])
            self._enable()
            return
        generation, store, viewer, key = self.generation, ctx.store, ctx.actor, incident.id

        def read() -> dict[str, Any]:
            updates = drafts.list_drafts(store, key, viewer=viewer)
            names = refs.draft_names(store, [d.id for d in updates])
            return {"rows": inquiries.list_inquiries(store, key, viewer=viewer),
                    "suggestions": inquiries.suggestions(store, key, viewer=viewer),
                    "settings": inquiries.get_settings(store),
                    "people": [s.name for s in stakeholders.for_incident(store, incident)],
                    "mailbox": inquiry_mail.get_config(store),
                    "updates": [(d.id, f"{names[d.id][0]} · {d.audience} · {d.state.replace('_', ' ')}")
                                for d in updates if d.state not in ("withdrawn", "retracted")]}

        def shown(result) -> None:
            if qt_alive(self) and generation == self.generation:
                self._show(result)

        ctx.ops.read(read, shown, lambda error: None)

    def _show(self, result: dict[str, Any]) -> None:
        selected = self.selected()
        rows = result["rows"]
        self.model.set_rows(rows)
        if selected is not None:
            for i, q in enumerate(rows):
                if q.id == selected.id:
                    self.view.selectRow(i)
        _refill(self.asked_by, result["people"], keep_typed=True)
        _refill(self.category, list(result["settings"].categories))
        _refill(self.channel, list(inquiries.CHANNELS))
        self.mailbox = result.get("mailbox")
        self.mailbox_button.setVisible(self.mailbox is not None)
        if self.mailbox is not None:
            self.mailbox_button.setToolTip(_("Log the unread mail of {folder} on {host} as questions now (it is "
                                             "also read every two minutes)").format(
                folder=self.mailbox.folder, host=self.mailbox.host))
        chosen = self.answer_update.currentData()
        self.answer_update.clear()
        for draft_id, label in result["updates"]:
            self.answer_update.addItem(label, draft_id)
        if chosen is not None:
            at = self.answer_update.findData(chosen)
            if at >= 0:
                self.answer_update.setCurrentIndex(at)
        open_ = sum(1 for q in rows if q.open)
        self.summary.setText(_("{rows} question(s), {open} open").format(
            rows=len(rows), open=open_) if rows else _("No questions logged yet."))
        self.suggestions = list(result["suggestions"])
        if self.suggestions:
            top = self.suggestions[0]
            others = len(self.suggestions) - 1
            more = ngettext(" (and {count} more category)", " (and {count} more categories)", others).format(
                count=others) if others else ""
            self.suggestion_text.setText(suggestion_text(top) + more)
            self.suggestion.show()
        else:
            self.suggestion.hide()
        self._enable()

    def selected(self) -> InquiryView | None:
        index = self.view.currentIndex()
        return self.model.inquiry(index.row()) if index.isValid() else None

    def _enable(self) -> None:
        q = self.selected()
        self.answer_button.setText(_("Reopen") if q is not None and q.answered else _("Mark answered"))
        self.answer_button.setEnabled(q is not None and (q.answered or self.answer_update.count() > 0))
        self.add_button.setEnabled(self.incident is not None)
        self.faq_button.setEnabled(bool(self.suggestions))
        self.key_button.setEnabled(self.incident is not None)
        self.mailbox_button.setEnabled(self.incident is not None and not self.checking_mail)

    # -- writing: one service call each ----------------------------------------------

    def add(self) -> None:
        ctx, incident = self.ctx, self.incident
        if ctx is None or incident is None:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id
        text, who = self.text.text(), self.asked_by.currentText()
        category, channel = self.category.currentText(), self.channel.currentText() or "email"

        def added(q: InquiryView) -> None:
            self.text.clear()
            self.text.setFocus()
            self.message.emit(_("Logged {ref}: {category} question from {asked_by}.").format(
                ref=q.ref, category=q.category, asked_by=q.asked_by), 5000)

        ctx.ops.write(lambda: inquiries.add_inquiry(store, actor, key, text, asked_by=who, category=category,
                                                    channel=channel), added, self.failed.emit)

    def toggle_answer(self) -> None:
        ctx, q = self.ctx, self.selected()
        if ctx is None or q is None:
            return
        store, actor, qid, update = ctx.store, ctx.actor, q.id, self.answer_update.currentData()
        if q.answered:
            ctx.ops.write(lambda: inquiries.reopen(store, actor, qid),
                          lambda v: self.message.emit(_("{ref} is open again.").format(
                              ref=v.ref), 4000), self.failed.emit)
            return
        if update is None:
            return
        ctx.ops.write(lambda: inquiries.answer(store, actor, qid, update),
                      lambda v: self.message.emit(_("{ref} answered by {answer}.").format(
                          ref=v.ref, answer=v.answer), 4000), self.failed.emit)

    def draft_faq(self) -> None:
        """Draft the FAQ the core suggests first (the Updates tab then shows it)."""
        ctx, incident = self.ctx, self.incident
        if ctx is None or incident is None or not self.suggestions:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id
        category, audience = self.suggestions[0].category, self.faq_audience.currentText()

        def drafted(view) -> None:
            self.message.emit(_("Drafted a FAQ on {category} for {audience}: write the answers and submit it in "
                                "Updates.").format(category=category, audience=audience), 8000)

        ctx.ops.write(lambda: inquiries.draft_faq(store, actor, key, category, audience=audience), drafted,
                      self.failed.emit)


    def draft_key_accounts(self) -> None:
        """One personal update per affected key account (the Updates tab then shows them)."""
        ctx, incident = self.ctx, self.incident
        if ctx is None or incident is None:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id

        def drafted(made) -> None:
            names = ", ".join(d.addressee or "?" for d in made.drafts) or _("nobody")
            skipped = _(" Not drafted: {names}").format(names=" ".join(made.skipped)) if made.skipped else ""
            self.message.emit(_("Drafted personal updates for {names}: review them in Updates.{skipped}").format(
                names=names, skipped=skipped), 10000)

        ctx.ops.write(lambda: key_accounts.draft_key_accounts(store, actor, key), drafted, self.failed.emit)


    def check_mailbox(self, *, quiet: bool) -> None:
        """Log the shared mailbox's unread mail as questions: on the incident each subject
        names, else the one shown. ``quiet`` (the timer's): a failure is a status line, not
        a dialog, and an incident that is resolved or a mailbox not set is left alone."""
        ctx, incident = self.ctx, self.incident
        if ctx is None or incident is None or self.checking_mail or self.mailbox is None:
            return
        if quiet and not incident.active:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id
        self.checking_mail = True
        self._enable()

        def fetched(out) -> None:
            self.checking_mail = False
            if not qt_alive(self):
                return
            self._enable()
            if out.logged or out.skipped or not quiet:
                skipped = ngettext(" {count} message left unread: {why}", " {count} messages left unread: {why}",
                                   len(out.skipped)).format(count=len(out.skipped), why="; ".join(out.skipped[:3])) \
                    if out.skipped else ""
                self.message.emit(ngettext("Logged {count} question from the mailbox.",
                                           "Logged {count} questions from the mailbox.",
                                           len(out.logged)).format(count=len(out.logged)) + skipped, 10000)

        def failed(error) -> None:
            self.checking_mail = False
            if not qt_alive(self):
                return
            self._enable()
            if quiet:
                self.message.emit(_("The mailbox could not be read: {error}").format(error=error), 10000)
            else:
                self.failed.emit(error)

        ctx.ops.write(lambda: inquiry_mail.fetch(store, actor, key), fetched, failed)


def _refill(combo: QComboBox, items: list[str], *, keep_typed: bool = False) -> None:
    """Replace a combo's items when they changed, keeping what was chosen or typed."""
    current = combo.currentText()
    if [combo.itemText(i) for i in range(combo.count())] != items:
        combo.clear()
        combo.addItems(items)
    if keep_typed and combo.isEditable():
        combo.setEditText(current)
    elif current in items:
        combo.setCurrentText(current)


def install(window) -> InquiriesPanel:
    """Add the Inquiries tab to the main window and have it follow the writes that
    change inquiries, updates, the register or the settings."""
    panel = InquiriesPanel(window)
    add_tab(window.tabs, panel, _("Inquiries"), _("Stakeholders' questions, and the updates that answered them"))
    panel.failed.connect(lambda error: window.show_error(error))
    panel.message.connect(lambda text, msecs: window.statusBar().showMessage(text, msecs))
    window.followers.append((Change.INQUIRIES | Change.DRAFTS | Change.STAKEHOLDERS | Change.SETTINGS,
                             lambda flags, own: panel.refresh()))
    return panel
