"""Reminders in the window: a banner over the incident saying which updates are
due within five minutes or overdue, each with a button that opens the composer
for that audience; and a desktop notification (the system tray's message, where
the system has a tray) once when an update becomes due soon and once when it
becomes overdue — not at every tick.

Driven by the window's one-second tick (see :meth:`ReminderBanner.tick`); what
is owed is read from the core (:mod:`warroom.services.reminders`) every
``READ_EVERY`` ticks, in between the store's clock moves the countdowns on."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from warroom.text.durations import duration_text
from ui.common import palette
from ui.common.access import describe
from ui.common.palette import Tone
from ui.qt import (
    plain_tip,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    Qt,
    QToolButton,
    QtGui,
    QtWidgets,
    QVBoxLayout,
    Signal,
)
from ui.i18n import tr as _

if TYPE_CHECKING:
    from warroom.services.reminders import Reminder

#: Read what is owed again every this many ticks (seconds).
READ_EVERY = 15
#: Rows the banner shows at most; the rest are in its "more" menu. One row keeps the
#: Updates tab's words, findings and buttons on a 1280×720 screen however much is owed.
MAX_ROWS = 1

#: A reminder's state → its tone (the row's look is made from the theme when it is drawn).
_TONES = {"overdue": Tone.BAD, "due soon": Tone.WARN}


def reminder_text(r: Reminder, left_s: float, state: str) -> str:
    """``INC-1 · SEV1 · update to customers overdue by 2:05`` (plain text)."""
    exercise = _("EXERCISE · ") if r.exercise else ""
    left = duration_text(timedelta(seconds=left_s), "clock")
    said = _("update to {who} overdue by {left}") if state == "overdue" else _("update to {who} due in {left}")
    return f"{exercise}{r.ref} · {r.severity} · {said.format(who=r.who, left=left)} — {r.title}"


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" where the space ends (its text stays whole)."""

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QtGui.QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), shown,
                                  QtGui.QPalette.ColorRole.WindowText)


class ReminderBanner(QFrame):
    """What is due soon or overdue, over the incident header; hidden when nothing is."""

    #: A notification went out: (title, text). Shown in the tray where there is one.
    notified = Signal(str, str)

    def __init__(self, window, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reminderBanner")
        self.main = window
        #: What the core said is owed, at the last read.
        self.items: list[Reminder] = []
        #: What was notified: (incident, audience, due time, state), each once.
        self.notified_keys: set[tuple] = set()
        self.tray: QtWidgets.QSystemTrayIcon | None = None
        self._ticks = 0
        self._reading = False
        self._rows_key: tuple = ()
        #: The rows shown: their label and reminder.
        self.shown: list[tuple[ElidedLabel, Reminder]] = []
        #: The "N more due" button with its menu, when more are owed than rows shown.
        self.more: QToolButton | None = None
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(2)
        self.hide()

    # -- reading -----------------------------------------------------------------

    def tick(self) -> None:
        """Once a second (the window's tick): read again now and then, show what is pressing."""
        if self._ticks % READ_EVERY == 0:
            self.refresh()
        self._ticks += 1
        self.show_pressing()

    def refresh(self) -> None:
        """Read what is owed from the core (off the GUI thread)."""
        w = self.main
        if w.store is None or self._reading:
            return
        from warroom.services import reminders

        store, actor = w.store, w.actor
        self._reading = True

        def done(items) -> None:
            self._reading = False
            self.items = list(items)
            self.show_pressing()

        def failed(_error: BaseException) -> None:
            self._reading = False  # the next read tries again; the banner is only a reminder

        w.ops.read(lambda: reminders.reminders(store, viewer=actor), done, failed)

    # -- showing -------------------------------------------------------------------

    def pressing(self) -> list[tuple[Reminder, float, str]]:
        """(reminder, seconds left, state) for those due soon or overdue now, most pressing first."""
        from warroom.services import reminders

        store = self.main.store
        if store is None:
            return []
        now = store.clock.now()
        out = []
        for r in self.items:
            state = reminders.state_at(r.due_at, now)
            if state != reminders.LATER:
                out.append((r, (r.due_at - now).total_seconds(), state))
        out.sort(key=lambda t: (t[2] != "overdue", t[0].due_at))
        return out

    def show_pressing(self) -> None:
        pressing = self.pressing()
        key = tuple((r.key, state) for r, _left, state in pressing)
        if key != self._rows_key:
            self._rows_key = key
            self._rebuild(pressing)
        for (label, r), (_r, left, state) in zip(self.shown, pressing):
            label.setText(reminder_text(r, left, state))
        for r, left, state in pressing:
            self._notify(r, left, state)
        self.setVisible(bool(pressing))

    def _rebuild(self, pressing) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.shown = []
        for r, left, state in pressing[:MAX_ROWS]:
            row = QFrame()
            row.setObjectName("reminderRow")
            look = palette.chip_style(_TONES[state])
            row.setStyleSheet(f"QFrame#reminderRow {{ {look} border-radius:3px; }}"
                              f" QLabel {{ {look} font-weight:600; }}")
            label = ElidedLabel()
            label.setObjectName("reminderText")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setText(reminder_text(r, left, state))
            label.setToolTip(plain_tip(f"{r.ref} {r.title}"))
            # a long title is cut at the window's edge rather than widening the window
            label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
            button = QPushButton(_("Compose update to {who}").format(who=r.who))
            button.setObjectName("reminderCompose")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, r=r: self.open_composer(r))
            describe(button, None, _("Show this audience's draft in the Updates tab"), tip=True)
            layout = QHBoxLayout(row)
            layout.setContentsMargins(8, 2, 4, 2)
            layout.addWidget(label, 1)
            layout.addWidget(button)
            self.rows.addWidget(row)
            self.shown.append((label, r))
        self.more = None
        if len(pressing) > MAX_ROWS:
            # the rest in a menu on the last row, most pressing first; its texts are read
            # again each time it opens, so their countdowns are current
            more = QToolButton()
            more.setObjectName("reminderMore")
            more.setText(_("{count} more due").format(count=len(pressing) - MAX_ROWS))
            more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            describe(more, None, _("Updates also due soon or overdue: choose one to compose it"), tip=True)
            menu = QMenu(more)
            menu.aboutToShow.connect(lambda menu=menu: self._fill_more(menu))
            more.setMenu(menu)
            layout.insertWidget(1, more)
            self.more = more

    def _fill_more(self, menu) -> None:
        """The "more" menu: each reminder past the rows shown, opening its composer."""
        menu.clear()
        for r, left, state in self.pressing()[MAX_ROWS:]:
            action = menu.addAction(reminder_text(r, left, state))
            action.triggered.connect(lambda _checked=False, r=r: self.open_composer(r))
        menu.addSeparator()
        menu.addAction(_("warroom-cli due lists them all")).setEnabled(False)

    def open_composer(self, r: Reminder) -> None:
        """The incident selected, the Updates tab shown, the audience's draft brought forward."""
        w = self.main
        w.reload_incidents(select=r.incident_id)
        w.show_composer()
        w.composer.focus_audience(r.audience)

    # -- notifying -----------------------------------------------------------------

    def _notify(self, r: Reminder, left: float, state: str) -> None:
        key = (r.key, state)
        if key in self.notified_keys:
            return
        self.notified_keys.add(key)
        title = (_("{ref}: update to {who} overdue") if state == "overdue" else _("{ref}: update to {who} due soon")).format(
            ref=r.ref, who=r.who)
        text = reminder_text(r, left, state)
        self.notified.emit(title, text)
        tray = self._tray()
        if tray is not None:
            icon = (QtWidgets.QSystemTrayIcon.MessageIcon.Warning if state == "overdue"
                    else QtWidgets.QSystemTrayIcon.MessageIcon.Information)
            tray.showMessage(title, text, icon, 15_000)

    def _tray(self) -> QtWidgets.QSystemTrayIcon | None:
        """The system tray icon that carries the notifications; None where there is no tray."""
        if self.tray is None and QtWidgets.QSystemTrayIcon.isSystemTrayAvailable():
            icon = QApplication.windowIcon()
            if icon.isNull():
                icon = self.style().standardIcon(QtWidgets.QStyle.StandardPixmap.SP_MessageBoxWarning)
            self.tray = QtWidgets.QSystemTrayIcon(QtGui.QIcon(icon), self)
            self.tray.setToolTip(_("War room"))
            self.tray.messageClicked.connect(self._message_clicked)
            self.tray.show()
        return self.tray

    def _message_clicked(self) -> None:
        pressing = self.pressing()
        if pressing:
            self.open_composer(pressing[0][0])
        window = self.main
        window.show()
        window.raise_()
        window.activateWindow()
