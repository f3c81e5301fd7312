"""The parts of the main window: the incident header, the quick-entry line, dialogs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from warroom.clock import Clock
from warroom.domain import WRITTEN_KINDS, Category, EntryKind, Impact, Severity, Status, allowed_next
from warroom.text.durations import duration_text
from warroom.text.timefmt import TimeFormatter
from ui.common import palette
from ui.common.access import add_row, describe, describe_buttons, label_for
from ui.common.forms import FormDialog
from ui.common.palette import Tone
from ui.keys import finish_from_text_box
from ui.qt import (
    QAction,
    QCheckBox,
    QComboBox,
    QDateTime,
    QDateTimeEdit,
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QShortcut,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from ui.i18n import ngettext, term, tr as _

if TYPE_CHECKING:
    from warroom.services.incidents import IncidentView

#: Quick-entry prefixes: "/a rolled back" logs an action.
PREFIXES = {
    "/n": EntryKind.NOTE, "/note": EntryKind.NOTE,
    "/a": EntryKind.ACTION, "/action": EntryKind.ACTION,
    "/d": EntryKind.DECISION, "/decision": EntryKind.DECISION,
    "/x": EntryKind.EXTERNAL, "/ext": EntryKind.EXTERNAL, "/external": EntryKind.EXTERNAL,
}


def parse_quick_entry(text: str, default: EntryKind) -> tuple[EntryKind, str]:
    """Split a typed line into (kind, text): a leading ``/a``, ``/d``, ``/x`` or ``/n`` picks the kind."""
    stripped = text.lstrip()
    head, _sep, rest = stripped.partition(" ")
    kind = PREFIXES.get(head.lower())
    if kind is not None:
        return kind, rest.strip()
    return default, text.strip()


def _chip(tone: Tone, text: str) -> str:
    return f"<span style='{palette.chip_style(tone)} font-weight:600;'>&nbsp;{text}&nbsp;</span>"


def _button_style(tone: Tone) -> str:
    return f"QToolButton {{ {palette.chip_style(tone)} font-weight:600; padding:3px 8px; border-radius:3px; }}"


class IncidentHeader(QFrame):
    """Title, severity, status, commander, detection time in UTC and local time,
    a countdown to the next update due, and the regulatory clocks' countdowns
    (given by the Clocks tab: :meth:`set_clocks`)."""

    status_requested = Signal(object)      # Status
    reopen_requested = Signal()
    severity_requested = Signal(object)    # Severity

    def __init__(self, clock: Clock, utc: TimeFormatter, local: TimeFormatter, parent=None) -> None:
        super().__init__(parent)
        self.clock, self.utc, self.local = clock, utc, local
        self.incident: IncidentView | None = None
        #: incident id -> its exercise clock or None (given by the Exercise tab).
        self.clock_of = None
        self.exercise_clock = None
        self.setObjectName("incidentHeader")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.banner = QLabel()
        self.banner.setObjectName("exerciseBanner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        palette.keep(self.banner, lambda p: f"{palette.chip_style(Tone.ACCENT)} font-weight:600; padding:2px;")
        self.banner.hide()
        self.title = QLabel()
        self.title.setObjectName("incidentTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)

        self.severity_button = QToolButton()
        self.severity_button.setObjectName("severityButton")
        self.severity_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.severity_button.setToolTip(_("Change the severity (Ctrl+Alt+V)"))
        self.severity_menu = QMenu(self)
        for sev in Severity:
            action = QAction(sev.value, self)
            action.setData(sev)
            action.triggered.connect(self._severity_chosen)
            self.severity_menu.addAction(action)
        self.severity_button.setMenu(self.severity_menu)

        self.status_button = QToolButton()
        self.status_button.setObjectName("statusButton")
        self.status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.status_button.setToolTip(_("Change the status (Ctrl+Alt+S)"))
        self.status_menu = QMenu(self)
        self.status_button.setMenu(self.status_menu)

        self.facts = QLabel()
        self.facts.setObjectName("incidentFacts")
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.waiting = QLabel()
        self.waiting.setObjectName("reviewsWaiting")
        palette.keep(self.waiting, lambda p: f"color:{palette.hex_color(Tone.ACCENT)}; font-weight:600;")
        self.countdown = QLabel()
        self.countdown.setObjectName("countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        cfont = self.countdown.font()
        cfont.setPointSizeF(cfont.pointSizeF() * 1.2)
        cfont.setBold(True)
        self.countdown.setFont(cfont)

        self.waiting.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        #: The regulatory clocks (warroom.services.obligations.ClockView) of the incident shown.
        self.reg_clocks: list = []
        self.clocks = QLabel()
        self.clocks.setObjectName("regulatoryClocks")
        self.clocks.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.clocks.hide()
        # The countdown and the reviews waiting stack on the right: the facts keep the row's width.
        corner = QVBoxLayout()
        corner.setSpacing(0)
        corner.addWidget(self.countdown)
        corner.addWidget(self.waiting)
        corner.addWidget(self.clocks)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addLayout(corner)
        row = QHBoxLayout()
        row.addWidget(self.severity_button)
        row.addWidget(self.status_button)
        row.addWidget(self.facts, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addLayout(row)
        self.show_incident(None)

    def show_incident(self, incident: IncidentView | None, dues: list | None = None) -> None:
        """``dues`` (:func:`warroom.services.matrix.update_dues`) are what the
        matrix owes each audience; without them the severity's cadence counts."""
        if incident is None or self.incident is None or incident.id != self.incident.id:
            self.set_clocks([])             # another incident's clocks never show on this one
        self.incident = incident
        self.dues = list(dues or [])
        #: An exercise incident's clock (set by the Exercise tab's ``clock_of``): the countdown runs on it.
        self.exercise_clock = (self.clock_of(incident.id) if incident is not None and incident.exercise
                               and self.clock_of is not None else None)
        #: Audiences the matrix excuses from this (internal) incident.
        self.unowed = tuple(getattr(dues, "unowed", ()))
        #: Why nothing at all is owed, as the core says (:func:`warroom.services.reminders.settled`).
        self.settled = getattr(dues, "settled", None)
        enabled = incident is not None
        self.severity_button.setEnabled(enabled)
        self.status_button.setEnabled(enabled)
        if incident is None:
            self.title.setText(_("No incident selected — press Ctrl+N to declare one"))
            self.facts.setText("")
            self.severity_button.setText(_("SEV"))
            self.status_button.setText(_("Status"))
            self.countdown.setText("")
            self.banner.hide()
            return
        self.banner.setVisible(incident.exercise)
        self.banner.setText(_("EXERCISE — tabletop exercise, nothing is sent outside"))
        self.title.setText(f"{incident.ref}  {incident.title}")
        self.severity_button.setText(incident.severity.value)
        self.severity_button.setStyleSheet(_button_style(palette.SEVERITIES[incident.severity]))
        self.status_button.setText(term(incident.status))
        self.status_button.setStyleSheet(_button_style(palette.STATUSES[incident.status]))
        self._fill_status_menu(incident.status)
        for action in self.severity_menu.actions():
            action.setEnabled(action.data() != incident.severity and incident.active)
        detected = detected_text(self.utc, self.local, incident.detected_at)
        flags = []
        if incident.customer_facing:
            flags.append(_chip(Tone.TEAL, _("customer-facing")))
        if incident.confidential:
            flags.append(_chip(Tone.SLATE, _("confidential")))
        parts = [
            _("<b>Commander</b> {name}").format(name=_esc(incident.commander or "—")),
            _("<b>Detected</b> {when}").format(when=_esc(detected)),
            _("<b>Impact</b> {impact}").format(impact=term(incident.impact)),
            _("<b>Category</b> {category}").format(category=term(incident.category)),
        ]
        if incident.components:
            parts.append(_("<b>Affected</b> {components}").format(components=_esc(", ".join(incident.components))))
        self.facts.setText(" &nbsp;·&nbsp; ".join(parts) + (" &nbsp;" + " ".join(flags) if flags else ""))
        self.tick()

    def _fill_status_menu(self, current: Status) -> None:
        self.status_menu.clear()
        if current == Status.RESOLVED:
            action = self.status_menu.addAction("Reopen…")
            action.triggered.connect(self.reopen_requested)
            return
        nexts = set(allowed_next(current))
        for status in Status:
            action = self.status_menu.addAction(term(status))
            action.setData(status)
            action.setEnabled(status in nexts)
            action.triggered.connect(self._status_chosen)

    def _status_chosen(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.status_requested.emit(action.data())

    def _severity_chosen(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.severity_requested.emit(action.data())

    def set_clocks(self, clocks: list) -> None:
        """The incident's regulatory clocks, soonest due first: the header counts down
        to the soonest still open and lists every one in the tooltip."""
        self.reg_clocks = list(clocks)
        self.clocks.setVisible(bool(self.reg_clocks))
        if self.incident is not None:
            self.tick()

    def _tick_clocks(self, now: datetime) -> None:
        if not self.reg_clocks:
            return
        shown, lines, late = [], [], False
        zone = self.local.zone_label(now)
        for c in self.reg_clocks:
            name = c.regime.name
            if c.due is None:
                lines.append(_("<b>{name}</b>: {deadline} (no fixed deadline)").format(name=_esc(name),
                                                                                   deadline=_esc(c.regime.deadline)))
                continue
            left = c.due - now
            if c.answered_at is not None:
                state = "met" if c.answered_at <= c.due else "sent late"
                text = _("met") if state == "met" else _("sent late")
            elif left.total_seconds() >= 0:
                state, text = "open", _("{left} left").format(left=duration_text(left, "clock"))
            else:
                state, text, late = "overdue", _("overdue {left}").format(left=duration_text(left, "clock")), True
            if state in ("open", "overdue") and not shown:
                shown.append(f"{_esc(_short(name))} {text}")
            lines.append(_("<b>{name}</b>: due {utc} · {local} {zone} ({period}) — {state}<br>&nbsp;&nbsp;notify "
                           "{whom}")
                         .format(name=_esc(name), utc=self.utc.full(c.due), local=self.local.time(c.due), zone=zone,
                                 period=c.regime.period(), state=text, whom=_esc(c.regime.notify_whom)))
        more = sum(1 for c in self.reg_clocks if c.due is not None and c.answered_at is None) - len(shown)
        label = " · ".join(shown) if shown else _("Regulatory clocks: all answered")
        more_text = ngettext(" · {count} more clock", " · {count} more clocks", more).format(count=more)
        self.clocks.setText(label + (more_text if more > 0 else ""))
        self.clocks.setToolTip(_("<b>Regulatory clocks</b> (the Clocks tab lists them)") + "<br>" + "<br>".join(lines))
        self.clocks.setStyleSheet(palette.text_style(Tone.BAD) if late else palette.text_style(Tone.WARN))

    def now(self) -> datetime:
        """The time on the shown incident's clock: an exercise's simulated time."""
        now = self.clock.now()
        return self.exercise_clock.now(now) if self.exercise_clock is not None else now

    def tick(self) -> None:
        """Once a second: the countdown to the next update due, and the regulatory clocks'."""
        incident = self.incident
        if incident is None:
            return
        now = self.now()
        self._tick_clocks(now)
        if incident.next_update_due is None or self.settled == "resolved":
            ago = duration_text((incident.resolved_at or now) - incident.detected_at)
            self.countdown.setText(_("Resolved · lasted {ago}").format(ago=ago))
            self.countdown.setStyleSheet(palette.good_style())
            return
        if self.settled is not None:         # an exercise that has ended: its clock stands still, nothing is owed
            self.countdown.setText(_("Exercise ended · no update owed"))
            self.countdown.setToolTip(_("The exercise's clock stopped {ago} after detection: no update falls due "
                                        "any more.").format(ago=duration_text(now - incident.detected_at)))
            self.countdown.setStyleSheet("")
            return
        if not self.dues and self.unowed:
            self.countdown.setText(_("Internal incident: no update owed to {audiences}").format(
                audiences=', '.join(self.unowed)))
            self.countdown.setStyleSheet("")
            self.countdown.setToolTip(_("The matrix tells these audiences only about customer-facing incidents."))
            return
        due, who = incident.next_update_due, ""
        if self.dues:
            due, who = self.dues[0].at, self.dues[0].audience
        left = due - now
        if left.total_seconds() >= 0:
            self.countdown.setText((_("Next update to {who} in {left}") if who else _("Next update in {left}")).format(
                who=who, left=duration_text(left, "clock")))
            style = palette.text_style(Tone.WARN) if left.total_seconds() < 300 else ""
        else:
            self.countdown.setText((_("Update to {who} overdue by {left}") if who else _("Update overdue by {left}")).format(
                who=who, left=duration_text(left, "clock")))
            style = palette.text_style(Tone.BAD)
        zone = self.local.zone_label(now)
        if self.dues:
            tip = "<br>".join(_("{audience}: due {utc} UTC · {local} {zone} (every {cadence})").format(
                audience=_esc(d.audience), utc=self.utc.time(d.at), local=self.local.time(d.at), zone=zone,
                cadence=duration_text(d.cadence)) for d in self.dues)
            self.countdown.setToolTip(_("<b>Next updates, by the matrix</b><br>{tip}").format(tip=tip))
        else:
            self.countdown.setToolTip(_("Next update due {utc} UTC · {local} {zone}").format(
                utc=self.utc.time(due), local=self.local.time(due), zone=zone))
        self.countdown.setStyleSheet(style)


def _short(regime_name: str) -> str:
    """A regime's name cut to 22 characters: the header's corner is narrow (the tooltip has it whole)."""
    return regime_name if len(regime_name) <= 22 else regime_name[:21].rstrip() + "…"


def detected_text(utc: TimeFormatter, local: TimeFormatter, when: datetime) -> str:
    """A moment said once: ``5 Dec 06:29:25 UTC``, with the local clock beside it only
    where the local zone differs (and its day only where that differs too)."""
    text = utc.full(when)
    if local.is_utc:
        return text
    same_day = when.astimezone(local.zone).date() == when.astimezone(timezone.utc).date()
    there = f"{local.time(when)} {local.zone_label(when)}" if same_day else local.full(when)
    return f"{text} ({there})"


def fit_timeline(view, model) -> None:
    """The timeline's columns: times and kinds as wide as their longest text, so
    "Update published" reads whole; the local column only where the zone is not
    UTC; the entry takes the rest (in full in its tooltip and in :class:`EntryDetail`)."""
    from ui.models import TimelineModel
    from ui.qt import QtGui

    plain = view.fontMetrics()
    bold_font = QFont(view.font())
    bold_font.setBold(True)
    bold = QtGui.QFontMetrics(bold_font)
    pad = 20
    sample = datetime(2026, 12, 28, 22, 58, 58, tzinfo=timezone.utc)
    header = view.horizontalHeader()
    widths = {
        TimelineModel.UTC: plain.horizontalAdvance(model.utc.stamp(sample)),
        TimelineModel.LOCAL: max(plain.horizontalAdvance(model.local.stamp(sample)),
                                 bold.horizontalAdvance(_(model.COLUMNS[TimelineModel.LOCAL]))),
        TimelineModel.KIND: max(plain.horizontalAdvance(term(k)) for k in EntryKind),
        TimelineModel.AUTHOR: plain.horizontalAdvance("Tomás Ferreira"),
    }
    for col, width in widths.items():
        view.setColumnWidth(col, width + pad)
    view.setColumnHidden(TimelineModel.LOCAL, not model.shows_local)
    header.setStretchLastSection(True)


class EntryDetail(QPlainTextEdit):
    """The selected timeline entry in full, under the table: a long entry is cut in
    its row (rows keep one height, so a long timeline stays instant) and wraps here."""

    def __init__(self, view, model, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("entryDetail")
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setStyleSheet("QPlainTextEdit { background: palette(window); }")
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.view, self.model = view, model
        self.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 10)
        describe(self, _("Selected entry"), _("The timeline's selected entry in full"))
        view.selectionModel().currentRowChanged.connect(lambda *args: self.follow())
        model.modelReset.connect(self.follow)
        model.dataChanged.connect(lambda *args: self.follow())
        self.hide()

    def follow(self) -> None:
        index = self.view.currentIndex()
        entry = self.model.entry(index.row()) if index.isValid() else None
        if entry is None:
            self.hide()
            return
        text = self.model.describe(entry)
        if text != self.toPlainText():
            self.setPlainText(text)
        self.show()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class QuickEntry(QWidget):
    """Type, press Enter, it is logged. ``/a`` ``/d`` ``/x`` ``/n`` or Ctrl+1…4 pick the kind."""

    submitted = Signal(object, str)  # (EntryKind, text)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.setObjectName("entryKind")
        for kind in WRITTEN_KINDS:
            self.kind.addItem(term(kind), kind)
        self.kind.setToolTip(_("Kind of entry: Ctrl+1 note, Ctrl+2 action, Ctrl+3 decision, Ctrl+4 external event"))
        self.line = QLineEdit()
        self.line.setObjectName("quickEntry")
        self.line.setPlaceholderText(_("Log to the timeline and press Enter   ·   /a action  /d decision  "
                                     "/x external event   ·   Ctrl+L to come back here"))
        self.line.setMaxLength(20_000)
        describe(self.line, _("Log entry"), _("Type and press Enter to log it: /a an action, /d a decision, /x an "
                                              "external event"))
        self.line.returnPressed.connect(self._submit)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label_for(self.kind, _("&Log as:")))
        layout.addWidget(self.kind)
        layout.addWidget(self.line, 1)
        for i, kind in enumerate(WRITTEN_KINDS, start=1):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{i}"), self, context=Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(self._kind_shortcut)
            shortcut.setProperty("kind_index", i - 1)

    def _kind_shortcut(self) -> None:
        index = self.sender().property("kind_index")
        self.kind.setCurrentIndex(int(index))
        self.line.setFocus()

    def current_kind(self) -> EntryKind:
        return self.kind.currentData()

    def _submit(self) -> None:
        kind, text = parse_quick_entry(self.line.text(), self.current_kind())
        if not text:
            return
        self.line.clear()
        self.submitted.emit(kind, text)

    def restore(self, text: str) -> None:
        """Put text back after a failed write, unless the user typed something new."""
        if not self.line.text():
            self.line.setText(text)


class NewIncidentDialog(FormDialog):
    """Declare an incident: every field reachable by keyboard, title first.

    Accepting emits ``submitted`` and leaves the dialog open; the window calls
    :meth:`finish` once the incident is stored, or :meth:`show_error`."""

    submitted = Signal(dict)

    def __init__(self, now: datetime, commander: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Declare an incident"))
        self.setObjectName("newIncidentDialog")
        self.title = QLineEdit()
        self.title.setObjectName("titleEdit")
        self.title.setPlaceholderText(_("What is broken, in a few words"))
        self.title.setMaxLength(200)
        self.severity = QComboBox()
        self.severity.setObjectName("severityCombo")
        for sev in Severity:
            self.severity.addItem(sev.value, sev)
        self.severity.setCurrentIndex(1)
        self.category = QComboBox()
        for cat in Category:
            self.category.addItem(term(cat), cat)
        self.impact = QComboBox()
        for imp in Impact:
            self.impact.addItem(term(imp), imp)
        self.impact.setCurrentIndex(1)
        self.customer_facing = QCheckBox(_("Customers are affected"))
        self.components = QLineEdit()
        self.components.setPlaceholderText(_("Comma-separated, e.g. Checkout, Login"))
        self.detected = QDateTimeEdit()
        self.detected.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.detected.setCalendarPopup(True)
        local_now = QDateTime.fromSecsSinceEpoch(int(now.timestamp()))
        self.detected.setDateTime(local_now)
        self.detected.setMaximumDateTime(local_now)
        self.commander = QLineEdit(commander)
        self.confidential = QCheckBox(_("Confidential (only its members see it)"))
        self.exercise = QCheckBox(_("Tabletop exercise (not a real incident)"))
        # The names the core's errors give as their field (see warroom.services.incidents.open_incident).
        self.fields.update(title=self.title, severity=self.severity, category=self.category, impact=self.impact,
                           customer_facing=self.customer_facing, components=self.components,
                           detected_at=self.detected, commander=self.commander, confidential=self.confidential,
                           exercise=self.exercise)

        form = QFormLayout()
        add_row(form, _("&Title"), self.title, _("What is broken, in a few words: every update shows it"))
        add_row(form, _("&Severity"), self.severity, _("SEV1 is the worst; it sets how often updates are due"))
        add_row(form, _("&Category"), self.category, _("What kind of failure it is"))
        add_row(form, _("&Impact"), self.impact, _("How much of the service is affected"))
        add_row(form, "", self.customer_facing, _("Tick when customers notice it: their updates become due"))
        add_row(form, _("Co&mponents"), self.components, _("The affected parts of the service, separated by commas"))
        add_row(form, _("&Detected (local time)"), self.detected, _("When the problem was first noticed"))
        add_row(form, _("Comma&nder"), self.commander, _("Who runs the incident"))
        add_row(form, "", self.confidential, _("Only its commander and members see it"))
        add_row(form, "", self.exercise, _("A practice run: nothing is sent outside"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Declare"))
        describe_buttons(self.buttons, _("Declare the incident and show its timeline"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.title.setFocus()
        self.resize(520, self.sizeHint().height())

    def values(self) -> dict:
        detected = datetime.fromtimestamp(self.detected.dateTime().toSecsSinceEpoch(), tz=timezone.utc)
        return dict(title=self.title.text(), severity=self.severity.currentData(),
                    category=self.category.currentData(), impact=self.impact.currentData(),
                    customer_facing=self.customer_facing.isChecked(), components=self.components.text(),
                    detected_at=detected, commander=self.commander.text(),
                    confidential=self.confidential.isChecked(), exercise=self.exercise.isChecked())

    def accept(self) -> None:
        if not self.isEnabled():  # the previous Declare is still being written
            return
        self.clear_marks()
        self.submitted.emit(self.values())

    def show_error(self, error: BaseException | str, field: str | None = None) -> None:
        """The message, the field it names marked; an error about no one field puts the cursor in the title."""
        super().show_error(error, field)
        if self.marked is None:
            self.title.setFocus()


class EditEntryDialog(FormDialog):
    """Correct an entry's text; the journal keeps the old one. Saving emits
    ``submitted``; the window calls :meth:`finish` once it is stored."""

    submitted = Signal(str)

    def __init__(self, text: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Correct entry"))
        self.editor = QPlainTextEdit(text)
        self.editor.setObjectName("entryEditor")
        describe(self.editor, _("Entry text"), _("The entry's corrected words"))
        note = QLabel(_("The previous text stays in the journal."))
        palette.keep(note, lambda p: f"color:{palette.hex_color(Tone.MUTED, p)};")
        self.fields["text"] = self.editor
        finish_from_text_box(self, self.editor)  # Tab on to Save, or Ctrl+Enter saves; Return is a new line
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        describe_buttons(self.buttons, _("Save the corrected entry"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(560, 240)

    def text(self) -> str:
        return self.editor.toPlainText()

    def accept(self) -> None:
        if not self.isEnabled():
            return
        self.clear_marks()
        self.submitted.emit(self.text())
