"""Running core calls off the GUI thread.

Writes go through one single-thread pool, so the database sees one writer from
the window (the way Anki's CollectionOp does); results and errors come back to
the GUI thread through a queued signal and are handed to the callbacks there.
Tests can make everything synchronous with ``Operations(synchronous=True)``.

Every call reports what its writes changed (:mod:`warroom.changes`): the
``changed`` signal carries the flags, after the call's own callback has run, and
the window redraws the views they name.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from warroom import changes
from ui.qt import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

_SLOW_MS = 200


class _Signals(QObject):
    finished = Signal(object, object, object)  # (result, error, what the writes changed)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        with changes.collect() as seen:
            try:
                result = self.fn()
            except BaseException as exc:  # handed to the GUI thread, shown there
                self.signals.finished.emit(None, exc, seen)
                return
        self.signals.finished.emit(result, None, seen)


class _Pending(QObject):
    """Lives in the GUI thread; receives the job's result there."""

    def __init__(self, owner: Operations, on_done, on_error) -> None:
        super().__init__(owner)
        self.owner = owner
        self.on_done = on_done
        self.on_error = on_error
        self.signals = _Signals(self)
        self.signals.finished.connect(self.deliver)

    @Slot(object, object, object)
    def deliver(self, result: Any, error: BaseException | None, seen: changes.Seen) -> None:
        self.owner._pending.discard(self)
        try:
            self.owner.finish(result, error, seen, self.on_done, self.on_error)
        finally:
            self.owner.idle_changed.emit(not self.owner._pending)
            self.deleteLater()


class Operations(QObject):
    """Background work for the window."""

    #: True when no operation is running any more.
    idle_changed = Signal(bool)
    #: What a call's writes changed (a :class:`warroom.changes.Seen`), after its callback.
    changed = Signal(object)

    def __init__(self, parent: QObject | None = None, *, synchronous: bool = False,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._writer = QThreadPool(self)
        self._writer.setMaxThreadCount(1)
        self._reader = QThreadPool(self)
        self._reader.setMaxThreadCount(2)
        self._pending: set[_Pending] = set()
        self._on_error = on_error

    def set_error_handler(self, handler: Callable[[BaseException], None]) -> None:
        self._on_error = handler

    def default_error(self, error: BaseException) -> None:
        if self._on_error is not None:
            self._on_error(error)
        else:
            log.error("background operation failed", exc_info=error)

    def write(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[BaseException], None] | None = None) -> None:
        self._submit(self._writer, fn, on_done, on_error)

    def read(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[BaseException], None] | None = None) -> None:
        self._submit(self._reader, fn, on_done, on_error)

    def _submit(self, pool: QThreadPool, fn, on_done, on_error) -> None:
        if self.synchronous:
            started = time.perf_counter()
            error: BaseException | None = None
            result = None
            with changes.collect() as seen:
                try:
                    result = fn()
                except Exception as exc:
                    error = exc
            self.finish(result, error, seen, on_done, on_error)
            if (time.perf_counter() - started) * 1000 > _SLOW_MS:
                log.warning("an operation blocked the GUI thread for over %d ms", _SLOW_MS)
            return
        pending = _Pending(self, on_done, on_error)
        self._pending.add(pending)
        self.idle_changed.emit(False)
        pool.start(_Job(fn, pending.signals))

    def finish(self, result: Any, error: BaseException | None, seen: changes.Seen, on_done, on_error) -> None:
        """On the GUI thread: the callback, then what changed (also after a failure:
        a call may have committed some writes before it failed)."""
        try:
            if error is not None:
                (on_error or self.default_error)(error)
            elif on_done is not None:
                on_done(result)
        finally:
            if seen.flags or seen.events:
                self.changed.emit(seen)

    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 10_000) -> bool:
        """Wait for running work (on shutdown)."""
        return self._writer.waitForDone(msecs) and self._reader.waitForDone(msecs)
