"""Signals in, from the window: with "Receive signals" on (File menu; remembered
per laptop), the window runs the core's webhook receiver on a background thread,
so PagerDuty, Alertmanager and the rest reach War room without a separate
``warroom-cli inbound serve``. When a signal opens an incident the window says so:
a message in the status bar, the window marked for attention, and a desktop
notification where the desktop has a tray; the incident's commander is named.

The receiver is the same object the command line runs (:class:`warroom.inbound.
receiver.Receiver`): the same checks (signature, size, rate, duplicates), the same
services. It listens only while the window runs its background work (as the
dispatcher does), and stops when the window closes."""

from __future__ import annotations

import logging
import os
import threading

from warroom.changes import Change
from warroom.errors import WarroomError
from ui.qt import QAction, QApplication, QEvent, QObject, QSettings, QtWidgets, Signal, qt_alive
from ui.i18n import tr as _

log = logging.getLogger(__name__)

#: Where the receiver listens unless the settings say otherwise.
DEFAULT_BIND = "127.0.0.1:8787"
#: ``WARROOM_INBOUND_BIND=HOST:PORT`` turns the window's receiver on there (for a kiosk
#: laptop or a test); the setting in the File menu otherwise.
BIND_ENV = "WARROOM_INBOUND_BIND"
SETTING = "inbound/bind"


def configured_bind() -> str | None:
    """Where to listen, or None: off."""
    env = os.environ.get(BIND_ENV, "").strip()
    if env:
        return env
    value = QSettings().value(SETTING)
    return value if isinstance(value, str) and value.strip() else None


class SignalsIn(QObject):
    """The window's receiver and what it says when a signal opens an incident."""

    #: An incident was opened by a signal: its reference and the words to show.
    opened = Signal(str, str)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.receiver = None
        self.thread: threading.Thread | None = None
        self.error: str | None = None
        #: The received events already looked at (None: not yet: the first look only notes them).
        self._shown: set[tuple[str, str]] | None = None
        self._tray = None

    # -- the receiver --------------------------------------------------------------

    @property
    def listening(self) -> bool:
        return self.receiver is not None

    def start(self, bind: str | None = None) -> bool:
        """Listen on ``bind`` (or the configured address): False, with ``error`` set,
        when the address cannot be used."""
        from warroom.inbound.receiver import Receiver, parse_bind

        bind = bind or configured_bind()
        if self.receiver is not None or self.window.store is None or not bind:
            return self.receiver is not None
        try:
            receiver = Receiver(self.window.store, parse_bind(bind))
        except (WarroomError, OSError) as exc:
            self.error = _("Cannot receive signals on {bind}: {error}").format(
                bind=bind, error=getattr(exc, "strerror", None) or exc)
            log.warning("%s", self.error)
            self.window.statusBar().showMessage(self.error, 15_000)
            return False
        self.error = None
        self.receiver = receiver
        self.thread = threading.Thread(target=receiver.serve_forever, name="inbound-receiver", daemon=True)
        self.thread.start()
        log.info("receiving signals on %s", receiver.url)
        self.window.statusBar().showMessage(_("Receiving signals on {url}/hooks/NAME").format(url=receiver.url), 10_000)
        return True

    def stop(self) -> None:
        receiver, self.receiver = self.receiver, None
        if receiver is not None:
            receiver.shutdown()
            receiver.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None

    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.stop()
        return False

    # -- telling the commander -------------------------------------------------------

    def look(self) -> None:
        """After a change: which received signals opened incidents since the last look
        (read off the GUI thread). The first look only notes what is there."""
        store, actor = self.window.store, self.window.actor
        if store is None or not qt_alive(self.window.ops):
            return
        from warroom.inbound import handle
        from warroom.services import drafts, incidents

        def read():
            out = []
            for r in handle.received(store, viewer=actor, limit=50):
                opened, waiting = None, []
                if r.incident and r.outcome.startswith("handled: opened"):
                    opened = incidents.get(store, r.incident, viewer=actor)
                    waiting = [d.audience for d in drafts.list_drafts(store, opened.id, viewer=actor)
                               if d.state == "in_review"]
                out.append(((r.source, r.event_id), r.source, opened, waiting))
            return out

        self.window.ops.read(read, self._tell, on_error=lambda exc: log.warning("reading signals: %s", exc))

    def _tell(self, received) -> None:
        first, shown = self._shown is None, self._shown or set()
        for key, source, inc, waiting in reversed(received):
            if key in shown:
                continue
            shown.add(key)
            if first or inc is None:
                continue
            yours = _(" — you are its commander") if inc.commander == self.window.actor else \
                _("; commander {name}").format(name=inc.commander)
            then = (_("Its first update for {audiences} waits for review.").format(audiences=", ".join(waiting))
                    if waiting else _("No update was drafted: compose the first one."))
            text = _("{ref} opened from {source}: {title} ({severity}){yours}. {then}").format(
                ref=inc.ref, source=source, title=inc.title, severity=inc.severity.value, yours=yours, then=then)
            self.window.statusBar().showMessage(text, 30_000)
            QApplication.alert(self.window, 0)
            self._notify(_("{ref} opened from {source}").format(ref=inc.ref, source=source), text)
            self.opened.emit(inc.ref, text)
        self._shown = shown

    def _notify(self, title: str, text: str) -> None:
        if not QtWidgets.QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            self._tray = QtWidgets.QSystemTrayIcon(self.window.windowIcon(), self.window)
            self._tray.show()
        self._tray.showMessage(title, text, QtWidgets.QSystemTrayIcon.MessageIcon.Information, 15_000)


def toggle(part: SignalsIn, on: bool) -> None:
    """The File menu's "Receive signals": remembered, and applied at once."""
    if on:
        QSettings().setValue(SETTING, configured_bind() or DEFAULT_BIND)
        if not part.start():
            part.action.setChecked(False)
            QSettings().remove(SETTING)
    else:
        QSettings().remove(SETTING)
        part.stop()
        part.window.statusBar().showMessage(_("No longer receiving signals in this window."), 5_000)


def install(window) -> SignalsIn:
    """The receiver (when configured and the window runs background work), the File
    menu's switch, and the commander told of incidents signals open."""
    from ui.tabs import when_attached

    part = SignalsIn(window)
    window.installEventFilter(part)
    background = getattr(window, "dispatch_enabled", False)
    action = QAction(_("Receive si&gnals (webhooks)"), window)
    action.setObjectName("receiveSignals")
    action.setCheckable(True)
    action.setToolTip(_("Run the webhook receiver in this window, on {bind}").format(
        bind=configured_bind() or DEFAULT_BIND))
    action.setEnabled(background)
    action.toggled.connect(lambda on: toggle(part, on))
    part.action = action
    file_menu = window.menuBar().actions()[0].menu()
    file_menu.insertAction(file_menu.actions()[-2], action)   # above the separator before Quit
    window.followers.append((Change.INBOUND | Change.INCIDENTS, lambda flags, own: part.look()))

    def begin() -> None:
        part.look()   # what was received before this window opened is not news
        if background and configured_bind():
            action.blockSignals(True)
            action.setChecked(part.start())
            action.blockSignals(False)

    when_attached(window, begin)
    return part
