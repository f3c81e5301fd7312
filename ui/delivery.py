"""Delivery in the window: the dispatcher on a background thread, and the status
bar's line of channel states.

Imported when the window is built, so it loads Qt only: the dispatcher (and with
it SQLAlchemy and the HTTP client) is imported on the dispatcher's own thread,
once the window is up. The window itself never touches the network.
"""

from __future__ import annotations

import html
import logging
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ui.common import palette
from ui.common.palette import Tone
from ui.qt import QLabel, QObject, Qt, Signal, plain_tip
from ui.i18n import N_, ngettext, tr as _

if TYPE_CHECKING:
    from warroom.services.outbox import ChannelState
    from warroom.store import Store

log = logging.getLogger(__name__)

#: ``WARROOM_NO_DISPATCH=1``: the window sends nothing (another program does, or a demo).
NO_DISPATCH_ENV = "WARROOM_NO_DISPATCH"

#: A channel whose last send failed, with nothing waiting on it: nothing is being retried.
LAST_FAILED = "last send failed"
#: A channel's state as the status bar says it.
STATE_WORDS = {"ok": N_("ok"), "retrying": N_("retrying"), "down": N_("down"), "disabled": N_("disabled"),
               LAST_FAILED: N_("last send failed")}
#: The longest the dispatcher sleeps when nothing is due; a publish or a retry wakes it at once.
IDLE_S = 5.0


def dispatch_disabled_by_env() -> bool:
    return os.environ.get(NO_DISPATCH_ENV, "").strip().lower() in ("1", "true", "yes", "on")


class _Stopped(BaseException):
    """Raised in the dispatcher's sleep once the window closes: it ends a pass between
    two sends (a BaseException, so the dispatcher's own error handling lets it through)."""


class DispatchRunner(QObject):
    """Runs a :class:`warroom.delivery.dispatcher.Dispatcher` on a plain daemon thread.

    ``passed`` is emitted (in the GUI thread, through a queued connection) after a
    pass that sent, retried or failed something, so the window can show it at once."""

    passed = Signal(object)  # warroom.delivery.dispatcher.Summary

    def __init__(self, store: Store, *, idle: float | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.idle = IDLE_S if idle is None else idle
        #: Passes made so far (read from the GUI thread; written by the dispatcher's).
        self.passes = 0
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._dispatcher: Any = None
        self.thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self.thread = threading.Thread(target=self._run, name="warroom-dispatch", daemon=True)
        self.thread.start()

    def wake(self) -> None:
        """Something was published or retried: look now rather than at the next tick."""
        if self._dispatcher is not None:
            self._dispatcher.wake()

    def stop(self, timeout: float = 3.0) -> bool:
        """Ask the thread to end and wait for it a little. True when it ended; a send
        still in flight is abandoned (the thread is a daemon, and the delivery's lease
        lets the next dispatcher send it again with the same idempotency key)."""
        self._stop.set()
        if self._dispatcher is not None:
            self._dispatcher.wake()
        thread = self.thread
        if thread is None:
            return True
        thread.join(timeout)
        if thread.is_alive():
            log.warning("the dispatcher is still finishing a send; the window closes without it")
            return False
        return True

    # -- on the dispatcher's thread ---------------------------------------------

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise _Stopped()

    def _run(self) -> None:
        try:
            from warroom.delivery.dispatcher import Dispatcher
            from warroom.sync.rates import SharedRates

            # Synced with a team: each vendor's rate is kept team-wide through the server.
            self._dispatcher = Dispatcher(self.store, sleep=self._sleep, shared_rates=SharedRates.for_store(self.store))
            self._ready.set()
            if not self._stop.is_set():
                self._dispatcher.run(self._stop, idle=self.idle, on_pass=self._on_pass)
        except _Stopped:
            pass
        except BaseException:  # noqa: BLE001 - a thread's error must not vanish, nor end the app
            log.exception("the window's dispatcher stopped")
        finally:
            self._ready.set()

    def _on_pass(self, summary) -> None:
        self.passes += 1
        if self._stop.is_set():
            return
        if summary.sent or summary.retrying or summary.failed or summary.failed_over:
            try:
                self.passed.emit(summary)
            except RuntimeError:  # the window is gone
                pass


def shown_state(state: str, queued: int) -> str:
    """A channel's state as it stands for what the outbox holds now: "retrying" only
    while deliveries wait on it. Its health stays what the last send left ("retrying")
    until the next send, which may be hours after the incident is resolved."""
    if state == "retrying" and not queued:
        return LAST_FAILED
    return state


def state_tone(state: str) -> Tone:
    return Tone.CAUTION if state == LAST_FAILED else palette.state_tone(state)


class ChannelStatus(QLabel):
    """``● slack ok · ● email retrying (3 queued) · ● statuspage down (5 queued)``, with
    the failed deliveries first and in red. Hidden while there are no channels."""

    #: The user clicked "N failed".
    failed_clicked = Signal()
    #: The user clicked a channel (its name): the channel settings.
    channel_clicked = Signal(str)

    #: More channels than this: the working ones are counted, not named.
    MAX_NAMED = 5

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("channelStatus")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.linkActivated.connect(self._link)
        self.states: list[ChannelState] = []
        self.failed = 0
        self.hide()

    def show_states(self, states: Sequence[ChannelState]) -> None:
        self.states = list(states)
        self.failed = sum(s.failed for s in self.states)
        if not self.states:
            self.setText("")
            self.setToolTip("")
            self.hide()
            return
        parts = []
        if self.failed:
            parts.append(f"<a href='failed' style='color:{palette.hex_color(Tone.BAD)}; font-weight:bold; "
                         f"text-decoration:none'>⚠ " + _("{count} failed").format(count=self.failed) + "</a>")
        named = self.states
        quiet = [s for s in self.states if s.state == "ok" and not s.queued]
        if len(self.states) > self.MAX_NAMED and len(quiet) > 1:
            named = [s for s in self.states if s not in quiet]
            parts.append(f"{palette.dot(Tone.GOOD)} " + _("{count} channels ok").format(count=len(quiet)))
        ink = self.palette().windowText().color().name()
        for s in named:
            name = (f"<a href='channel:{html.escape(s.name)}' style='color:{ink}; text-decoration:none'>"
                    f"{html.escape(s.name)}</a>")
            state = shown_state(s.state, s.queued)
            text = f"{palette.dot(state_tone(state))} {name} {_(STATE_WORDS.get(state, state))}"
            if s.queued:
                text += " " + _("({count} queued)").format(count=s.queued)
            parts.append(text)
        text = " · ".join(parts)
        if text != self.text():  # read every two seconds; repainted only when it changes
            self.setText(text)
        tip = plain_tip(self._tooltip())
        if tip != self.toolTip():
            self.setToolTip(tip)
        self.show()

    def plain_text(self) -> str:
        """What the label says, without the markup (for tests and screen readers)."""
        from ui.qt import QtGui

        doc = QtGui.QTextDocument()
        doc.setHtml(self.text())
        return doc.toPlainText()

    def _tooltip(self) -> str:
        lines = []
        for s in self.states:
            state = shown_state(s.state, s.queued)
            line = f"{s.name} ({s.kind}): {_(STATE_WORDS.get(state, state))}"
            if s.queued:
                line += _(", {count} queued").format(count=s.queued)
            if s.failed:
                line += _(", {count} failed").format(count=s.failed)
            if s.last_error and s.state != "ok":
                line += "\n    " + _("last error: {error}").format(error=s.last_error[:200])
                if not s.queued:
                    line += "\n    " + _("nothing waits on it: the next update tries it again")
            lines.append(line)
        if self.failed:
            lines.append("\n" + ngettext("{count} delivery failed for good: click “failed” to see it, fix the "
                                         "channel and retry.", "{count} deliveries failed for good: click “failed” "
                                         "to see them, fix the channel and retry.", self.failed).format(count=self.failed))
        lines.append(_("Click a channel for its settings."))
        return "\n".join(lines)

    def _link(self, href: str) -> None:
        if href == "failed":
            self.failed_clicked.emit()
        elif href.startswith("channel:"):
            self.channel_clicked.emit(href.split(":", 1)[1])
