"""The stakeholder register in the window: a searchable table of who hears from
us, a form to add or correct one, CSV and vCard import (all or nothing), CSV
export, and the validation report (invalid, missing and stale contacts) kept
next to the table, so the register is put right before an incident, not in one.

The register is small (hundreds of rows): it is read whole and filtered in the
window; writes and imports go through the window's background operations."""

from __future__ import annotations

import html
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.errors import WarroomError
from warroom.services import audiences as audience_service
from warroom.services import stakeholders
from ui.common.tables import fixed_rows
from ui.qt import (
    plain_tip,
    QAbstractTableModel,
    QAction,
    QBrush,
    QCheckBox,
    QColor,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMessageBox,
    QModelIndex,
    QPushButton,
    QSortFilterProxyModel,
    QSpinBox,
    QSplitter,
    Qt,
    qt_alive,
    QTableView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)

if TYPE_CHECKING:
    from warroom.clock import Clock
    from warroom.services.stakeholders import StakeholderView, ValidationReport
    from warroom.store import Store

#: The sort key of a cell (dates sort as dates, "never verified" first).
SortRole = Qt.ItemDataRole.UserRole + 2
#: The stakeholder's name, on every cell and on report items.
NameRole = Qt.ItemDataRole.UserRole + 3

_STALE = QColor("#c62828")
_MUTED = QColor("#8a8a8a")
_ERROR_STYLE = "color:#c62828;"
_FIELD_ERROR_STYLE = "border:1px solid #c62828;"
DEFAULT_STALE_DAYS = stakeholders.STALE_AFTER.days
VCARD_SUFFIXES = (".vcf", ".vcard")


def _date(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "never"


def _phone_text(e164: str | None) -> str:
    """A stored E.164 number the way people read it: +44 20 7946 0958."""
    if not e164:
        return ""
    import phonenumbers

    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164


class StakeholderModel(QAbstractTableModel):
    """Every stakeholder, as the register orders them (audience, then name)."""

    COLUMNS = ("Name", "Kind", "Audience", "E-mail", "Phone", "Slack", "Teams", "Zone", "Owner", "Verified")
    NAME, KIND, AUDIENCE, EMAIL, PHONE, SLACK, TEAMS, ZONE, OWNER, VERIFIED = range(10)
    _FIELDS = ("name", "kind", "audience", "email", "phone", "slack", "teams", "timezone", "owner", None)

    def __init__(self, clock: Clock, parent=None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.stale_after = stakeholders.STALE_AFTER
        self._rows: list[StakeholderView] = []
        self._cells: list[tuple[str, ...]] = []
        self._haystacks: list[str] = []
        self._stale_brush = QBrush(_STALE)

    def set_rows(self, rows: list[StakeholderView]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._cells = [self._texts(r) for r in self._rows]
        # The search also finds what the table does not show (E.164 numbers, locale, …).
        self._haystacks = [" ".join(cells + tuple(v for v in (r.phone, r.locale, r.success_manager, r.jurisdiction)
                                                  if v)).lower()
                           for r, cells in zip(self._rows, self._cells)]
        self.endResetModel()

    def _texts(self, r: StakeholderView) -> tuple[str, ...]:
        """A row's display texts, made once when the rows are set (data() only looks up)."""
        texts = [(getattr(r, f) or "") if f else "" for f in self._FIELDS]
        texts[self.PHONE] = _phone_text(r.phone)
        texts[self.VERIFIED] = _date(r.verified_at)
        return tuple(texts)

    def set_stale_after(self, stale_after: timedelta) -> None:
        self.stale_after = stale_after
        if self._rows:
            self.dataChanged.emit(self.index(0, self.VERIFIED), self.index(len(self._rows) - 1, self.VERIFIED),
                                  [Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole])

    def stakeholder(self, row: int) -> StakeholderView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def names(self) -> set[str]:
        return {r.name for r in self._rows}

    def row_of(self, name: str) -> int | None:
        for i, r in enumerate(self._rows):
            if r.name == name:
                return i
        return None

    def haystack(self, row: int) -> str:
        """Every field of a row in lower case, for the search."""
        return self._haystacks[row]

    def is_stale(self, s: StakeholderView) -> bool:
        return s.verified_at is None or self.clock.now() - s.verified_at > self.stale_after

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            if section == self.OWNER:
                return "Who keeps this stakeholder's contacts current"
            if section == self.VERIFIED:
                return "When the contacts were last checked (UTC date); red: stale"
            if section == self.ZONE:
                return "The stakeholder's time zone: updates give times in it"
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        s = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][col]
        if role == SortRole:
            if col == self.VERIFIED:
                return s.verified_at.isoformat() if s.verified_at else ""
            if col == self.PHONE:
                return s.phone or ""
            return self._cells[index.row()][col].lower()
        if role == NameRole:
            return s.name
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == self.VERIFIED and self.is_stale(s):
                return self._stale_brush
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.VERIFIED:
                if s.verified_at is None:
                    return "Contacts never verified"
                stale = " — stale" if self.is_stale(s) else ""
                return f"Contacts last verified {s.verified_at:%Y-%m-%d %H:%M} UTC{stale}"
            cell = self._cells[index.row()][col]
            return plain_tip(self._details(s) if col == self.NAME or not cell else f"{cell}\n\n{self._details(s)}")
        return None

    @staticmethod
    def _details(s: StakeholderView) -> str:
        lines = [f"{s.name} ({s.kind}, {s.audience}, {'external' if s.external else 'internal'})"]
        for label, value in (("Locale", s.locale), ("Success manager", s.success_manager),
                             ("Jurisdiction", s.jurisdiction)):
            if value:
                lines.append(f"{label}: {value}")
        return "\n".join(lines)


class StakeholderFilter(QSortFilterProxyModel):
    """Every word typed must appear somewhere in the row; an audience narrows it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._words: list[str] = []
        self._audience: str | None = None
        self.setSortRole(SortRole)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def set_search(self, text: str) -> None:
        words = text.lower().split()
        if words != self._words:
            self.beginFilterChange()
            self._words = words
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_audience(self, audience: str | None) -> None:
        if audience != self._audience:
            self.beginFilterChange()
            self._audience = audience
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filtering(self) -> bool:
        return bool(self._words or self._audience)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, StakeholderModel):
            return True
        if self._audience is not None:
            s = model.stakeholder(source_row)
            if s is None or s.audience != self._audience:
                return False
        if self._words:
            hay = model.haystack(source_row)
            return all(w in hay for w in self._words)
        return True


class StakeholderForm(QDialog):
    """Add a stakeholder or correct one. Saving emits ``submitted`` and leaves the
    form open; the register calls :meth:`finish` once it is stored, or
    :meth:`show_error` with the service's message (the field it names is marked)."""

    submitted = Signal()

    def __init__(self, audiences: list, existing: StakeholderView | None = None, parent=None) -> None:
        super().__init__(parent)
        self.existing = existing
        self.setWindowTitle(f"Edit {existing.name}" if existing else "Add a stakeholder")
        self.setObjectName("stakeholderForm")

        self.name = QLineEdit()
        self.name.setObjectName("nameEdit")
        self.name.setMaxLength(200)
        self.name.setPlaceholderText("A person or a group, e.g. Acme Bank operations")
        self.kind = QComboBox()
        for kind in stakeholders.KINDS:
            self.kind.addItem(kind, kind)
        self.audience = QComboBox()
        self.audience.setObjectName("audienceCombo")
        for a in audiences:
            self.audience.addItem(f"{a.label} ({a.name})" + (" · external" if a.external else ""), a.name)
        self.email = QLineEdit()
        self.email.setObjectName("emailEdit")
        self.email.setPlaceholderText("name@example.com")
        self.phone = QLineEdit()
        self.phone.setObjectName("phoneEdit")
        self.phone.setPlaceholderText("+49 30 1234567")
        self.region = QLineEdit()
        self.region.setObjectName("regionEdit")
        self.region.setMaxLength(2)
        self.region.setPlaceholderText("region")
        self.region.setToolTip("For a national number without +: the country it is in (DE, US, GB…)")
        self.region.setMaximumWidth(70)
        self.slack = QLineEdit()
        self.slack.setPlaceholderText("@handle or #channel")
        self.teams = QLineEdit()
        self.teams.setPlaceholderText("Teams user or channel")
        self.timezone = QComboBox()
        self.timezone.setObjectName("zoneCombo")
        self.timezone.setEditable(True)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.timezone.addItem("")
        self.timezone.addItems(sorted(zoneinfo.available_timezones()))
        self.timezone.lineEdit().setPlaceholderText("e.g. Europe/Berlin")
        self.locale = QLineEdit()
        self.locale.setPlaceholderText("e.g. en_GB, de")
        self.owner = QLineEdit()
        self.owner.setPlaceholderText("Who keeps these contacts current")
        self.success_manager = QLineEdit()
        self.success_manager.setPlaceholderText("For key accounts")
        self.jurisdiction = QLineEdit()
        self.jurisdiction.setPlaceholderText("For regulators, e.g. EU / BaFin")
        self.verified_label = QLabel()
        self.verified_label.setObjectName("verifiedLabel")
        self.verified_now = QCheckBox("I have checked these contacts: mark them verified now")
        self.verified_now.setObjectName("verifiedNow")
        self.error = QLabel()
        self.error.setObjectName("formError")
        self.error.setStyleSheet(_ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        self.fields: dict[str, QWidget] = {
            "name": self.name, "kind": self.kind, "audience": self.audience, "email": self.email,
            "phone": self.phone, "timezone": self.timezone, "locale": self.locale,
        }

        phone_row = QHBoxLayout()
        phone_row.setContentsMargins(0, 0, 0, 0)
        phone_row.addWidget(self.phone, 1)
        phone_row.addWidget(self.region)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Kind", self.kind)
        form.addRow("&Audience", self.audience)
        form.addRow("&E-mail", self.email)
        phone_label = QLabel("&Phone")
        phone_label.setBuddy(self.phone)
        form.addRow(phone_label, phone_row)
        form.addRow("&Slack", self.slack)
        form.addRow("&Teams", self.teams)
        form.addRow("Time &zone", self.timezone)
        form.addRow("&Locale", self.locale)
        form.addRow("&Owner", self.owner)
        form.addRow("Success &manager", self.success_manager)
        form.addRow("&Jurisdiction", self.jurisdiction)
        form.addRow("Verified", self.verified_label)
        form.addRow("", self.verified_now)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        if existing is None:
            self.verified_label.setText("not yet")
            self.verified_now.setChecked(True)
            self.name.setFocus()
        else:
            self._fill(existing)
            self.email.setFocus()
        self.resize(520, self.sizeHint().height())

    def _fill(self, s: StakeholderView) -> None:
        self.name.setText(s.name)
        # The name is what the register knows a stakeholder by: a new name is a new stakeholder.
        self.name.setReadOnly(True)
        self.name.setToolTip("The name identifies the stakeholder; add a new one to use another name.")
        self.kind.setCurrentIndex(max(0, self.kind.findData(s.kind)))
        index = self.audience.findData(s.audience)
        if index < 0:  # an audience removed since: keep it visible rather than change it silently
            self.audience.addItem(s.audience, s.audience)
            index = self.audience.count() - 1
        self.audience.setCurrentIndex(index)
        self.email.setText(s.email or "")
        self.phone.setText(_phone_text(s.phone))
        self.slack.setText(s.slack or "")
        self.teams.setText(s.teams or "")
        self.timezone.setCurrentText(s.timezone or "")
        self.locale.setText(s.locale or "")
        self.owner.setText(s.owner or "")
        self.success_manager.setText(s.success_manager or "")
        self.jurisdiction.setText(s.jurisdiction or "")
        self.verified_label.setText(f"{s.verified_at:%Y-%m-%d %H:%M} UTC" if s.verified_at else "never")

    def values(self, now: datetime) -> dict[str, Any]:
        verified = now if self.verified_now.isChecked() else (self.existing.verified_at if self.existing else None)
        return dict(name=self.name.text(), kind=self.kind.currentData(), audience=self.audience.currentData() or "",
                    email=self.email.text(), phone=self.phone.text(), region=self.region.text().strip().upper(),
                    slack=self.slack.text(), teams=self.teams.text(), timezone=self.timezone.currentText().strip(),
                    locale=self.locale.text(), owner=self.owner.text(), success_manager=self.success_manager.text(),
                    jurisdiction=self.jurisdiction.text(), verified_at=verified)

    def accept(self) -> None:
        if not self.isEnabled():  # the previous Save is still being written
            return
        self._clear_marks()
        self.submitted.emit()

    def finish(self) -> None:
        super().accept()

    def _clear_marks(self) -> None:
        self.error.hide()
        for widget in self.fields.values():
            widget.setStyleSheet("")

    def show_error(self, message: str, field_name: str | None = None) -> None:
        """The service's message, and the field it names (its error's ``field``) marked."""
        self._clear_marks()
        self.error.setText(message)
        self.error.show()
        field = self.fields.get(field_name or "")
        if field is not None:
            field.setStyleSheet(_FIELD_ERROR_STYLE)
            field.setFocus()
            if isinstance(field, QLineEdit):
                field.selectAll()


def ask_vcard_audience(parent: QWidget, audiences: list, preselect: str | None) -> tuple[str, str] | None:
    """A vCard file says nothing about audiences: which one its people join, and the
    region their national phone numbers are in. None when cancelled."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("Import vCards")
    combo = QComboBox()
    for a in audiences:
        combo.addItem(f"{a.label} ({a.name})", a.name)
    if preselect:
        combo.setCurrentIndex(max(0, combo.findData(preselect)))
    region = QLineEdit()
    region.setMaxLength(2)
    region.setPlaceholderText("e.g. DE; empty when every number starts with +")
    form = QFormLayout()
    form.addRow("Everyone in the file joins", combo)
    form.addRow("National numbers are in", region)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addLayout(form)
    layout.addWidget(buttons)
    try:
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return combo.currentData(), region.text().strip().upper()
    finally:
        dialog.deleteLater()


class StakeholderDialog(QDialog):
    """The register: non-modal, opened from the window's View menu (Ctrl+Shift+K)."""

    def __init__(self, store: Store, actor: str | Callable[[], str], ops, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Stakeholders — War room")
        self.setObjectName("stakeholderDialog")
        self.setWindowFlag(Qt.WindowType.Window)
        self.store, self.ops = store, ops
        self._actor = actor
        self._audiences: list = []
        self.form: StakeholderForm | None = None
        self.report: ValidationReport | None = None
        self.invalid: list[str] = []

        # Search and audience filter
        self.search = QLineEdit()
        self.search.setObjectName("stakeholderSearch")
        self.search.setPlaceholderText("Search names, contacts, owners… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.audience_filter = QComboBox()
        self.audience_filter.setObjectName("audienceFilter")
        self.audience_filter.setMinimumContentsLength(18)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")

        # The table
        self.model = StakeholderModel(store.clock, self)
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
        self.hint = QLabel()
        self.hint.setObjectName("emptyHint")
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("color:#555; padding:18px;")
        self.hint.hide()

        # Buttons
        self.add_button = QPushButton("&Add… (Ctrl+N)")
        self.add_button.setObjectName("addStakeholder")
        self.edit_button = QPushButton("&Edit… (Enter)")
        self.edit_button.setObjectName("editStakeholder")
        self.import_button = QPushButton("&Import…")
        self.import_button.setObjectName("importStakeholders")
        self.import_button.setToolTip("Import a CSV file (a header line with name, audience, email, phone, …) or a "
                                      "vCard address book; a bad line imports nothing")
        self.export_button = QPushButton("E&xport CSV…")
        self.export_button.setObjectName("exportStakeholders")
        self.close_button = QPushButton("Close")
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
        self.stale_days.setSuffix(" days")
        self.stale_days.setToolTip("Contacts not verified for this long count as stale")
        self.stale_days.valueChanged.connect(self.validate)
        self.validate_button = QPushButton("&Validate")
        self.validate_button.setObjectName("validateStakeholders")
        self.validate_button.setAutoDefault(False)
        self.validate_button.setToolTip("Check who cannot be reached and whose contacts are stale (Ctrl+R)")
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

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
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
        title = QLabel("<b>Validation</b>")
        title.setTextFormat(Qt.TextFormat.RichText)
        report_top.addWidget(title)
        report_top.addWidget(self.summary, 1)
        stale_label = QLabel("&Stale after")
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
        self.find_action = self._action("Find", self._focus_search, QKeySequence.StandardKey.Find)
        self.add_action = self._action("Add stakeholder", self.add, QKeySequence.StandardKey.New)
        self.import_action = self._action("Import", self.import_file, "Ctrl+O")
        self.export_action = self._action("Export CSV", self.export_csv, "Ctrl+E")
        self.validate_action = self._action("Validate", self.validate, "Ctrl+R")
        self.edit_action = QAction("Edit stakeholder", self.table)
        self.edit_action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        self.edit_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.edit_action.triggered.connect(self.edit_selected)
        self.table.addAction(self.edit_action)
        self.import_button.setText("&Import… (Ctrl+O)")
        self.export_button.setText("E&xport CSV… (Ctrl+E)")

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
        return self._actor() if callable(self._actor) else self._actor

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
        self.audience_filter.addItem("All audiences", None)
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
            self.hint.setText("<b>No stakeholders yet.</b><br>Press <b>Ctrl+N</b> to add one, or "
                              "<b>Import…</b> a CSV file (a header line naming the columns: name, audience, email, "
                              "phone, slack, teams, timezone, owner, …) or a vCard address book export.")
            self.hint.show()
        elif shown == 0:
            self.count_label.setText(f"0 of {total}")
            what = f"“{html.escape(self.search.text().strip())}”" if self.search.text().strip() else "this filter"
            where = (f" in {html.escape(self.audience_filter.currentText())}"
                     if self.audience_filter.currentData() else "")
            self.hint.setText(f"No stakeholder matches {what}{where}. Clear the search or choose All audiences.")
            self.hint.show()
        else:
            self.count_label.setText(f"{shown} of {total}" if shown != total else f"{total} stakeholders")
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
            form.show_error(f"{name} is already in the register: close this form and edit it instead "
                            "(select it and press Enter).")
            return
        store, actor = self.store, self.actor
        form.setEnabled(False)  # one Save at a time

        def saved(view: StakeholderView) -> None:
            if qt_alive(form):
                form.setEnabled(True)
                form.finish()
            self.reload(select=view.name)
            self.status.setText(f"{view.name} saved.")

        def failed(error: BaseException) -> None:
            if qt_alive(form) and isinstance(error, WarroomError):
                form.setEnabled(True)
                form.show_error(str(error), getattr(error, "field", None))
            else:
                if qt_alive(form):
                    form.setEnabled(True)
                self._show_error(error)

        self.ops.write(lambda: stakeholders.save(store, actor, **values), saved, failed)

    # -- import and export ---------------------------------------------------

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import stakeholders", "",
                                              "Stakeholders (*.csv *.vcf *.vcard);;CSV (*.csv);;"
                                              "vCard (*.vcf *.vcard);;All files (*)")
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
        self.status.setText(f"Importing {source}…")

        def done(count: int) -> None:
            self.import_button.setEnabled(True)
            self.reload()
            self.status.setText(f"Imported {count} stakeholder{'s' if count != 1 else ''} from {source}.")

        def failed(error: BaseException) -> None:
            self.import_button.setEnabled(True)
            if isinstance(error, WarroomError):
                self.status.setText(f"Nothing imported from {source}.")
                QMessageBox.warning(self, "Import failed", f"{error}\n\nNothing was imported: correct the file and "
                                                           "import it again.")
            else:
                self.status.setText("")
                self._show_error(error)

        self.ops.write(run, done, failed)

    def export_csv(self) -> None:
        if self.model.rowCount() == 0:
            self.status.setText("The register is empty: nothing to export.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export stakeholders", "stakeholders.csv", "CSV (*.csv)")
        if not path:
            return
        store = self.store

        def write() -> str:
            from warroom.services.export import save

            save(path, stakeholders.export_csv(store))      # owner-only
            return path

        def failed(error: BaseException) -> None:
            if isinstance(error, OSError):
                QMessageBox.warning(self, "Export failed", f"Cannot write {path}: {error.strerror or error}")
            else:
                self._show_error(error)

        self.ops.read(write, lambda p: self.status.setText(f"Exported {self.model.rowCount()} stakeholders to {p}."),
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
            self.summary.setText("Nothing to check yet: the register is empty.")
            self.summary.setStyleSheet("")
            QTreeWidgetItem(tree, ["Add or import stakeholders; whoever cannot be reached, or has not been "
                                   "verified lately, is listed here."]).setForeground(0, QBrush(_MUTED))
            return
        if report.ok and not self.invalid:
            self.summary.setText(f"All {report.total} stakeholders reachable, valid and verified in the last "
                                 f"{days} days.")
            self.summary.setStyleSheet("color:#2e7d32;")
            QTreeWidgetItem(tree, ["Nothing to fix."]).setForeground(0, QBrush(_MUTED))
            return
        self.summary.setText(f"{len(report.missing)} missing · {len(report.stale)} stale · {len(self.invalid)} "
                             f"invalid, of {report.total} stakeholders")
        self.summary.setStyleSheet("")
        names = sorted(self.model.names(), key=len, reverse=True)
        for title, lines, color in (("Missing contacts", report.missing, "#c62828"),
                                    ("Stale contacts", report.stale, "#ef6c00"),
                                    ("Invalid contacts", self.invalid, "#c62828")):
            group = QTreeWidgetItem(tree, [f"{title} ({len(lines)})"])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            if not lines:
                group.setForeground(0, QBrush(_MUTED))
            for line in lines:
                item = QTreeWidgetItem(group, [line])
                item.setForeground(0, QBrush(QColor(color)))
                item.setToolTip(0, "Enter or double-click: show in the table")
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
            QMessageBox.warning(self, "Stakeholders", str(error))
        else:
            self.ops.default_error(error)

