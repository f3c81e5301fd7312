"""The Timeline tab: the kind filter and search above, the paged table, and the
quick-entry line below. Searches run in the background and only the newest one
is shown, so typing never waits for the database."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from warroom.domain import EntryKind, WRITTEN_KINDS
from warroom.errors import WarroomError
from warroom.text.timefmt import TimeFormatter
from ui.common.access import describe, label_for
from ui.common.tables import fixed_rows
from ui.lazy import timeline
from ui.models import TimelineModel
from ui.qt import QComboBox, QHBoxLayout, QLabel, QLineEdit, Qt, QTableView, QTimer, QVBoxLayout, QWidget, \
    Signal, qt_alive
from ui.widgets import EditEntryDialog, EntryDetail, QuickEntry, fit_timeline
from ui.i18n import term, tr as _

if TYPE_CHECKING:
    from ui.common.context import WindowContext


class TimelinePanel(QWidget):
    """``message``: a short line for the status bar; ``failed``: an error to show."""

    message = Signal(str, int)
    failed = Signal(object)

    def __init__(self, utc: TimeFormatter, local: TimeFormatter, viewer: str, parent=None) -> None:
        super().__init__(parent)
        self.ctx: WindowContext | None = None
        self.incident_id: uuid.UUID | None = None
        #: Bumped by every search or incident switch: only the newest query's answer is shown.
        self.generation = 0

        self.kind_filter = QComboBox()
        self.kind_filter.setObjectName("kindFilter")
        self.kind_filter.addItem(_("All entries"), None)
        for kind in EntryKind:
            self.kind_filter.addItem(term(kind), kind)
        self.kind_filter.currentIndexChanged.connect(self.apply_filter)
        describe(self.kind_filter, None, _("Every entry, or the entries of one kind only"))
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText(_("Search the timeline (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        describe(self.search, _("Search the timeline"), _("Shows only the entries with these words"))
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(150)
        self.search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self.search_timer.start)
        self.search.returnPressed.connect(self.apply_filter)
        self.match_label = QLabel()
        self.match_label.setObjectName("matchLabel")

        self.model = TimelineModel(None, utc, local, self, viewer=viewer)
        self.view = QTableView()
        self.view.setObjectName("timeline")
        self.view.setModel(self.model)
        fixed_rows(self.view)
        fit_timeline(self.view, self.model)
        describe(self.view, _("Timeline entries"), _("The incident's entries, oldest first: F2 or a double-click "
                                                     "corrects the selected one"))
        self.entry_detail = EntryDetail(self.view, self.model)
        self.view.doubleClicked.connect(self.edit_selected_entry)

        self.quick = QuickEntry()
        self.quick.submitted.connect(self.log_entry)
        self.quick.setEnabled(False)

        filters = QHBoxLayout()
        filters.addWidget(label_for(self.kind_filter, _("&Show:")))
        filters.addWidget(self.kind_filter)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.match_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.entry_detail)
        layout.addWidget(self.quick)

    def attach(self, ctx: WindowContext) -> None:
        self.ctx = ctx
        self.model.store = ctx.store

    # -- which incident, which entries -------------------------------------------------

    def set_incident(self, incident_id: uuid.UUID | None) -> None:
        self.incident_id = incident_id
        self.generation += 1
        self.model.set_incident(incident_id)
        self.quick.setEnabled(incident_id is not None)
        self.after_reset()
        self.scroll_to_end()

    def apply_filter(self) -> None:
        """Filter by kind and search; the query runs in the background."""
        self.search_timer.stop()
        kind = self.kind_filter.currentData()
        search = self.search.text().strip() or None
        model = self.model
        store = self.ctx.store if self.ctx is not None else None
        # Every request supersedes the ones before it, even one that asks for what is
        # already shown (typing "roll" and clearing it again before it returns).
        self.generation += 1
        generation = self.generation
        if model.incident_id is None or store is None or (kind == model.kind and search == model.search):
            self.after_reset()
            return
        self.match_label.setText(_("searching…"))

        def run():
            version = store.data_version()  # what the query saw; compared when it comes back
            return version, model.prepare(kind, search)

        self.ctx.ops.read(run, lambda result: self.show_query(generation, *result))

    def show_query(self, generation: int, version, query) -> None:
        if generation != self.generation:
            return  # a newer search was started meanwhile
        self.model.set_query(query)
        if self.ctx is not None and version != self.ctx.store.data_version():
            self.model.refresh()  # written while the query ran: catch up
        self.after_reset()
        self.scroll_to_end()

    def after_reset(self) -> None:
        model = self.model
        if model.truncated:
            self.match_label.setText(_("newest {count:,} matches").format(count=model.rowCount()))
            self.match_label.setToolTip(_("More entries match; these are the most recently recorded. "
                                        "Add words to narrow the search."))
        elif model.search or model.kind:
            self.match_label.setText(_("{count:,} matching").format(count=model.rowCount()))
        else:
            self.match_label.setText(_("{count:,} entries").format(count=model.rowCount()))

    def scroll_to_end(self) -> None:
        self.view.scrollToBottom()

    def refresh(self, follow: bool = False) -> None:
        """Re-read the timeline; new entries scroll into view when the user was at the
        end (or ``follow``: they just logged one)."""
        sb = self.view.verticalScrollBar()
        at_end = sb.value() >= sb.maximum() - 1
        appended = self.model.refresh()
        self.after_reset()
        if appended and (at_end or follow):
            self.scroll_to_end()

    def reload(self) -> None:
        self.model.refresh()
        self.after_reset()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- writing ---------------------------------------------------------------------

    def log_entry(self, kind: EntryKind, text: str) -> None:
        incident_id, ctx = self.incident_id, self.ctx
        if incident_id is None or ctx is None:
            return
        store, actor = ctx.store, ctx.actor

        def failed(error: BaseException) -> None:
            self.quick.restore(text)
            self.failed.emit(error)

        def logged(_entry) -> None:
            self.refresh(follow=True)
            self.message.emit(_("Logged."), 2000)

        ctx.ops.write(lambda: timeline.log(store, actor, incident_id, text, kind=kind), logged, failed)

    def edit_selected_entry(self, *_args) -> EditEntryDialog | None:
        index = self.view.currentIndex()
        entry = self.model.entry(index.row()) if index.isValid() else None
        ctx = self.ctx
        if entry is None or ctx is None:
            return None
        if entry.kind not in WRITTEN_KINDS:
            self.message.emit(_("Status and severity entries record what happened; they cannot be edited."), 4000)
            return None
        dialog = EditEntryDialog(entry.text, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        store, actor = ctx.store, ctx.actor

        def save(text: str) -> None:
            dialog.setEnabled(False)

            def saved(_entry) -> None:
                if qt_alive(dialog):
                    dialog.setEnabled(True)
                    dialog.finish()

            def failed(error: BaseException) -> None:
                if qt_alive(dialog) and isinstance(error, WarroomError):
                    dialog.setEnabled(True)
                    dialog.show_error(error)
                else:
                    self.failed.emit(error)

            ctx.ops.write(lambda: timeline.edit(store, actor, entry.id, text), saved, failed)

        dialog.submitted.connect(save)
        dialog.open()
        return dialog
