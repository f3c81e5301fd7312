"""Vendors' rates shared through the team server.

Each laptop sends the deliveries of its own publications, so two laptops may send
to one Slack webhook or one status page at the same moment. Each keeps the
vendor's documented rate on its own (the dispatcher's cell-rate check in the
laptop's database); together they could send twice as fast as the vendor allows
and meet 429s. Online, a laptop's dispatcher also takes each send from one
bucket per channel kept on the server: ``warroom_sync.take_send`` (the server schema's
step 3, in warroom.sync.server) runs the same
generic cell rate algorithm in one row, on the server's clock, under a row lock,
so every laptop of the team draws from one allowance. A channel is the same row
on every laptop (channels travel with team sync), so its id names the bucket.

Offline, or with a server too old to have the function, a laptop falls back to its
own rate alone (and tries the server again a little later): sending never waits on
the network. A statement that takes longer than :data:`STATEMENT_TIMEOUT_MS` counts
as offline.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

log = logging.getLogger(__name__)

#: The longest a send waits for the server's answer before going on without it.
STATEMENT_TIMEOUT_MS = 2000
#: How long a laptop leaves the server alone after it could not be reached.
RETRY_AFTER_S = 30.0

class SharedRates:
    """A dispatcher's link to the team's shared buckets (thread-safe: one connection,
    psycopg serialises its use)."""

    def __init__(self, url: str | Callable[[], str | None], *, retry_after_s: float = RETRY_AFTER_S) -> None:
        self._url = url if callable(url) else (lambda: url)
        self.retry_after_s = retry_after_s
        self._conn = None
        self._not_before = 0.0
        self._lock = threading.Lock()
        self.unsupported = False     # the server's team schema predates shared rates

    @classmethod
    def for_store(cls, store) -> SharedRates:
        """For a database's dispatcher: the server it syncs with, looked up at each
        attempt to connect (a team joined while the window is open counts within
        ``retry_after_s``)."""
        from warroom.sync import client

        return cls(lambda: client.remembered_url(store))

    @property
    def online(self) -> bool:
        return self._conn is not None

    def ready(self) -> bool:
        """Connect if not connected (outside any transaction of the laptop's: a dispatcher
        calls this before it claims); False while offline."""
        with self._lock:
            if self._conn is not None or self.unsupported:
                return self._conn is not None
            if time.monotonic() < self._not_before:
                return False
            url = self._url()
            if not url:                          # this database works alone: look again later
                self._not_before = time.monotonic() + self.retry_after_s
                return False
            from warroom.sync import wire

            try:
                conn = wire.connect_with_password(url, ask=False)
                conn.execute(f"SET statement_timeout = {int(STATEMENT_TIMEOUT_MS)}")
            except Exception as exc:  # noqa: BLE001 - offline is a state: the laptop's own rate holds
                log.info("shared rates: the team server is not at hand (%s); each send keeps this laptop's rate",
                         str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                self._not_before = time.monotonic() + self.retry_after_s
                return False
            self._conn = conn
            return True

    def take(self, channel_id: uuid.UUID, rate: float, burst: int) -> float | None:
        """One send on ``channel_id`` from the team's bucket: 0.0 when it may go now,
        the seconds to wait when the team has used the allowance, None when the server
        is not at hand (the laptop's own rate alone decides)."""
        conn = self._conn
        if conn is None:
            return None
        import psycopg

        try:
            row = conn.execute("SELECT warroom_sync.take_send(%s, %s, %s)",
                               (channel_id, float(rate), max(1, int(burst)))).fetchone()
        except psycopg.errors.UndefinedFunction:
            log.warning("shared rates: the team server's schema is older than this War room "
                        "(warroom-cli team init upgrades it); each laptop keeps its own rate")
            self.unsupported = True
            self.close()
            return None
        except psycopg.Error as exc:
            log.info("shared rates: the team server stopped answering (%s); each send keeps this laptop's rate",
                     str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            self.close()
            self._not_before = time.monotonic() + self.retry_after_s
            return None
        wait = float(row[0])
        return wait if wait > 0 else 0.0

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass
