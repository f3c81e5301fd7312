"""Team sync in the window: a background runner and the status bar's phrase.

The runner syncs on a plain daemon thread (as the dispatcher does), so the window
never waits on the network: a round at once, then whenever another laptop pushes
(the server's NOTIFY) and at least every ``interval`` seconds. A database with no
server yet is looked at again every interval (``warroom-cli sync --server`` may
configure one meanwhile). After each round the runner emits the sync status,
which the label shows as "synced", "N to send", "N refused" or "offline since 14:02".
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ui.qt import QLabel, QObject, Signal
from ui.i18n import tr as _

if TYPE_CHECKING:
    from warroom.store import Store

log = logging.getLogger(__name__)

#: The longest between two rounds when nobody pushes.
INTERVAL_S = 10.0


def phrase(status: Any, local_zone=None) -> str:
    """The status bar's words for a :class:`warroom.sync.client.Status` (None: no server)."""
    if status is None:
        return ""
    if status.last_error is not None:
        since = status.last_success_at
        if since is None:
            text = _("offline")
        else:
            when = since.astimezone(local_zone) if local_zone is not None else since.astimezone()
            text = _("offline since {when:%H:%M}").format(when=when)
        return text + (_(", {waiting} to send").format(waiting=status.waiting) if status.waiting else "")
    if status.refusals:
        return _("{count} refused").format(count=len(status.refusals))
    return _("{waiting} to send").format(waiting=status.waiting) if status.waiting else _("synced")


class SyncStatus(QLabel):
    """The phrase, with the server and the last error in the tooltip; hidden while the
    database has no server."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.hide()

    def show_status(self, status: Any) -> None:
        text = phrase(status)
        if not text:
            self.hide()
            return
        self.setText(f"⇅ {text}")
        tip = [_("Team server: {where} as {login}").format(where=status.where, login=status.login)]
        if status.last_error:
            tip.append(_("Last attempt: {error}").format(error=status.last_error))
        tip += [str(r) for r in status.refusals[:5]]
        self.setToolTip("\n".join(tip))
        self.show()


class SyncRunner(QObject):
    """Runs sync rounds on a daemon thread; ``status`` is emitted (queued to the GUI
    thread) after each round, ``pulled`` when other laptops' events arrived."""

    status = Signal(object)      # warroom.sync.client.Status | None
    pulled = Signal(int)

    def __init__(self, store: Store, *, interval: float | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.interval = INTERVAL_S if interval is None else interval
        self.rounds = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self.thread = threading.Thread(target=self._run, name="warroom-sync", daemon=True)
        self.thread.start()

    def wake(self) -> None:
        """Something was written here: send it now rather than at the next tick."""
        self._wake.set()

    def stop(self, timeout: float = 3.0) -> bool:
        self._stop.set()
        self._wake.set()
        thread = self.thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    # -- on the runner's thread -----------------------------------------------------

    def _emit(self, signal, value) -> None:
        if self._stop.is_set():
            return
        try:
            signal.emit(value)
        except RuntimeError:  # the window is gone
            pass

    def _run(self) -> None:
        from warroom.cli.sync import default_applier
        from warroom.sync import client, wire

        apply = default_applier()
        conn = None
        try:
            while not self._stop.is_set():
                self._wake.clear()
                url = client.remembered_url(self.store)
                if url is not None:
                    try:
                        if conn is None:
                            conn = wire.connect_with_password(url, ask=False)
                            conn.execute("LISTEN warroom_sync")
                        outcome = client.sync_once(self.store, apply, conn=conn)
                        if outcome.pulled or outcome.revealed:
                            self._emit(self.pulled, outcome.pulled + outcome.revealed)
                    except Exception as exc:  # noqa: BLE001 - offline is a state; the next round tries again
                        self._note_offline(exc)
                        if conn is not None:
                            conn.close()
                            conn = None
                self.rounds += 1
                self._emit(self.status, client.status(self.store))
                self._wait(conn)
        except BaseException:  # noqa: BLE001 - a thread's error must not vanish, nor end the app
            if not self._stop.is_set():
                log.exception("the window's sync stopped")
        finally:
            if conn is not None:
                conn.close()

    def _note_offline(self, exc: BaseException) -> None:
        """sync_once keeps the error when it got as far as the server; a failed connect is kept here."""
        from warroom.identity import SYSTEM
        from warroom.store.models import SyncServer

        log.info("sync: %s", exc)
        with self.store.write(SYSTEM) as tx:
            row = tx.session.get(SyncServer, 1)
            if row is not None:
                row.last_attempt_at = tx.now
                row.last_error = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:500]

    def _wait(self, conn) -> None:
        """Until the interval ends, another laptop pushes, this window writes, or it closes."""
        deadline = datetime.now().timestamp() + self.interval
        while not self._stop.is_set() and not self._wake.is_set():
            left = deadline - datetime.now().timestamp()
            if left <= 0:
                return
            if conn is None:
                self._wake.wait(min(left, 0.5))
                continue
            try:
                own = conn.info.backend_pid
                if any(n.pid != own for n in conn.notifies(timeout=min(left, 0.5), stop_after=1)):
                    return
            except Exception:  # noqa: BLE001 - a lost connection: the next round reconnects
                return
