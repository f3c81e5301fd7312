"""The register's dialog: search and audience filter over the table, add and edit,
CSV and vCard import (all or nothing), CSV export, and the validation report
(invalid, missing and stale contacts) kept next to the table."""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warroom.errors import WarroomError
from warroom.services import audiences as audience_service
from warroom.services import stakeholders
from ui.common import palette
from ui.common.access import describe, label_for
from ui.common.palette import Tone
from ui.common.tables import fixed_rows
from ui.qt import (
    QAction,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    Qt,
    qt_alive,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from ui.stakeholders.form import StakeholderForm, ask_vcard_audience
from ui.stakeholders.model import NameRole, StakeholderFilter, StakeholderModel
from ui.i18n import ngettext, tr as _

if TYPE_CHECKING:
    from warroom.services.stakeholders import StakeholderView, ValidationReport
    from ui.common.context import WindowContext

DEFAULT_STALE_DAYS = stakeholders.STALE_AFTER.days
VCARD_SUFFIXES = (".vcf", ".vcard")


class StakeholderDialog(QDialog):
    """The register: non-modal, opened from the window's View menu (Ctrl+Shift+K)."""

    def __init__(self, ctx: WindowContext, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Stakeholders — War room"))
        self.setObjectName("stakeholderDialog")
        self.setWindowFlag(Qt.WindowType.Window)
        self.ctx = ctx
        self.store, self.ops = ctx.store, ctx.ops
        self._audiences: list = []
        self.form: StakeholderForm | None = None
        self.report: ValidationReport | None = None
        self.invalid: list[str] = []

        # Search and audience filter
        self.search = QLineEdit()
        self.search.setObjectName("stakeholderSearch")
        self.search.setPlaceholderText(_("Search names, contacts, owners… (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        describe(self.search, _("Search stakeholders"))
        self.audience_filter = QComboBox()
        self.audience_filter.setObjectName("audienceFilter")
        self.audience_filter.setMinimumContentsLength(18)
        describe(self.audience_filter, None, _("Every stakeholder, or one audience's only"))
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")

        # The table
        self.model = StakeholderModel(ctx.clock, self)
        self.proxy = StakeholderFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("stakeholderTable")
        self.table.setModel(self.proxy)
        fixed_rows(self.table)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(StakeholderModel.NAME, Qt.SortOrder.AscendingOrder)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for col, width in ((0, 190), (1, 64), (2, 96), (3, 210), (4, 136), (5, 100), (6, 120), (7, 150), (8, 110),
                           (9, 90)):
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(StakeholderModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(48)
        self.table.doubleClicked.connect(self.edit_selected)
        describe(self.table, _("Stakeholders"), _("The register, one stakeholder a row: Enter edits the chosen one"))
        self.hint = QLabel()
        self.hint.setObjectName("emptyHint")
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("padding:18px;")
        self.hint.hide()

        # Buttons
        self.add_button = QPushButton(_("&Add… (Ctrl+N)"))
        self.add_button.setObjectName("addStakeholder")
        self.edit_button = QPushButton(_("&Edit… (Enter)"))
        self.edit_button.setObjectName("editStakeholder")
        self.import_button = QPushButton(_("&Import…"))
        self.import_button.setObjectName("importStakeholders")
        self.import_button.setToolTip(_("Import a CSV file (a header line with name, audience, email, phone, …) or a "
                                      "vCard address book; a bad line imports nothing"))
        self.export_button = QPushButton(_("E&xport CSV…"))
        self.export_button.setObjectName("exportStakeholders")
        self.close_button = QPushButton(_("Close"))
        for button, description in ((self.add_button, _("Add a stakeholder to the register")),
                                    (self.edit_button, _("Change the chosen stakeholder")),
                                    (self.export_button, _("Write the register to a CSV file"))):
            describe(button, None, description, tip=True)
        describe(self.close_button, None, _("Close this window"))
        for button in (self.add_button, self.edit_button, self.import_button, self.export_button, self.close_button):
            button.setAutoDefault(False)  # Enter in the table edits; it never presses a button
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit_selected)
        self.import_button.clicked.connect(self.import_file)
        self.export_button.clicked.connect(self.export_csv)
        self.close_button.clicked.connect(self.close)
        self.status = QLabel()
        self.status.setObjectName("stakeholderStatus")
        self.status.setWordWrap(True)

        # The validation report
        self.stale_days = QSpinBox()
        self.stale_days.setObjectName("staleDays")
        self.stale_days.setRange(1, 3650)
        self.stale_days.setValue(DEFAULT_STALE_DAYS)
        self.stale_days.setSuffix(_(" days"))
        self.stale_days.setToolTip(_("Contacts not verified for this long count as stale"))
        self.stale_days.valueChanged.connect(self.validate)
        self.validate_button = QPushButton(_("&Validate"))
        self.validate_button.setObjectName("validateStakeholders")
        self.validate_button.setAutoDefault(False)
        self.validate_button.setToolTip(_("Check who cannot be reached and whose contacts are stale (Ctrl+R)"))
        self.validate_button.clicked.connect(self.validate)
        self.summary = QLabel()
        self.summary.setObjectName("reportSummary")
        self.summary.setWordWrap(True)
        self.report_tree = QTreeWidget()
        self.report_tree.setObjectName("validationReport")
        self.report_tree.setHeaderHidden(True)
        self.report_tree.setUniformRowHeights(True)
        self.report_tree.setRootIsDecorated(True)
        self.report_tree.itemActivated.connect(self._report_item_activated)
        self.report_tree.itemDoubleClicked.connect(self._report_item_activated)
        describe(self.report_tree, _("Validation report"), _("Who cannot be reached and whose contacts are stale: "
                                                             "Enter shows one in the table"))

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(label_for(self.audience_filter, _("Au&dience:")))
        top.addWidget(self.audience_filter)
        top.addWidget(self.count_label)
        table_page = QWidget()
        tl = QVBoxLayout(table_page)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addLayout(top)
        tl.addWidget(self.hint)
        tl.addWidget(self.table, 1)
        self._table_layout = tl
        report_page = QWidget()
        rl = QVBoxLayout(report_page)
        rl.setContentsMargins(0, 0, 0, 0)
        report_top = QHBoxLayout()
        title = QLabel(_("<b>Validation</b>"))
        title.setTextFormat(Qt.TextFormat.RichText)
        report_top.addWidget(title)
        report_top.addWidget(self.summary, 1)
        stale_label = QLabel(_("&Stale after"))
        stale_label.setBuddy(self.stale_days)
        report_top.addWidget(stale_label)
        report_top.addWidget(self.stale_days)
        report_top.addWidget(self.validate_button)
        rl.addLayout(report_top)
        rl.addWidget(self.report_tree, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("stakeholderSplitter")
        self.splitter.addWidget(table_page)
        self.splitter.addWidget(report_page)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.import_button, self.export_button):
            buttons.addWidget(button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(buttons)

        # Keyboard: actions, so menus, buttons and tests trigger the same thing.
        self.find_action = self._action(_("Find"), self._focus_search, QKeySequence.StandardKey.Find)
        self.add_action = self._action(_("Add stakeholder"), self.add, QKeySequence.StandardKey.New)
        self.import_action = self._action(_("Import"), self.import_file, "Ctrl+O")
        self.export_action = self._action(_("Export CSV"), self.export_csv, "Ctrl+E")
        self.validate_action = self._action(_("Validate"), self.validate, "Ctrl+R")
        self.edit_action = QAction(_("Edit stakeholder"), self.table)
        self.edit_action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        self.edit_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.edit_action.triggered.connect(self.edit_selected)
        self.table.addAction(self.edit_action)
        self.import_button.setText(_("&Import… (Ctrl+O)"))
        self.export_button.setText(_("E&xport CSV… (Ctrl+E)"))

        self.search.textChanged.connect(self._search_changed)
        self.search.returnPressed.connect(self._to_table)
        self.audience_filter.currentIndexChanged.connect(self._audience_changed)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        self.proxy.modelReset.connect(self._after_filter)
        self.proxy.rowsInserted.connect(self._after_filter)
        self.proxy.rowsRemoved.connect(self._after_filter)
        self.proxy.layoutChanged.connect(self._after_filter)
        self.resize(1280, 760)
        self.splitter.setSizes([520, 200])
        self.reload()

    @property
    def actor(self) -> str:
        return self.ctx.actor

    def _action(self, text: str, slot, shortcut) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- loading and filtering ---------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Read the register again (it is small); the selection stays where it was."""
        keep = select or self.selected_name()
        self._audiences = audience_service.list_audiences(self.store)
        self._fill_audience_filter()
        self.model.set_rows(stakeholders.list_stakeholders(self.store))
        if keep is not None:
            self.select(keep)
        self.validate()

    def _fill_audience_filter(self) -> None:
        current = self.audience_filter.currentData()
        self.audience_filter.blockSignals(True)
        self.audience_filter.clear()
        self.audience_filter.addItem(_("All audiences"), None)
        for a in self._audiences:
            self.audience_filter.addItem(a.label, a.name)
        index = self.audience_filter.findData(current) if current else 0
        self.audience_filter.setCurrentIndex(max(0, index))
        self.audience_filter.blockSignals(False)
        self.proxy.set_audience(self.audience_filter.currentData())

    def _search_changed(self, text: str) -> None:
        self.proxy.set_search(text)
        self._after_filter()

    def _audience_changed(self) -> None:
        self.proxy.set_audience(self.audience_filter.currentData())
        self._after_filter()

    def _after_filter(self, *_args) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        # An empty register shows the hint in the table's place; a search that finds
        # nothing keeps the table's columns and says so above them.
        self.table.setVisible(total > 0)
        self._table_layout.setStretchFactor(self.hint, 0 if total else 1)
        if total == 0:
            self.count_label.setText("")
            self.hint.setText(_("<b>No stakeholders yet.</b><br>Press <b>Ctrl+N</b> to add one, or "
                              "<b>Import…</b> a CSV file (a header line naming the columns: name, audience, email, "
                              "phone, slack, teams, timezone, owner, …) or a vCard address book export."))
            self.hint.show()
        elif shown == 0:
            self.count_label.setText(_("0 of {total}").format(total=total))
            what = _("“{search}”").format(
                search=html.escape(self.search.text().strip())) if self.search.text().strip() \
                else _("this filter")
            if self.audience_filter.currentData():
                what = _("{what} in {audience}").format(
                    what=what, audience=html.escape(self.audience_filter.currentText()))
            self.hint.setText(_("No stakeholder matches {what}. Clear the search or choose All audiences.").format(
                what=what))
            self.hint.show()
        else:
            self.count_label.setText(_("{shown} of {total}").format(
                shown=shown, total=total) if shown != total else ngettext("{total} stakeholder", "{total} stakeholders", total).format(total=total))
            self.hint.hide()
        self._update_buttons()

    def _update_buttons(self, *_args) -> None:
        has = self.selected() is not None
        self.edit_button.setEnabled(has)
        self.edit_action.setEnabled(has)
        self.export_button.setEnabled(self.model.rowCount() > 0)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _to_table(self) -> None:
        if self.proxy.rowCount():
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.proxy.index(0, 0))
            self.table.setFocus()

    def selected(self) -> StakeholderView | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.stakeholder(self.proxy.mapToSource(index).row())

    def selected_name(self) -> str | None:
        s = self.selected()
        return s.name if s else None

    def select(self, name: str) -> bool:
        """Make a stakeholder current, clearing the filters when they hide it."""
        row = self.model.row_of(name)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.search.clear()
            self.audience_filter.setCurrentIndex(0)
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def shown_names(self) -> list[str]:
        """The names in the table as it shows them (for the tests and the keyboard)."""
        return [self.proxy.index(r, 0).data(NameRole) for r in range(self.proxy.rowCount())]

    # -- adding and editing ----------------------------------------------------

    def add(self) -> StakeholderForm | None:
        return self._open_form(None)

    def edit_selected(self, *_args) -> StakeholderForm | None:
        s = self.selected()
        if s is None:
            return None
        return self._open_form(s)

    def _open_form(self, existing: StakeholderView | None) -> StakeholderForm | None:
        if self.form is not None and qt_alive(self.form) and self.form.isVisible():
            self.form.raise_()
            self.form.activateWindow()
            return self.form
        form = StakeholderForm(self._audiences, existing, self)
        if existing is None and self.audience_filter.currentData():
            form.audience.setCurrentIndex(max(0, form.audience.findData(self.audience_filter.currentData())))
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.submitted.connect(lambda form=form: self._save(form))
        self.form = form
        form.open()
        return form

    def _save(self, form: StakeholderForm) -> None:
        values = form.values(self.store.clock.now())
        name = " ".join(values["name"].split())
        if form.existing is None and name in self.model.names():
            form.show_error(_("{name} is already in the register: close this form and edit it instead (select it "
                              "and press Enter).").format(name=name))
            return
        store, actor = self.store, self.actor
        form.setEnabled(False)  # one Save at a time

        def saved(view: StakeholderView) -> None:
            if qt_alive(form):
                form.setEnabled(True)
                form.finish()
            self.reload(select=view.name)
            self.status.setText(_("{name} saved.").format(name=view.name))

        def failed(error: BaseException) -> None:
            if qt_alive(form) and isinstance(error, WarroomError):
                form.setEnabled(True)
                form.show_error(error)
            else:
                if qt_alive(form):
                    form.setEnabled(True)
                self._show_error(error)

        self.ops.write(lambda: stakeholders.save(store, actor, **values), saved, failed)

    # -- import and export ---------------------------------------------------

    def import_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import stakeholders"), "",
                                              _("Stakeholders (*.csv *.vcf *.vcard);;CSV (*.csv);;"
                                              "vCard (*.vcf *.vcard);;All files (*)"))
        if not path:
            return
        store, actor = self.store, self.actor
        source = Path(path).name
        if path.lower().endswith(VCARD_SUFFIXES):
            chosen = ask_vcard_audience(self, self._audiences, self.audience_filter.currentData())
            if chosen is None:
                return
            audience, region = chosen

            def run() -> int:
                return stakeholders.import_vcard(store, actor, stakeholders.read_file(path), audience=audience, source=source,
                                                 region=region or None)
        else:
            def run() -> int:
                return stakeholders.import_csv(store, actor, stakeholders.read_file(path), source=source)

        self.import_button.setEnabled(False)
        self.status.setText(_("Importing {source}…").format(source=source))

        def done(count: int) -> None:
            self.import_button.setEnabled(True)
            self.reload()
            self.status.setText(ngettext("Imported {count} stakeholder from {source}.", "Imported {count} stakeholders from {source}.", count).format(
                count=count, source=source))

        def failed(error: BaseException) -> None:
            self.import_button.setEnabled(True)
            if isinstance(error, WarroomError):
                self.status.setText(_("Nothing imported from {source}.").format(source=source))
                QMessageBox.warning(self, _("Import failed"), _("{error}\n\nNothing was imported: correct the file "
                                                                "and import it again.").format(error=error))
            else:
                self.status.setText("")
                self._show_error(error)

        self.ops.write(run, done, failed)

    def export_csv(self) -> None:
        if self.model.rowCount() == 0:
            self.status.setText(_("The register is empty: nothing to export."))
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Export stakeholders"), "stakeholders.csv", _("CSV (*.csv)"))
        if not path:
            return
        store = self.store

        def write() -> str:
            from warroom.services.export import save

            save(path, stakeholders.export_csv(store))      # owner-only
            return path

        def failed(error: BaseException) -> None:
            if isinstance(error, OSError):
                QMessageBox.warning(self, _("Export failed"), _("Cannot write {path}: {error}").format(
                    path=path, error=error.strerror or error))
            else:
                self._show_error(error)

        self.ops.read(write, lambda p: self.status.setText(_("Exported {count} stakeholders to {path}.").format(
            count=self.model.rowCount(), path=p)),
                      failed)

    # -- the validation report -------------------------------------------------

    def validate(self, *_args) -> ValidationReport:
        days = self.stale_days.value()
        self.model.set_stale_after(timedelta(days=days))
        self.report = stakeholders.validate(self.store, stale_after=timedelta(days=days))
        self.invalid = list(self.report.invalid)
        self._show_report(days)
        return self.report

    def _show_report(self, days: int) -> None:
        report, tree = self.report, self.report_tree
        tree.clear()
        if report.total == 0:
            self.summary.setText(_("Nothing to check yet: the register is empty."))
            self.summary.setStyleSheet("")
            QTreeWidgetItem(tree, [_("Add or import stakeholders; whoever cannot be reached, or has not been "
                                     "verified lately, is listed here.")]).setForeground(0, palette.brush(Tone.MUTED, self.palette()))
            return
        if report.ok and not self.invalid:
            self.summary.setText(_("All {total} stakeholders reachable, valid and verified in the last {days} days.")
                                 .format(total=report.total, days=days))
            self.summary.setStyleSheet(palette.good_style())
            QTreeWidgetItem(tree, [_("Nothing to fix.")]).setForeground(0, palette.brush(Tone.MUTED, self.palette()))
            return
        self.summary.setText(_("{missing} missing · {stale} stale · {invalid} invalid, of {total} stakeholders").format(
            missing=len(report.missing), stale=len(report.stale), invalid=len(self.invalid), total=report.total))
        self.summary.setStyleSheet("")
        names = sorted(self.model.names(), key=len, reverse=True)
        for title, lines, tone in ((_("Missing contacts"), report.missing, Tone.BAD),
                                   (_("Stale contacts"), report.stale, Tone.WARN),
                                   (_("Invalid contacts"), self.invalid, Tone.BAD)):
            group = QTreeWidgetItem(tree, [f"{title} ({len(lines)})"])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            if not lines:
                group.setForeground(0, palette.brush(Tone.MUTED, self.palette()))
            for line in lines:
                item = QTreeWidgetItem(group, [line])
                item.setForeground(0, palette.brush(tone))
                item.setToolTip(0, _("Enter or double-click: show in the table"))
                name = next((n for n in names if line.startswith((f"{n}: ", f"{n} ("))), None)
                item.setData(0, NameRole, name)
            group.setExpanded(bool(lines))

    def _report_item_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        name = item.data(0, NameRole)
        if name and self.select(name):
            self.table.setFocus()

    def report_lines(self) -> dict[str, list[str]]:
        """What the report panel lists, by group (for the tests)."""
        out = {}
        for i in range(self.report_tree.topLevelItemCount()):
            group = self.report_tree.topLevelItem(i)
            out[group.text(0).split(" (")[0]] = [group.child(j).text(0) for j in range(group.childCount())]
        return out

    # -- errors --------------------------------------------------------------------

    def _show_error(self, error: BaseException) -> None:
        if isinstance(error, WarroomError):
            QMessageBox.warning(self, _("Stakeholders"), str(error))
        else:
            self.ops.default_error(error)

