"""Team sync against a real PostgreSQL server the benchmark starts itself (a throwaway
cluster on a Unix socket, as the tests make it): what pushing and pulling a long
journal costs, and how soon an entry logged on one laptop shows on another.

Every figure is a ratio against a baseline measured side by side, on the same server:
- pushing N events (the server checks each one's actor, chain and signature in SQL)
  against a plain ``COPY`` of the same rows into a table of the same columns;
- pulling the same N events onto a second laptop (the chain checked, each event
  applied through its applier, the rows written to SQLite) against the same ``COPY``;
- an entry logged on laptop A until laptop B shows it (A pushes, the server's NOTIFY
  wakes B, B pulls and applies) against a bare round trip: an INSERT and a NOTIFY on
  one connection, the LISTENing one woken and reading the row.

    .venv/bin/python -m tests.bench.sync_bench [--events N] [--reps N]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import keyring

from tests.bench.common import BenchError, Row, median, ratio_verdict, spread, verdict
from tests.fakes.keyrings import memory_keyring

#: Ratio targets against the COPY of the same rows, and the latency's absolute target.
#: A pushed event runs the server's checks (a PL/pgSQL function: the login's person, the
#: chain, the signature); a pulled one is checked, applied through its applier and
#: written to SQLite. A laptop that joins late pulls the whole incident at once.
TARGET_PUSH = 50.0
TARGET_PULL = 100.0
TARGET_LATENCY_MS = 1000.0
#: The columns an event has on the server (the baseline copies the same values: the
#: push's first ten, and the login the server records).
_COLUMNS = ("id", "device", "seq", "at", "actor", "incident", "kind", "payload", "prev_hash", "hash", "login")


def _apply():
    from warroom.cli.sync import default_applier

    return default_applier()


def _laptop(team, folder: Path, login: str):
    from warroom.clock import SystemClock

    return team.laptop(folder / f"{login}.db", login, SystemClock())


def _generate(store, events: int):
    """Alice registers the team, opens an incident and logs ``events`` entries (each one
    journaled) as herself: the server takes only a login's own person's events."""
    from warroom.domain import EntryKind
    from warroom.services import incidents, people, timeline

    people.save(store, "Alice", "Alice")
    people.save(store, "Alice", "Bob", roles="technical_reviewer")
    people.save(store, "Alice", "Carol", roles="comms_reviewer,incident_commander")
    inc = incidents.open_incident(store, "Alice", title="Checkout errors in Europe", severity="SEV1",
                                  category="application")
    start = datetime.now(timezone.utc) - timedelta(hours=6)
    kinds = (EntryKind.NOTE, EntryKind.ACTION, EntryKind.DECISION, EntryKind.EXTERNAL)
    items = ((kinds[i % 4], f"Entry {i}: error rate {i % 97}% on the gateway; replica lag {i % 13} s",
              start + timedelta(milliseconds=200 * i)) for i in range(events))
    timeline.bulk_log(store, "Alice", inc.id, items)
    return inc


def _copy_baseline(team, store) -> float:
    """COPY the laptop's journal rows, as the push sends them, into a plain table on the server."""
    import psycopg
    from sqlalchemy import select

    from warroom.store.models import Device, JournalEvent
    from warroom.sync.client import push_params

    with store.read() as session:
        device = session.get(Device, store.device_id)
        rows = [push_params(r, device) for r in session.scalars(
            select(JournalEvent).where(JournalEvent.device_id == store.device_id).order_by(JournalEvent.seq))]
    with psycopg.connect(team.cluster.dsn(dbname=team.database), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy")
        conn.execute("CREATE TABLE bench_copy (LIKE warroom_sync.event INCLUDING DEFAULTS)")
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            with cur.copy(f"COPY bench_copy ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row[:10], "alice"))
        took = (time.perf_counter() - started) * 1000
        conn.execute("DROP TABLE bench_copy")
    return took


def _bare_round_trip(team) -> float:
    """INSERT and NOTIFY on one connection; the LISTENing one woken, reading the row."""
    import psycopg

    dsn = team.cluster.dsn(dbname=team.database)
    with psycopg.connect(dsn, autocommit=True) as writer, psycopg.connect(dsn, autocommit=True) as reader:
        writer.execute("CREATE TABLE IF NOT EXISTS bench_note (id uuid PRIMARY KEY, text text)")
        reader.execute("LISTEN bench_note")
        key = uuid.uuid4()
        started = time.perf_counter()
        writer.execute("INSERT INTO bench_note VALUES (%s, 'x')", (key,))
        writer.execute("NOTIFY bench_note")
        for _ in reader.notifies(timeout=5, stop_after=1):
            pass
        assert reader.execute("SELECT text FROM bench_note WHERE id = %s", (key,)).fetchone()
        took = (time.perf_counter() - started) * 1000
        writer.execute("DROP TABLE bench_note")
    return took


class _Follower:
    """Laptop B as the window runs it: a sync round whenever the server's NOTIFY says
    another laptop pushed, on its own thread."""

    def __init__(self, store) -> None:
        from warroom.sync import client

        self.store = store
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(client,), daemon=True)

    def _run(self, client) -> None:
        from warroom.sync import wire

        try:
            apply = _apply()
            conn = wire.connect_with_password(client.remembered_url(self.store), ask=False)
            conn.execute("LISTEN warroom_sync")
            try:
                while not self.stop.is_set():
                    client.sync_once(self.store, apply, conn=conn)
                    for _ in conn.notifies(timeout=0.2, stop_after=1):
                        pass
            finally:
                conn.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.error = exc


def _shown(db: Path, entry_text: str) -> bool:
    con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    try:
        return con.execute("SELECT 1 FROM timeline_entry WHERE text = ?", (entry_text,)).fetchone() is not None
    finally:
        con.close()


def _latencies(a, b, incident_id, reps: int) -> list[float]:
    from warroom.services import timeline
    from warroom.sync import client, wire

    follower = _Follower(b)
    follower.thread.start()
    conn = wire.connect_with_password(client.remembered_url(a), ask=False)
    apply = _apply()
    took = []
    try:
        for i in range(reps):
            text = f"Latency probe {i} {uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            timeline.log(a, "Alice", incident_id, text)
            client.sync_once(a, apply, conn=conn)           # the window pushes after its own write
            deadline = started + 10
            while not _shown(b.path, text):
                if follower.error is not None:
                    raise BenchError(f"laptop B's sync failed: {follower.error}")
                if time.perf_counter() > deadline:
                    raise BenchError("an entry logged on laptop A did not reach laptop B within 10 s")
                time.sleep(0.002)
            took.append((time.perf_counter() - started) * 1000)
            time.sleep(0.05)
    finally:
        follower.stop.set()
        follower.thread.join(5)
        conn.close()
    return took


def measure(events: int = 100_000, reps: int = 5) -> list[Row]:
    from tests.helpers import pg, teamserver
    from warroom.sync import client

    previous = keyring.get_keyring()
    keyring.set_keyring(memory_keyring())
    folder = Path(tempfile.mkdtemp(prefix="warroom-sync-bench-"))
    try:
        cluster = pg.start()
    except pg.Unavailable as exc:
        shutil.rmtree(folder, ignore_errors=True)
        keyring.set_keyring(previous)
        raise BenchError(f"team sync needs PostgreSQL's server programs: {exc}") from None
    rows: list[Row] = []
    try:
        cluster.sql('CREATE DATABASE "bench"')
        team = teamserver.start(cluster, "bench")
        a, b = _laptop(team, folder, "alice"), _laptop(team, folder, "bob")
        client.configure(a, team.url("alice"))
        client.configure(b, team.url("bob"))
        started = time.perf_counter()
        inc = _generate(a, events)
        print(f"  laptop A logged {events:,} entries in {time.perf_counter() - started:.1f} s.", flush=True)
        copy_ms = [_copy_baseline(team, a) for _ in range(max(1, reps // 2))]
        apply = _apply()

        started = time.perf_counter()
        outcome = client.sync_once(a, apply)
        push_ms = (time.perf_counter() - started) * 1000
        if not outcome.ok or outcome.pushed < events:
            raise BenchError(f"the push was refused: {outcome.refusals}")
        started = time.perf_counter()
        outcome = client.sync_once(b, apply)
        pull_ms = (time.perf_counter() - started) * 1000
        if not outcome.ok or outcome.pulled < events:
            raise BenchError(f"the pull stopped: {outcome.refusals}")
        copied = median(copy_ms)
        n = outcome.pulled
        rows.append(Row("9a", f"Team sync: push {n:,} events to the server (vs a COPY of the same rows)",
                        f"≤ {TARGET_PUSH:g}x COPY", f"{push_ms / 1000:.1f} s vs {copied / 1000:.2f} s",
                        ratio_verdict(push_ms / copied, TARGET_PUSH, "COPY"),
                        [f"{push_ms * 1000 / n:.0f} µs an event: the server checks each event's login, "
                         f"chain link and signature in SQL as it stores it. COPY of the same {n:,} rows into a "
                         f"table of the same columns, no checks: {spread(copy_ms, 'ms', '.0f')}. The throwaway "
                         "cluster runs with fsync off, as the tests' does."]))
        rows.append(Row("9b", f"Team sync: pull and apply {n:,} events on a second laptop (vs the same COPY)",
                        f"≤ {TARGET_PULL:g}x COPY", f"{pull_ms / 1000:.1f} s vs {copied / 1000:.2f} s",
                        ratio_verdict(pull_ms / copied, TARGET_PULL, "COPY"),
                        [f"{pull_ms * 1000 / n:.0f} µs an event: read from the server, chain checked, applied "
                         "through its applier and written to the laptop's SQLite file (durable commits)."]))

        latency = _latencies(a, b, inc.id, max(5, reps * 2))
        bare = [_bare_round_trip(team) for _ in range(max(5, reps * 2))]
        rows.append(Row("9c", "Team sync: an entry logged on laptop A until laptop B shows it, both online",
                        f"median < {TARGET_LATENCY_MS:.0f} ms", f"{median(latency):.0f} ms vs {median(bare):.1f} ms",
                        verdict(median(latency), TARGET_LATENCY_MS)
                        + f"; {median(latency) / median(bare):.0f}x bare",
                        [f"A logs and pushes, the server's NOTIFY wakes B, B pulls and applies: "
                         f"{spread(latency, 'ms', '.0f')}. Bare: an INSERT and a NOTIFY, the listening "
                         f"connection woken and reading the row: {spread(bare, 'ms', '.1f')}."]))
    finally:
        for store in getattr(locals().get("team"), "laptops", []):
            store.close()
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
        keyring.set_keyring(previous)
    return rows


def main(argv: list[str] | None = None) -> int:
    from tests.bench.run import text_table

    parser = argparse.ArgumentParser(prog="python -m tests.bench.sync_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    print(text_table(measure(args.events, args.reps)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
