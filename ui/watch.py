"""The vendor status watch in the window: the status bar shows how the watched
providers are (the worst one first, each one's line in the tooltip), and, when the
window runs its background work (``dispatch``, as for the outbox and team sync),
a worker on its own :class:`QThreadPool` polls the providers that are due, so the
GUI thread never waits on a provider. ``WARROOM_NO_WATCH=1`` keeps the window
from polling (``warroom-cli watch poll`` may run instead)."""

from __future__ import annotations

import logging
import os
from typing import Any

from warroom.changes import Change
from ui.qt import QEvent, QLabel, QObject, QRunnable, QThreadPool, QTimer, Signal, plain_tip
from ui.i18n import tr as _

log = logging.getLogger(__name__)

#: How often the window asks whether a provider is due (each has its own interval).
CHECK_MS = 30_000
#: Seconds the window's polls wait for a provider (shorter than the command line's).
TIMEOUT_S = 5.0
NO_WATCH_ENV = "WARROOM_NO_WATCH"

_BAD = ("major_outage", "partial_outage", "degraded_performance")


def watch_disabled_by_env() -> bool:
    return os.environ.get(NO_WATCH_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _unread(view: Any) -> bool:
    return view.summary().startswith(f"{view.name}: cannot read")


def _rank(view: Any) -> tuple[int, str]:
    """Worst first: unreadable, outages by severity, open incidents, maintenance, not
    looked at yet, then the calm ones; by name within each."""
    if _unread(view):
        rank = 0
    elif view.worst in _BAD:
        rank = 1 + _BAD.index(view.worst)
    elif view.incidents:
        rank = 4
    elif view.worst == "under_maintenance":
        rank = 5
    elif view.ok_at is None and view.observed_at is None:
        rank = 6
    else:
        rank = 7
    return (rank, view.name.lower())


def phrase(views: list[Any]) -> str:
    """The status bar's words: empty (hidden) with nothing watched."""
    if not views:
        return ""
    ordered = sorted(views, key=_rank)
    if _rank(ordered[0])[0] == 7:
        return _("Providers: {count} watched, no trouble reported").format(count=len(views))
    more = _(" (+{count} more)").format(count=len(views) - 1) if len(views) > 1 else ""
    return _("Providers: {summary}{more}").format(summary=ordered[0].summary(), more=more)


class _Signals(QObject):
    done = Signal(object, object)     # (polled list, error)


class _PollJob(QRunnable):
    """Polls the providers that are due, through the core, off the GUI thread."""

    def __init__(self, store, signals: _Signals) -> None:
        super().__init__()
        self.store = store
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        from warroom.inbound import feeds

        try:
            result = feeds.poll_due(self.store, timeout=TIMEOUT_S)
        except Exception as exc:  # shown in the tooltip, never raised into Qt
            self.signals.done.emit(None, exc)
            return
        self.signals.done.emit(result, None)


class WatchStatus(QLabel):
    """The providers' state in the status bar; polls them when enabled."""

    def __init__(self, window, *, enabled: bool) -> None:
        super().__init__(window)
        self.window = window
        self.setObjectName("watchStatus")
        self.enabled = enabled
        self.views: list[Any] = []
        self.polls = 0
        self._running = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._polled)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.poll)
        self.hide()

    def start(self) -> None:
        """Begin looking at the providers (when the window runs background work)."""
        if self.enabled and not self._timer.isActive():
            self._timer.start()
            QTimer.singleShot(0, self.poll)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.stop()                            # the window closes: no new poll, the running one ends
        return False

    def stop(self, msecs: int = 3000) -> bool:
        self._timer.stop()
        return self._pool.waitForDone(msecs)

    def poll(self) -> None:
        store = self.window.store
        if store is None or self._running:
            return
        self._running = True
        self._pool.start(_PollJob(store, self._signals))

    def _polled(self, result, error) -> None:
        self._running = False
        self.polls += 1
        if error is not None:
            log.warning("the status watch failed: %s", error)
        self.refresh()

    def refresh(self) -> None:
        """Read the providers' state in the background and show it."""
        store = self.window.store
        if store is None:
            return
        from warroom.inbound import feeds

        actor = self.window.actor
        self.window.ops.read(lambda: feeds.providers(store, viewer=actor), self.show_views,
                             lambda error: log.warning("cannot read the watched providers: %s", error))

    def show_views(self, views: list[Any]) -> None:
        self.views = list(views)
        text = phrase(self.views)
        if not text:
            self.hide()
            return
        self.setText(f"◉ {text}")
        self.setToolTip(plain_tip("\n".join(v.summary() for v in sorted(self.views, key=_rank))))
        self.show()


def install(window) -> WatchStatus:
    """Put the providers' state in the status bar; poll in the background when the
    window runs its background work. Follows the watch's changes, and starts with
    the database."""
    label = WatchStatus(window, enabled=getattr(window, "dispatch_enabled", False) and not watch_disabled_by_env())
    window.statusBar().insertPermanentWidget(0, label)
    window.followers.append((Change.WATCH, lambda flags, own: label.refresh()))
    window.installEventFilter(label)
    from ui.tabs import when_attached

    QTimer.singleShot(0, window, lambda: when_attached(window, lambda: (label.refresh(), label.start())))
    return label
