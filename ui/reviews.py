"""The approval queue: what waits for me first, by deadline, with a live countdown;
then everything in review for the incident. A review shows the revision as it
goes out (public title, subject, the long, SMS and chat texts: all are reviewed),
what changed since the previous one and since the template, and the linter's
findings as the core judges them; approve, request changes or reject from the
keyboard. An approval over warnings nobody acknowledged asks once."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from warroom.errors import WarroomError
from warroom.text.durations import duration_text
from ui.qt import (
    plain_tip,
    QAbstractItemView,
    QAbstractTableModel,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QModelIndex,
    QPlainTextEdit,
    QPushButton,
    QShortcut,
    QSplitter,
    Qt,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from ui.common import palette
from ui.common.access import add_row, add_tab, describe
from ui.common.palette import Tone
from ui.editors import EDITOR_WORDS, SUBJECT_WORDS, FindingsList
from ui.i18n import N_, tr as _

if TYPE_CHECKING:
    from warroom.services.review import QueueItem


class ReviewQueueModel(QAbstractTableModel):
    COLUMNS = (N_("Due in"), N_("Incident"), N_("Audience"), N_("Review"), N_("Waiting for"), N_("Rev."))

    def __init__(self, clock, parent=None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.items: list[QueueItem] = []

    def set_items(self, items) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def tick(self) -> None:
        if self.items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.items) - 1, 0))

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(self.COLUMNS[section])
        return None

    def _left(self, item):
        due = item.request.due_at
        return None if due is None else due - self.clock.now()

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self.items[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                left = self._left(item)
                if left is None:
                    return "—"
                return duration_text(left, "clock") if left.total_seconds() >= 0 else \
                    _("overdue {left}").format(left=duration_text(left, "clock"))
            return (None, item.incident_ref, item.audience, item.request.role.label,
                    item.request.assignee or _("anyone with the role"), f"r{item.request.revision}")[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if not item.mine:
                return palette.brush(Tone.MUTED)
            if col == 0:
                left = self._left(item)
                if left is not None and left.total_seconds() < 0:
                    return palette.brush(Tone.BAD)
                if left is not None and left.total_seconds() < 300:
                    return palette.brush(Tone.WARN)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(f"{item.incident_ref} {item.incident_title}")
        return None


class ReviewsView(QWidget):
    """The approval queue tab."""

    def __init__(self, ops, actor: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reviews")
        self.ops, self.actor = ops, actor
        self.store = None
        self.incident_id = None
        self.model: ReviewQueueModel | None = None
        self.table = QTableView()
        self.table.setObjectName("reviewQueue")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # the arrows choose a review; Tab goes on to it
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        describe(self.table, _("Review queue"), _("Reviews waiting, yours first by deadline: choose one to read it"))
        self.title = QLabel(_("Choose a review"))
        self.title.setObjectName("reviewTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # names and words are text, never markup
        self.title.setWordWrap(True)
        self.public_title = QLineEdit()
        self.public_title.setObjectName("reviewPublicTitle")
        self.public_title.setReadOnly(True)
        self.subject = QLineEdit()
        self.subject.setObjectName("reviewSubject")
        self.subject.setReadOnly(True)
        self.texts = QTabWidget()
        self.long_text = QPlainTextEdit()
        self.long_text.setObjectName("reviewLong")
        self.short_text = QPlainTextEdit()
        self.short_text.setObjectName("reviewShort")
        self.chat_text = QPlainTextEdit()
        self.chat_text.setObjectName("reviewChat")
        self.diff_previous = QPlainTextEdit()
        self.diff_previous.setObjectName("diffPrevious")
        self.diff_template = QPlainTextEdit()
        self.diff_template.setObjectName("diffTemplate")
        for edit in (self.long_text, self.short_text, self.chat_text, self.diff_previous, self.diff_template):
            edit.setReadOnly(True)
        for edit, key, title in ((self.long_text, "long", _("Status page / e-mail")),
                                 (self.short_text, "short", _("SMS")), (self.chat_text, "chat", _("Chat"))):
            name, description = EDITOR_WORDS[key]
            add_tab(self.texts, describe(edit, _(name), _(description)), title, _(description))
        for edit, title, description in (
                (self.diff_previous, _("Changes since the previous revision"),
                 _("What this revision changed in the one reviewed before it, line by line")),
                (self.diff_template, _("Changes since the template"),
                 _("What the writer changed in the template's words, line by line"))):
            add_tab(self.texts, describe(edit, title, description), title, description)
        self.findings = FindingsList()
        self.comment = QLineEdit()
        self.comment.setObjectName("reviewComment")
        self.comment.setPlaceholderText(_("Comment (needed to ask for changes or reject)"))
        self.comment.setToolTip(_("Your comment goes with the review; asking for changes or rejecting needs one."))
        describe(self.comment, _("Review comment"))
        self.comment.setMinimumWidth(self.comment.fontMetrics().horizontalAdvance(
            self.comment.placeholderText()) + 16)
        self.approve_button = QPushButton(_("Approve (Ctrl+Enter)"))
        self.approve_button.setObjectName("approveButton")
        self.changes_button = QPushButton(_("Request changes (Ctrl+Shift+C)"))
        self.reject_button = QPushButton(_("Reject (Ctrl+Shift+X)"))
        for button, description in ((self.approve_button, _("Approve this revision for your role")),
                                    (self.changes_button, _("Send it back to its writer; your comment says what to "
                                                            "change")),
                                    (self.reject_button, _("Reject this revision; if another reviewer approved it, "
                                                           "it is disputed"))):
            describe(button, None, description, tip=True)
        self.message = QLabel()
        self.message.setObjectName("reviewMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        for button, decision in ((self.approve_button, "approve"), (self.changes_button, "request_changes"),
                                 (self.reject_button, "reject")):
            button.setProperty("decision", decision)
            button.clicked.connect(self._button)
        for keys, decision in (("Ctrl+Return", "approve"), ("Ctrl+Shift+C", "request_changes"),
                               ("Ctrl+Shift+X", "reject")):
            shortcut = QShortcut(QKeySequence(keys), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.setProperty("decision", decision)
            shortcut.activated.connect(self._button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.comment, 1)
        for b in (self.approve_button, self.changes_button, self.reject_button):
            buttons.addWidget(b)
        detail = QWidget()
        dl = QVBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.title)
        lines = QFormLayout()
        add_row(lines, _("Public title"), self.public_title, _("What status pages and e-mail subjects show"))
        add_row(lines, _("Subject"), self.subject, _(SUBJECT_WORDS))
        dl.addLayout(lines)
        dl.addWidget(self.texts, 1)
        dl.addWidget(self.findings)
        dl.addLayout(buttons)
        dl.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(detail)
        split.setSizes([220, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(split)

    def attach(self, store) -> None:
        self.store = store
        self.model = ReviewQueueModel(store.clock, self)
        self.table.setModel(self.model)
        for col, width in ((0, 110), (1, 80), (2, 100), (3, 150), (4, 160)):
            self.table.setColumnWidth(col, width)
        self.table.selectionModel().currentRowChanged.connect(self._chosen)

    def show_incident(self, incident_id) -> None:
        self.incident_id = incident_id
        self.reload()

    def reload(self, *, keep_selection: bool = True) -> None:
        if self.store is None or self.model is None:
            return
        from warroom.services import review

        keep = self.selected() if keep_selection else None
        self.model.set_items(review.queue(self.store, self.actor, incident_id=self.incident_id))
        rows = [i for i, item in enumerate(self.model.items)
                if keep is not None and item.request.id == keep.request.id]
        if rows or self.model.items:
            self.table.selectRow(rows[0] if rows else 0)
        else:
            self._show(None)

    def tick(self) -> None:
        if self.model is not None:
            self.model.tick()

    def selected(self):
        if self.model is None:
            return None
        index = self.table.currentIndex()
        return self.model.items[index.row()] if index.isValid() and index.row() < len(self.model.items) else None

    def _chosen(self, current, _previous) -> None:
        self._show(self.selected())

    def _show(self, item) -> None:
        enabled = item is not None and item.mine
        for b in (self.approve_button, self.changes_button, self.reject_button):
            b.setEnabled(enabled)
        if item is None:
            self.title.setText(_("Nothing waits for review."))
            for edit in (self.public_title, self.subject, self.long_text, self.short_text, self.chat_text,
                         self.diff_previous, self.diff_template):
                edit.clear()
            self.findings.clear()
            return
        from warroom.services import drafts, review

        store, actor, draft_id, number = self.store, self.actor, item.request.draft_id, item.request.revision

        def read():
            return (drafts.revisions(store, draft_id, viewer=actor),
                    review.findings(store, draft_id, actor, revision=number))

        def shown(result) -> None:
            now = self.selected()
            if now is None or now.request.id != item.request.id:
                return  # the selection moved on while this was read
            self._show_revision(item, *result)

        self.ops.read(read, shown, lambda error: self.message.setText(str(error)))

    def _show_revision(self, item, revisions, flags) -> None:
        current = next(r for r in revisions if r.revision == item.request.revision)
        previous = next((r for r in revisions if r.revision == item.request.revision - 1), None)
        first = revisions[0]
        what = {"correction": _("correction for {audience}"),
                "retraction": _("retraction notice for {audience} (sent already; reviewed afterwards)")}.get(
            current.kind, _("update for {audience}")).format(audience=item.audience)
        self.title.setText(_("{ref} · {what} · {role} · revision {revision} by {author} · all of it is reviewed: "
                             "title, subject, status page / e-mail, SMS, chat").format(
            ref=item.incident_ref, what=what, role=item.request.role.label, revision=current.revision,
            author=current.author) + ("" if item.mine else _(" · not waiting for you")))
        self.public_title.setText(current.title)
        self.public_title.setCursorPosition(0)
        self.subject.setText(current.subject)
        self.subject.setCursorPosition(0)
        self.long_text.setPlainText(current.long)
        self.short_text.setPlainText(current.short)
        self.chat_text.setPlainText(current.chat)
        self.diff_previous.setPlainText(_diff(previous, current) if previous else _("This is the first revision."))
        self.diff_template.setPlainText(_diff(first, current) if current.revision > 1 else
                                        _("Unchanged from the template's text."))
        self.findings.show_flags(flags, acknowledged=current.acknowledged)

    def _button(self) -> None:
        decision = self.sender().property("decision")
        self.decide(decision)

    def decide(self, decision: str) -> None:
        """Record a decision on the selected review. An approval over warnings nobody
        acknowledged asks once, listing them, and records the acknowledgement."""
        item = self.selected()
        if item is None or not item.mine or self.store is None:
            return
        from warroom.services import review

        store, actor, draft_id = self.store, self.actor, item.request.draft_id
        if decision != "approve":
            self._record(item, decision, acknowledge=False)
            return

        def ask(allowed) -> None:
            acknowledge = False
            if allowed.unacknowledged:
                import ui.composer  # its confirm(), which the tests answer

                if not ui.composer.confirm(self, _("The linter warns — War room"), ui.composer.warnings_question(
                        _("Approve the update to {audience}?").format(
                            audience=item.audience), allowed.unacknowledged), _("&Approve anyway")):
                    self.message.setText(_("Not approved."))
                    return
                acknowledge = True
            self._record(item, decision, acknowledge=acknowledge)

        self.ops.read(lambda: review.allowed(store, draft_id, actor), ask, self._failed)

    def _record(self, item, decision: str, *, acknowledge: bool) -> None:
        from warroom.services import review

        store, actor, draft_id, comment = self.store, self.actor, item.request.draft_id, self.comment.text()
        role = item.request.role.value

        def done(state: str) -> None:
            self.comment.clear()
            self.message.setText(_("Recorded. The update is now {state}.").format(state=state.replace('_', ' ')))
            self.reload()

        self.ops.write(lambda: review.decide(store, actor, draft_id, decision, comment=comment, role=role,
                                             acknowledge=acknowledge), done, self._failed)

    def _failed(self, error: BaseException) -> None:
        from warroom.services.wording import WordsRefused

        self.message.setText(str(error) if isinstance(error, WarroomError) else _("Not recorded: {error}").format(
            error=error))
        if isinstance(error, WordsRefused):
            self.findings.show_flags(error.flags)  # what the core refused, listed


def _diff(old, new) -> str:
    lines = []
    for field in ("title", "subject", "long", "short", "chat"):
        lines += difflib.unified_diff((getattr(old, field) or "").splitlines(), (getattr(new, field) or "").splitlines(),
                                      f"r{old.revision} {field}", f"r{new.revision} {field}", lineterm="")
    return "\n".join(lines) or _("No changes.")
