"""The stakeholder matrix in the window: audiences down, severities across; each
cell says whether the audience is told at that severity, through which channel
routes ("statuspage>site, slack>email": a route's first channel is primary, the
rest its fallbacks), how often, by whom and with which audience's templates.
Enter or a double-click edits a cell; the change can go to that severity alone,
to it and the more severe ones, or to all severities."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from warroom.domain import Severity
from warroom.errors import InputError, WarroomError
from warroom.services import matrix
from warroom.text.durations import duration_text
from ui.common import palette
from ui.common.access import add_row, describe, describe_buttons
from ui.common.forms import FormDialog
from ui.common.palette import Tone
from ui.common.tables import Column, RowTableModel
from ui.qt import (
    plain_tip,
    QAction,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QModelIndex,
    QPushButton,
    QStringListModel,
    Qt,
    qt_alive,
    QTableView,
    QVBoxLayout,
    Signal,
)
from ui.i18n import tr as _
from ui.common import sizes

if TYPE_CHECKING:
    from warroom.services.matrix import CellView
    from ui.common.context import WindowContext



def routes_sentence(routes) -> str:
    """``statuspage (else site), and slack (else email)``."""
    parts = []
    for route in routes:
        text = route[0]
        if len(route) > 1:
            text += " " + _("(else {fallbacks})").format(fallbacks=_(", then ").join(route[1:]))
        parts.append(text)
    return _(", and ").join(parts)


class MatrixModel(RowTableModel):
    """The grid: a row per audience, a column per severity."""

    def __init__(self, parent=None) -> None:
        super().__init__([], parent, key=lambda audience: audience,
                         row_title=lambda audience: self.labels.get(audience, audience),
                         row_tip=lambda audience: _("Audience {audience}").format(audience=audience))
        self.audiences: list[str] = []
        self.labels: dict[str, str] = {}
        self.severities: list[Severity] = list(Severity)
        self.cells: dict[tuple[str, Severity], CellView] = {}
        self.defaults: dict[Severity, timedelta] = {}
        self.channel_states: dict[str, str] = {}
        self._italic = QFont()
        self._italic.setItalic(True)

    def set_grid(self, audiences: list[str], severities: list[Severity], cells: dict, *,
                 labels: dict[str, str] | None = None, defaults: dict[Severity, timedelta] | None = None,
                 channel_states: dict[str, str] | None = None) -> None:
        self.audiences, self.severities, self.cells = list(audiences), list(severities), dict(cells)
        self.labels = dict(labels or {})
        self.defaults = dict(defaults or {})
        self.channel_states = dict(channel_states or {})
        self.set_rows(self.audiences, [self.column(sev) for sev in self.severities])

    def column(self, sev: Severity) -> Column:
        def of(audience: str) -> CellView | None:
            return self.cells.get((audience, sev))

        def color(audience: str):
            c = of(audience)
            if c is None:
                return None
            if not c.told or not c.routes:
                return palette.color(Tone.MUTED)
            return palette.color(Tone.BAD) if self.problem(c) else None

        every = duration_text(self.defaults[sev], "cadence") if sev in self.defaults else None
        tip = _("{severity}: updates every {every} unless a cell says otherwise").format(
            severity=sev.value, every=every) if every else None
        return Column(sev.value, lambda a: self.describe(of(a)) if of(a) else "", header_tip=tip, color=color,
                      tip=lambda a: plain_tip(self.tip(of(a))) if of(a) else None,
                      font=lambda a: self._italic if of(a) is not None and not of(a).told else None)

    def cell(self, row: int, col: int) -> CellView | None:
        if not (0 <= row < len(self.audiences) and 0 <= col < len(self.severities)):
            return None
        return self.cells.get((self.audiences[row], self.severities[col]))

    def position(self, audience: str, severity: Severity) -> tuple[int, int] | None:
        if audience in self.audiences and severity in self.severities:
            return self.audiences.index(audience), self.severities.index(severity)
        return None

    def describe(self, c: CellView) -> str:
        if not c.told:
            return _("not told")
        first = matrix.format_routes(c.routes) if c.routes else _("no channels")
        bits = []
        if c.cadence is not None:
            bits.append(_("every {cadence}").format(cadence=duration_text(c.cadence, "cadence")))
        elif c.routes and c.severity in self.defaults:
            bits.append(_("every {cadence} (default)").format(
                cadence=duration_text(self.defaults[c.severity], "cadence")))
        if c.owner:
            bits.append(c.owner)
        if c.template_audience:
            bits.append(_("{audience} templates").format(audience=c.template_audience))
        if c.via_success_manager:
            bits.append(_("key accounts via manager"))
        return first + ("\n" + " · ".join(bits) if bits else "")

    def problem(self, c: CellView) -> str | None:
        """A route's channels all gone or down: said in the cell's tooltip, shown red."""
        for route in c.routes:
            states = [self.channel_states.get(name, "missing") for name in route]
            if all(s in ("down", "disabled", "missing") for s in states):
                return _("Nothing in the route {route} works now ({states}).").format(route=">".join(route),
                                                                                      states=", ".join(states))
        return None

    def tip(self, c: CellView) -> str:
        where = _("{audience} at {severity}").format(audience=self.labels.get(c.audience, c.audience),
                                                     severity=c.severity.value)
        if not c.told:
            return _("{where}: not told.").format(where=where)
        if not c.routes:
            return _("{where}: told, but no channels: a published update is recorded and goes nowhere. "
                     "Enter: choose channels.").format(where=where)
        text = _("{where}: through {routes}.").format(where=where, routes=routes_sentence(c.routes))
        problem = self.problem(c)
        return text + (f"\n{problem}" if problem else "")


class RouteCompleter(QCompleter):
    """Completes the channel name being typed after the last ``,`` or ``>``."""

    def splitPath(self, path: str) -> list[str]:
        return [re.split(r"[,>;]", path)[-1].strip()]

    def pathFromIndex(self, index: QModelIndex) -> str:
        widget = self.widget()
        text = widget.text() if isinstance(widget, QLineEdit) else ""
        head = re.match(r"^(.*[,>;]\s*)", text)
        prefix = head.group(1) if head else ""
        if prefix.endswith(",") or prefix.endswith(";"):
            prefix += " "
        return prefix + str(index.data())


class CellForm(FormDialog):
    """Edit one cell. Saving emits ``submitted``; the dialog calls :meth:`finish`
    once it is stored, or :meth:`show_error` with the service's error (its field marked)."""

    def __init__(self, cell: CellView, *, audience_label: str, channels: list[tuple[str, str, str]],
                 people: list[str], audiences: list[tuple[str, str]], default_cadence: timedelta | None,
                 parent=None) -> None:
        super().__init__(parent)
        self.cell = cell
        self.setObjectName("matrixCellForm")
        self.setWindowTitle(_("{audience} at {severity}").format(
            audience=audience_label, severity=cell.severity.value))
        self.channel_names = [name for name, _kind, _state in channels]

        self.told = QCheckBox(_("Tell {audience} at {severity}").format(
            audience=audience_label, severity=cell.severity.value))
        self.told.setObjectName("toldBox")
        self.told.setChecked(cell.told)
        self.routes = QLineEdit(matrix.format_routes(cell.routes))
        self.routes.setObjectName("routesEdit")
        self.routes.setPlaceholderText(_("e.g. statuspage>site, slack>email"))
        self.routes.setToolTip(_("Routes separated by commas, each sent to; within a route, > names the fallback "
                               "used when the channel before it is down"))
        completer = RouteCompleter(QStringListModel(self.channel_names, self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.routes.setCompleter(completer)
        self.known = QLabel()
        self.known.setObjectName("knownChannels")
        self.known.setTextFormat(Qt.TextFormat.RichText)  # lines broken here, not wrapped (a stable height)
        self.known.linkActivated.connect(self._add_channel)
        if channels:
            links = [f"<a href='{html.escape(name)}'>{html.escape(name)}</a> "
                     f"<span style='color:{palette.hex_color(palette.state_tone(state))}'>({html.escape(kind)}, {state})</span>"
                     for name, kind, state in channels]
            lines = "<br>".join(" · ".join(links[i:i + 3]) for i in range(0, len(links), 3))
            self.known.setText(_("<small>Known channels (click one to add it as a route):<br>{lines}</small>").format(
                lines=lines))
        else:
            self.known.setText(_("<small>No channels yet: add them in View › Channels… first.</small>"))
        self.cadence = QLineEdit(duration_text(cell.cadence, 'entry') if cell.cadence else "")
        self.cadence.setObjectName("cadenceEdit")
        default = f"blank: the {cell.severity.value} default" + (
            f", every {duration_text(default_cadence, 'cadence')}" if default_cadence else "")
        self.cadence.setPlaceholderText(default)
        self.cadence.setToolTip(_("How often this audience gets an update: 30m, 1h, 4h, 1d; blank for the "
                                "severity's default"))
        self.owner = QComboBox()
        self.owner.setObjectName("ownerCombo")
        self.owner.addItem(_("— nobody in particular —"), "")
        for name in people:
            self.owner.addItem(name, name)
        if cell.owner and self.owner.findData(cell.owner) < 0:
            self.owner.addItem(cell.owner, cell.owner)
        self.owner.setCurrentIndex(max(0, self.owner.findData(cell.owner or "")))
        self.template = QComboBox()
        self.template.setObjectName("templateCombo")
        self.template.addItem(_("its own templates"), "")
        for name, label in audiences:
            if name != cell.audience:
                self.template.addItem(_("{label}'s templates ({name})").format(label=label, name=name), name)
        if cell.template_audience and self.template.findData(cell.template_audience) < 0:
            self.template.addItem(cell.template_audience, cell.template_audience)
        self.template.setCurrentIndex(max(0, self.template.findData(cell.template_audience or "")))
        self.via_manager = QCheckBox(_("Reach key accounts through their success manager's e-mail"))
        self.via_manager.setObjectName("viaManager")
        self.via_manager.setToolTip(_("A key account's mail, personal or general, goes to its success manager, not "
                                    "to the account"))
        self.via_manager.setChecked(cell.via_success_manager)
        self.apply_to = QComboBox()
        self.apply_to.setObjectName("applyTo")
        sev = cell.severity
        self.apply_to.addItem(_("{severity} only").format(severity=sev.value), sev.value)
        if sev.rank > 1:
            more = [s.value for s in Severity if s.rank <= sev.rank]
            self.apply_to.addItem(_("{first}–{severity} ({severity} and more severe)").format(
                first=more[0], severity=sev.value), ",".join(more))
        self.apply_to.addItem(_("all severities"), "all")
        self.apply_to.setToolTip(_("Only what you change here is written to the other severities"))
        self.error.setObjectName("cellError")
        # By the names matrix.set_cell gives its errors' fields.
        self.fields = {"channels": self.routes, "cadence": self.cadence, "owner": self.owner,
                       "template_audience": self.template}

        form = QFormLayout()
        add_row(form, "", self.told, _("Untick to tell this audience nothing at this severity"))
        form.addRow(_("&Channels"), self.routes)
        form.addRow("", self.known)
        form.addRow(_("C&adence"), self.cadence)
        add_row(form, _("&Owner"), self.owner, _("The person who answers for this audience's updates"))
        add_row(form, _("&Templates"), self.template, _("Whose templates this audience's drafts start from"))
        form.addRow("", self.via_manager)
        form.addRow(_("A&pply to"), self.apply_to)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        describe_buttons(self.buttons, _("Save the cell, and the other severities chosen"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.told.toggled.connect(self._told_changed)
        self._told_changed(self.told.isChecked())
        self.routes.setFocus()
        self.resize(max(580, self.sizeHint().width()), self.sizeHint().height())

    def _told_changed(self, told: bool) -> None:
        for w in (self.routes, self.known, self.cadence, self.owner, self.template, self.via_manager):
            w.setEnabled(told)

    def _add_channel(self, name: str) -> None:
        text = self.routes.text().rstrip()
        if not text:
            text = name
        elif text.endswith((",", ">")):
            text += name if text.endswith(">") else f" {name}"
        else:
            text += f", {name}"
        self.routes.setText(text)
        self.routes.setFocus()

    def severities(self) -> str:
        return str(self.apply_to.currentData())

    def changes(self) -> dict[str, Any]:
        """What the form changes, as :func:`matrix.set_cell` takes it. Raises InputError
        for a cadence it cannot read."""
        from warroom.services import cadence as policy

        c = self.cell
        out: dict[str, Any] = {}
        told = self.told.isChecked()
        if told != c.told or not c.defined:
            out["told"] = told
        routes = self.routes.text().strip()
        if matrix.parse_routes(routes) != tuple(c.routes):
            out["channels"] = routes
        text = self.cadence.text().strip()
        try:
            cadence = policy.parse_interval(text) if text and text.lower() != "default" else None
        except InputError as exc:
            raise InputError(str(exc), field="cadence") from None
        if cadence != c.cadence:
            out["cadence"] = cadence
        owner = self.owner.currentData() or None
        if owner != c.owner:
            out["owner"] = owner
        template = self.template.currentData() or None
        if template != c.template_audience:
            out["template_audience"] = template
        if self.via_manager.isChecked() != c.via_success_manager:
            out["via_success_manager"] = self.via_manager.isChecked()
        return out

    def message(self, text: str) -> str:
        # The service speaks to the command line too; here, channels are added in the window.
        return text.replace("add it first (channel add)", "add it first (View › Channels…)")


class MatrixDialog(QDialog):
    """The matrix: non-modal, opened from View › Stakeholder matrix… (Ctrl+Shift+M)."""

    #: Open the channel settings (the button under the grid).
    channels_requested = Signal()
    #: A cell was saved (cadences and routes drive the window's countdown).
    changed = Signal()

    def __init__(self, ctx: WindowContext, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Stakeholder matrix — War room"))
        self.setObjectName("matrixDialog")
        self.setWindowFlag(Qt.WindowType.Window)
        self.ctx = ctx
        self.store, self.ops = ctx.store, ctx.ops
        self.form: CellForm | None = None
        self._audiences: list = []
        self._channels: list[tuple[str, str, str]] = []
        self._people: list[str] = []

        intro = QLabel(_("Who hears what at each severity, and through which channels. A cell's channels are routes: "
                       "<b>statuspage&gt;site, slack&gt;email</b> sends to the status page and to Slack, each falling "
                       "back to the next when it is down. <b>Enter</b> or a double-click changes a cell."))
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setWordWrap(True)
        intro.setObjectName("matrixIntro")
        self.model = MatrixModel(self)
        self.table = QTableView()
        self.table.setObjectName("matrixTable")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)  # the arrows move between cells; Tab goes on to the buttons
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setAlternatingRowColors(True)
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(self.table.fontMetrics().height() * 2 + 14)
        vh.setMinimumWidth(sizes.chars(vh, 16))
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self.edit_current)
        self.edit_action = QAction(_("Edit cell"), self.table)
        self.edit_action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter),
                                       QKeySequence(Qt.Key.Key_F2)])
        self.edit_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.edit_action.triggered.connect(self.edit_current)
        self.table.addAction(self.edit_action)
        self.table.selectionModel().currentChanged.connect(self._explain)
        describe(self.table, _("Stakeholder matrix"), _("Audiences by severity: who hears what, through which "
                                                        "channels; Enter changes the chosen cell"))

        self.explain = QLabel()
        self.explain.setObjectName("cellExplain")
        self.explain.setTextFormat(Qt.TextFormat.RichText)  # our markup; the names in it escaped
        self.explain.setWordWrap(True)
        self.status = QLabel()
        self.status.setObjectName("matrixStatus")
        self.status.setWordWrap(True)
        self.edit_button = QPushButton(_("&Edit cell… (Enter)"))
        self.edit_button.setObjectName("editCell")
        self.channels_button = QPushButton(_("C&hannels…"))
        self.channels_button.setObjectName("openChannels")
        self.close_button = QPushButton(_("Close"))
        for b in (self.edit_button, self.channels_button, self.close_button):
            b.setAutoDefault(False)
        self.edit_button.clicked.connect(self.edit_current)
        self.channels_button.clicked.connect(self.channels_requested)
        self.close_button.clicked.connect(self.close)
        describe(self.edit_button, None, _("Change the chosen cell"), tip=True)
        describe(self.channels_button, None, _("Where updates go: Slack, e-mail, status pages…"), tip=True)
        describe(self.close_button, None, _("Close this window"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.channels_button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.explain)
        layout.addLayout(buttons)
        self.resize(1100, 520)
        self.reload()

    @property
    def actor(self) -> str:
        return self.ctx.actor

    def reload(self) -> None:
        from warroom.services import audiences, cadence as policy, channels, people

        current = self.table.currentIndex()
        keep = (current.row(), current.column()) if current.isValid() else (0, 0)
        names, sevs, cells = matrix.grid(self.store)
        self._audiences = audiences.list_audiences(self.store)
        self._channels = [(c.name, c.kind, c.state) for c in channels.list_channels(self.store)]
        self._people = [p.name for p in people.list_people(self.store)]
        self.model.set_grid(names, sevs, cells, labels={a.name: a.label for a in self._audiences},
                            defaults=policy.update_intervals(self.store),
                            channel_states={name: state for name, _k, state in self._channels})
        if self.model.rowCount():
            row = min(keep[0], self.model.rowCount() - 1)
            self.table.setCurrentIndex(self.model.index(row, min(keep[1], self.model.columnCount() - 1)))
        self._explain()

    def select(self, audience: str, severity: Severity | str) -> bool:
        pos = self.model.position(audience, Severity.parse(severity))
        if pos is None:
            return False
        self.table.setCurrentIndex(self.model.index(*pos))
        return True

    def current_cell(self) -> CellView | None:
        index = self.table.currentIndex()
        return self.model.cell(index.row(), index.column()) if index.isValid() else None

    def _explain(self, *_args) -> None:
        c = self.current_cell()
        if c is None:
            self.explain.setText("")
            return
        label = self.model.labels.get(c.audience, c.audience)
        if not c.told:
            text = _("<b>{audience}</b> is not told at {severity}.").format(audience=html.escape(label),
                                                                           severity=c.severity.value)
        elif not c.routes:
            text = _("<b>{audience}</b> at {severity}: no channels — a published update is recorded, and sent "
                     "nowhere.").format(audience=html.escape(label), severity=c.severity.value)
        else:
            cadence = c.cadence or self.model.defaults.get(c.severity)
            text = (_("<b>{audience}</b> at {severity}: sent through {routes}").format(
                audience=html.escape(label), severity=c.severity.value, routes=html.escape(routes_sentence(c.routes)))
                    + (_(", every {cadence}").format(cadence=duration_text(cadence, "cadence")) if cadence else "")
                    + (_(", owned by {owner}").format(owner=html.escape(c.owner)) if c.owner else "")
                    + (_(", with the {audience} templates").format(audience=html.escape(c.template_audience))
                       if c.template_audience else "")
                    + ".")
            problem = self.model.problem(c)
            if problem:
                text += f" <span style='color:{palette.hex_color(Tone.BAD)}'>{html.escape(problem)}</span>"
        self.explain.setText(text)

    def edit_current(self, *_args) -> CellForm | None:
        c = self.current_cell()
        if c is None:
            return None
        if self.form is not None and qt_alive(self.form) and self.form.isVisible():
            self.form.raise_()
            return self.form
        form = CellForm(c, audience_label=self.model.labels.get(c.audience, c.audience), channels=self._channels,
                        people=self._people, audiences=[(a.name, a.label) for a in self._audiences],
                        default_cadence=self.model.defaults.get(c.severity), parent=self)
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.submitted.connect(lambda form=form: self._save(form))
        self.form = form
        form.open()
        return form

    def _save(self, form: CellForm) -> None:
        try:
            changes = form.changes()
        except WarroomError as exc:
            form.show_error(exc)
            return
        if not changes:
            form.finish()
            self.status.setText(_("Nothing changed."))
            return
        store, actor, cell, severities = self.store, self.actor, form.cell, form.severities()
        form.setEnabled(False)

        def saved(views) -> None:
            if qt_alive(form):
                form.setEnabled(True)
                form.finish()
            self.reload()
            self.select(cell.audience, cell.severity)
            which = ", ".join(v.severity.value for v in views)
            self.status.setText(_("Saved {audience} at {which}.").format(
                audience=self.model.labels.get(cell.audience, cell.audience), which=which))
            self.changed.emit()

        def failed(error: BaseException) -> None:
            if qt_alive(form):
                form.setEnabled(True)
            if isinstance(error, WarroomError) and qt_alive(form):
                form.show_error(error)
            elif isinstance(error, WarroomError):
                QMessageBox.warning(self, _("Stakeholder matrix"), str(error))
            else:
                self.ops.default_error(error)

        self.ops.write(lambda: matrix.set_cell(store, actor, cell.audience, severities, **changes), saved, failed)

