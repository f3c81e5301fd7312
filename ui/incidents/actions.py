"""The window's incident writes: declare, status, severity, reopen, and the
Markdown export. Each is one call of a core service through the operations; what
it changed reaches the views as change flags (see :mod:`ui.ops`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from warroom.domain import Severity, Status
from warroom.errors import WarroomError
from ui.lazy import incidents
from ui.common.ask import ask_line
from ui.qt import QFileDialog, QObject, Signal, qt_alive
from ui.widgets import NewIncidentDialog
from ui.i18n import term, tr as _

if TYPE_CHECKING:
    from warroom.services.incidents import IncidentView
    from ui.common.context import WindowContext


class IncidentActions(QObject):
    """``current`` says which incident the window shows. ``written`` carries the
    incident a write returned (the views follow the write's change flags, not this);
    ``message`` a line for the status bar."""

    written = Signal(object)
    declared = Signal(object)
    message = Signal(str, int)
    failed = Signal(object)

    def __init__(self, current: Callable[[], IncidentView | None], parent=None) -> None:
        super().__init__(parent)
        self.current = current
        self.ctx: WindowContext | None = None
        self.new_dialog: NewIncidentDialog | None = None

    def attach(self, ctx: WindowContext) -> None:
        self.ctx = ctx

    def change_status(self, status: Status) -> None:
        incident, ctx = self.current(), self.ctx
        if incident is None or ctx is None:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id
        ctx.ops.write(lambda: incidents.set_status(store, actor, key, status), self.status_changed)

    def status_changed(self, incident: IncidentView) -> None:
        self.written.emit(incident)
        self.message.emit(_("{ref} is now {label}.").format(ref=incident.ref, label=term(incident.status)), 4000)

    def reopen(self, parent) -> None:
        incident, ctx = self.current(), self.ctx
        if incident is None or ctx is None or incident.active:
            self.message.emit(_("Only a resolved incident can be reopened."), 4000)
            return
        reason = ask_line(parent, "reopenReason", _("Reopen incident"), _("&Why is it reopened?"),
                          _("The reason, written to the incident's timeline"),
                          _("Reopen the incident with this reason"), _("Leave the incident resolved"))
        if reason is None:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id
        ctx.ops.write(lambda: incidents.reopen(store, actor, key, reason), self.status_changed)

    def change_severity(self, severity: Severity) -> None:
        incident, ctx = self.current(), self.ctx
        if incident is None or ctx is None:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id

        def changed(view: IncidentView) -> None:
            self.written.emit(view)
            self.message.emit(_("{ref} is now {severity}.").format(ref=view.ref, severity=view.severity.value), 4000)

        ctx.ops.write(lambda: incidents.set_severity(store, actor, key, severity), changed)

    def new_incident(self, parent) -> NewIncidentDialog | None:
        ctx = self.ctx
        if ctx is None:
            return None
        dialog = NewIncidentDialog(ctx.store.clock.now(), ctx.actor, parent)
        dialog.submitted.connect(self.declare)
        dialog.finished.connect(dialog.deleteLater)
        self.new_dialog = dialog
        dialog.open()
        return dialog

    def declare(self, values: dict) -> None:
        dialog, ctx = self.new_dialog, self.ctx
        if ctx is None:
            return
        store, actor = ctx.store, ctx.actor
        if dialog is not None:
            dialog.setEnabled(False)  # one Declare at a time: no duplicate incidents

        def opened(incident: IncidentView) -> None:
            if dialog is not None and qt_alive(dialog):
                dialog.setEnabled(True)
                dialog.finish()
            self.declared.emit(incident)
            self.message.emit(_("Declared {ref}.").format(ref=incident.ref), 4000)

        def failed(error: BaseException) -> None:
            if dialog is None or not qt_alive(dialog):
                self.failed.emit(error)
                return
            dialog.setEnabled(True)
            if isinstance(error, WarroomError):
                dialog.show_error(error)  # its field marked
            else:
                self.failed.emit(error)

        ctx.ops.write(lambda: incidents.open_incident(store, actor, **values), opened, failed)

    def export_markdown(self, parent) -> None:
        incident, ctx = self.current(), self.ctx
        if incident is None or ctx is None:
            return
        path, _filter = QFileDialog.getSaveFileName(parent, _("Export incident"), f"{incident.ref}.md", _("Markdown (*.md)"))
        if not path:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id

        def write() -> str:
            from warroom.services.export import export_incident, save

            save(path, export_incident(store, key, "markdown", viewer=actor))      # owner-only
            return path

        ctx.ops.read(write, lambda p: self.message.emit(_("Exported to {path}.").format(path=p), 5000))
