"""The Signals tab: component status (worst first, in the colour of its trouble),
a line to set one, and what the selected incident is linked to elsewhere (the
PagerDuty incident or Jira issue that opened it), with a button to link it to one
by hand. Every write is one call of :mod:`warroom.services.components` or
:func:`warroom.inbound.handle.link`; who may is the core's answer, shown when it
refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warroom.changes import Change
from ui.common import palette
from ui.common.access import add_row, add_tab, describe, describe_buttons, label_for
from ui.common.tables import Column, RowTableModel, fixed_rows, set_widths
from ui.lazy import LazyModule
from ui.qt import (
    QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, Qt,
    QTableView, QVBoxLayout, QWidget, Signal, qt_alive,
)
from ui.i18n import tr as _
from ui.common import sizes

if TYPE_CHECKING:
    from warroom.services.components import ComponentView
    from warroom.services.incidents import IncidentView

components = LazyModule("warroom.services.components")
handle = LazyModule("warroom.inbound.handle")
sources = LazyModule("warroom.inbound.sources")

#: The statuses, best first (as :data:`warroom.services.components.STATUSES`), without loading the core.
STATUSES = ("operational", "degraded_performance", "partial_outage", "major_outage")
_TONES = {"operational": palette.Tone.GOOD, "degraded_performance": palette.Tone.CAUTION,
          "partial_outage": palette.Tone.WARN, "major_outage": palette.Tone.BAD}


class ComponentModel(RowTableModel):
    """Every component and its status, held in memory (tens of rows); the status in
    the colour of its trouble."""

    NAME, STATUS, BY, SINCE, NOTE = range(5)

    def __init__(self, parent=None) -> None:
        def tone(c: ComponentView):
            return palette.color(_TONES[c.status]) if c.status in _TONES else None

        super().__init__([
            Column(_("Component"), lambda c: c.name),
            Column(_("Status"), lambda c: c.status.replace("_", " ").capitalize(), color=tone),
            Column(_("Set by"), lambda c: c.set_by),
            Column(_("Since (UTC)"), lambda c: f"{c.updated_at:%Y-%m-%d %H:%M}"),
            Column(_("Note"), lambda c: c.note or ""),
        ], parent, key=lambda c: c.name)

    def component(self, row: int) -> ComponentView | None:
        return self.row(row)


class SignalsPanel(QWidget):
    """``failed``: an error to show; ``message``: a line for the status bar."""

    failed = Signal(object)
    message = Signal(str, int)

    def __init__(self, window, parent=None) -> None:
        super().__init__(parent)
        self.window_ = window
        self.incident: IncidentView | None = None
        self.generation = 0
        self.model = ComponentModel(self)
        self.view = QTableView()
        self.view.setObjectName("components")
        self.view.setModel(self.model)
        fixed_rows(self.view)
        # Component, status, set by, since: wide enough for "Degraded performance",
        # "inbound:alertmanager" and a date with its time; the note takes the rest.
        set_widths(self.view, (180, 170, 180, 140), stretch=4)
        self.view.selectionModel().currentRowChanged.connect(lambda *args: self._picked())
        describe(self.view, _("Components"), _("Each component's status, who set it and when: choose one to change it"))
        self.links = QLabel()
        self.links.setObjectName("incidentLinks")
        self.links.setTextFormat(Qt.TextFormat.PlainText)
        self.links.setWordWrap(True)
        self.link_button = QPushButton(_("Link…"))
        self.link_button.setObjectName("linkIncident")
        self.link_button.clicked.connect(self.open_link_dialog)
        describe(self.link_button, None, _("Link this incident to its incident or issue in a source (a PagerDuty "
                                           "incident, a Jira issue): later events there go onto its timeline"),
                 tip=True)
        self.link_dialog: LinkDialog | None = None
        self.source_names: list[str] = []
        self.name = QComboBox()
        self.name.setObjectName("componentName")
        self.name.setEditable(True)
        self.name.setMinimumWidth(sizes.chars(self.name, 28))
        describe(self.name, None, _("The component whose status to set: one listed, or a new name"))
        self.status = QComboBox()
        self.status.setObjectName("componentStatus")
        self.status.addItems([s.replace("_", " ").capitalize() for s in STATUSES])
        describe(self.status, None, _("The status to give it"))
        self.set_button = QPushButton(_("Set status"))
        self.set_button.setObjectName("setComponent")
        self.set_button.clicked.connect(self.set_status)
        describe(self.set_button, None, _("Give the component this status"), tip=True)
        form = QHBoxLayout()
        form.addWidget(label_for(self.name, _("&Component:")))
        form.addWidget(self.name, 1)
        form.addWidget(label_for(self.status, _("&Status:")))
        form.addWidget(self.status)
        form.addWidget(self.set_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        links = QHBoxLayout()
        links.addWidget(self.links, 1)
        links.addWidget(self.link_button)
        layout.addLayout(links)
        layout.addWidget(self.view, 1)
        layout.addLayout(form)

    @property
    def ctx(self):
        return getattr(self.window_, "ctx", None)

    def show_incident(self, incident: IncidentView | None) -> None:
        self.incident = incident
        self.refresh()

    def refresh(self) -> None:
        ctx, incident = self.ctx, self.incident
        self.generation += 1
        if ctx is None:
            return
        generation, store, viewer = self.generation, ctx.store, ctx.actor
        key = incident.id if incident is not None else None

        def read() -> tuple[list, list, list]:
            linked = handle.links(store, key, viewer=viewer) if key is not None else []
            return components.list_components(store), linked, [src.name for src in sources.list_sources(store)]

        def shown(result) -> None:
            if qt_alive(self) and generation == self.generation:
                self._show(*result)

        ctx.ops.read(read, shown, lambda error: None)

    def _show(self, rows: list, linked: list, names: list[str]) -> None:
        self.source_names = names
        self.link_button.setEnabled(self.incident is not None and bool(names))
        self.model.set_rows(rows)
        typed = self.name.currentText()
        self.name.clear()
        self.name.addItems([c.name for c in rows])
        self.name.setEditText(typed)
        if linked:
            self.links.setText(_("Linked: ") + "; ".join(
                f"{lk.source} {lk.external_id}" + (f" ({lk.url})" if lk.url else "") for lk in linked))
        else:
            self.links.setText(_("Not linked to any outside incident or issue.") if self.incident else "")

    def _picked(self) -> None:
        index = self.view.currentIndex()
        c = self.model.component(index.row()) if index.isValid() else None
        if c is not None:
            self.name.setEditText(c.name)
            self.status.setCurrentIndex(STATUSES.index(c.status))

    def set_status(self) -> None:
        ctx = self.ctx
        if ctx is None:
            return
        store, actor = ctx.store, ctx.actor
        name, status = self.name.currentText(), STATUSES[self.status.currentIndex()]
        ctx.ops.write(lambda: components.set_status(store, actor, name, status),
                      lambda v: self.message.emit(_("{name} is {label}.").format(
                          name=v.name, label=v.label.lower()), 4000), self.failed.emit)


    def open_link_dialog(self) -> LinkDialog | None:
        """Ask which source and which of its incidents or issues; link on OK (not modal to
        the rest of the window's work: the dialog is the panel's while it is open)."""
        if self.incident is None or not self.source_names:
            return None
        dialog = LinkDialog(self, self.incident.ref, self.source_names)
        dialog.accepted.connect(lambda: self.link(dialog.source.currentText(), dialog.external.text(),
                                                  dialog.url.text()))
        dialog.finished.connect(lambda _code: setattr(self, "link_dialog", None))
        self.link_dialog = dialog
        dialog.open()
        return dialog

    def link(self, source: str, external: str, url: str) -> None:
        ctx, incident = self.ctx, self.incident
        if ctx is None or incident is None:
            return
        store, actor, key = ctx.store, ctx.actor, incident.id
        ctx.ops.write(lambda: handle.link(store, actor, key, source, external, url=url.strip() or None),
                      lambda lk: self.message.emit(_("{ref} is linked to {source} {external}.").format(
                          ref=incident.ref, source=lk.source, external=lk.external_id), 5000), self.failed.emit)


class LinkDialog(QDialog):
    """Which source, which of its incidents or issues, and (optionally) its address."""

    def __init__(self, parent: QWidget, ref: str, names: list[str]) -> None:
        super().__init__(parent)
        self.setObjectName("linkDialog")
        self.setWindowTitle(_("Link {ref}").format(ref=ref))
        form = QFormLayout()
        self.source = QComboBox()
        self.source.setObjectName("linkSource")
        self.source.addItems(names)
        add_row(form, _("&Source:"), self.source, _("The inbound source the incident or issue lives in"))
        self.external = QLineEdit()
        self.external.setObjectName("linkExternal")
        self.external.setPlaceholderText(_("e.g. PGR0VU2 or OPS-12"))
        add_row(form, _("&Incident or issue:"), self.external, _("Its id in that source"))
        self.url = QLineEdit()
        self.url.setObjectName("linkUrl")
        self.url.setMinimumWidth(sizes.chars(self.url, 40))
        add_row(form, _("&Address:"), self.url, _("Where it is shown, if you want it on the incident (optional)"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Link"))
        describe_buttons(buttons, _("Link the incident to it"), None)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.external.setFocus()


def install(window) -> SignalsPanel:
    """Add the Signals tab and have it follow component and inbound changes."""
    panel = SignalsPanel(window)
    add_tab(window.tabs, panel, _("Signals"), _("Components' status, and links to outside incidents and issues"))
    panel.failed.connect(lambda error: window.show_error(error))
    panel.message.connect(lambda text, msecs: window.statusBar().showMessage(text, msecs))
    window.followers.append((Change.INBOUND, lambda flags, own: panel.refresh()))
    return panel
