"""The Follow-ups tab: the selected incident's follow-up actions (overdue ones in
the warning colour), a line to add one with its owner and due date, and buttons
to mark the selected one done or open again. Every write is one call of
:mod:`warroom.services.followups`; who may is the core's answer, shown when it
refuses. The post-incident report for an audience is drafted from here too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warroom.changes import Change
from ui.common import palette
from ui.common.access import add_tab, describe, label_for
from ui.common.tables import fixed_rows
from ui.lazy import LazyModule
from ui.qt import (
    QAbstractTableModel, QComboBox, QHBoxLayout, QLabel, QLineEdit, QModelIndex, QPushButton, Qt, QTableView,
    QVBoxLayout, QWidget, Signal, qt_alive,
)
from ui.i18n import N_, tr as _
from ui.common import sizes

if TYPE_CHECKING:
    from warroom.services.followups import FollowupView
    from warroom.services.incidents import IncidentView

followups = LazyModule("warroom.services.followups")
people = LazyModule("warroom.services.people")
drafts = LazyModule("warroom.services.drafts")

#: The audiences the shipped post-incident report templates speak to.
REPORT_AUDIENCES = ("customers", "partners", "executives", "employees", "it", "regulators")


class FollowupModel(QAbstractTableModel):
    """One incident's follow-up actions, held in memory (a handful per incident)."""

    COLUMNS = (N_("Ref"), N_("State"), N_("Due"), N_("Owner"), N_("Action"))
    REF, STATE, DUE, OWNER, TEXT = range(5)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[FollowupView] = []

    def set_rows(self, rows: list[FollowupView]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def followup(self, row: int) -> FollowupView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def overdue_count(self) -> int:
        return sum(1 for f in self._rows if f.overdue)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.COLUMNS[section])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        f = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.REF:
                return f.ref
            if col == self.STATE:
                return _("Done") if f.done else (_("Overdue") if f.overdue else _("Open"))
            if col == self.DUE:
                return f.due.isoformat()
            if col == self.OWNER:
                return f.owner
            if col == self.TEXT:
                return f.text
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if f.done:
                return palette.brush(palette.Tone.MUTED)
            if f.overdue and col in (self.STATE, self.DUE):
                return palette.brush(palette.Tone.BAD)
            return None
        if role == Qt.ItemDataRole.ToolTipRole and f.done:
            return _("Done by {who} at {when:%Y-%m-%d %H:%M} UTC").format(who=f.done_by, when=f.done_at)
        return None


class FollowupsPanel(QWidget):
    """``failed``: an error to show; ``message``: a line for the status bar."""

    failed = Signal(object)
    message = Signal(str, int)

    def __init__(self, window, parent=None) -> None:
        super().__init__(parent)
        #: The main window: its context (store, operations, who acts) is read when needed.
        self.window_ = window
        self.incident: IncidentView | None = None
        self.generation = 0
        self.model = FollowupModel(self)
        self.view = QTableView()
        self.view.setObjectName("followups")
        self.view.setModel(self.model)
        fixed_rows(self.view)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().currentRowChanged.connect(lambda *args: self._enable())
        describe(self.view, _("Follow-up actions"),
                 _("The incident's follow-up actions, overdue ones marked: choose one to mark it done"))
        self.summary = QLabel()
        self.summary.setObjectName("followupSummary")
        self.text = QLineEdit()
        self.text.setObjectName("followupText")
        self.text.setPlaceholderText(_("What will be done, e.g. Alert on expiring certificates"))
        describe(self.text, _("New follow-up action"), _("What will be done; Enter adds it"))
        self.owner = QComboBox()
        self.owner.setObjectName("followupOwner")
        self.owner.setEditable(True)
        self.owner.setMinimumWidth(sizes.chars(self.owner, 22))
        describe(self.owner, None, _("Who will do it"))
        self.due = QLineEdit()
        self.due.setObjectName("followupDue")
        self.due.setPlaceholderText(_("Due, e.g. 14d"))
        self.due.setToolTip(_("The due date: 2026-12-20, or 14d for two weeks from today"))
        self.due.setMaximumWidth(sizes.chars(self.due, 26))
        describe(self.due, _("Due"))
        self.add_button = QPushButton(_("Add follow-up"))
        self.add_button.setObjectName("addFollowup")
        self.add_button.clicked.connect(self.add)
        describe(self.add_button, None, _("Add the action with its owner and due date"), tip=True)
        self.text.returnPressed.connect(self.add)
        self.done_button = QPushButton(_("Mark done"))
        self.done_button.setObjectName("followupDone")
        self.done_button.clicked.connect(self.toggle_done)
        describe(self.done_button, None, _("Mark the selected action done, or open it again"), tip=True)
        form = QHBoxLayout()
        form.addWidget(self.text, 1)
        form.addWidget(label_for(self.owner, _("&Owner:")))
        form.addWidget(self.owner)
        form.addWidget(self.due)
        form.addWidget(self.add_button)
        self.report_audience = QComboBox()
        self.report_audience.setObjectName("reportAudience")
        self.report_audience.addItems(list(REPORT_AUDIENCES))
        describe(self.report_audience, None, _("Who the post-incident report is for"))
        self.report_button = QPushButton(_("Draft post-incident report"))
        self.report_button.setObjectName("draftReport")
        self.report_button.setToolTip(_("Compose the post-incident report for this audience from its template, with "
                                      "these follow-ups in it; it is reviewed and published like any update"))
        self.report_button.clicked.connect(self.draft_report)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(label_for(self.report_audience, _("&Report for:")))
        top.addWidget(self.report_audience)
        top.addWidget(self.report_button)
        top.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(form)
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
        self.refresh()

    def refresh(self) -> None:
        ctx, incident = self.ctx, self.incident
        self.generation += 1
        if ctx is None or incident is None:
            self.model.set_rows([])
            self._enable()
            return
        generation, store, viewer, key = self.generation, ctx.store, ctx.actor, incident.id

        def read() -> tuple[list, list[str]]:
            return (followups.list_followups(store, key, viewer=viewer),
                    [p.name for p in people.list_people(store)])

        def shown(result) -> None:
            if qt_alive(self) and generation == self.generation:
                self._show(*result)

        ctx.ops.read(read, shown, lambda error: None)

    def _show(self, rows: list[FollowupView], names: list[str]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        if selected is not None:
            for i, f in enumerate(rows):
                if f.id == selected.id:
                    self.view.selectRow(i)
        typed = self.owner.currentText()
        self.owner.clear()
        self.owner.addItems(names)
        self.owner.setEditText(typed)
        late = self.model.overdue_count()
        open_ = sum(1 for f in rows if not f.done)
        self.summary.setText(_("{rows} follow-up action(s), {open} open").format(rows=len(rows), open=open_)
                             + (_(", {late} overdue").format(late=late) if late else "")
                             if rows else _("No follow-up actions yet."))
        self._enable()

    def selected(self) -> FollowupView | None:
        index = self.view.currentIndex()
        return self.model.followup(index.row()) if index.isValid() else None

    def _enable(self) -> None:
        f = self.selected()
        self.done_button.setEnabled(f is not None)
        self.done_button.setText(_("Reopen") if f is not None and f.done else _("Mark done"))
        self.add_button.setEnabled(self.incident is not None)
        self.report_button.setEnabled(self.incident is not None)

    # -- writing: one service call each ----------------------------------------------

    def add(self) -> None:
        ctx, incident = self.ctx, self.incident
        if ctx is None or incident is None:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id
        text, owner, due = self.text.text(), self.owner.currentText(), self.due.text()

        def added(f: FollowupView) -> None:
            self.text.clear()
            self.due.clear()
            warning = followups.due_warning(f)
            self.message.emit(warning or _("Added {ref}: due {due}, owner {owner}.").format(
                ref=f.ref, due=f.due.isoformat(), owner=f.owner), 6000)

        ctx.ops.write(lambda: followups.add_followup(store, actor, key, text, owner=owner, due=due), added,
                      self.failed.emit)

    def draft_report(self) -> None:
        """Compose the post-incident report for the chosen audience (the Updates tab then shows it)."""
        ctx, incident = self.ctx, self.incident
        if ctx is None or incident is None:
            return
        store, actor, key, audience = ctx.store, ctx.actor, incident.id, self.report_audience.currentText()

        def drafted(views) -> None:
            self.message.emit(_("Drafted the post-incident report for {audience}: edit and submit it in Updates.").format(
                
                
                audience=audience),
                              8000)

        ctx.ops.write(lambda: drafts.compose_drafts(store, actor, key, [audience], phase="postincident"), drafted,
                      self.failed.emit)

    def toggle_done(self) -> None:
        ctx, f = self.ctx, self.selected()
        if ctx is None or f is None:
            return
        store, actor, fid = ctx.store, ctx.actor, f.id
        call = followups.reopen if f.done else followups.mark_done
        ctx.ops.write(lambda: call(store, actor, fid),
                      lambda v: self.message.emit((_("{ref} is done.") if v.done else _("{ref} is open again.")).format(ref=v.ref), 4000),
                      self.failed.emit)


def install(window) -> FollowupsPanel:
    """Add the Follow-ups tab to the main window and have it follow the writes that
    change follow-ups (or the people who may own them)."""
    panel = FollowupsPanel(window)
    add_tab(window.tabs, panel, _("Follow-ups"), _("What will be done after the incident, by whom and by when"))
    panel.failed.connect(lambda error: window.show_error(error))
    panel.message.connect(lambda text, msecs: window.statusBar().showMessage(text, msecs))
    window.followers.append((Change.FOLLOWUPS | Change.PEOPLE, lambda flags, own: panel.refresh()))
    return panel
