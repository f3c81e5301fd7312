"""The outbox, in-process: what publishing to many recipients costs, what the
dispatcher adds on top of the HTTP requests themselves, and whether claiming the
next delivery stays cheap when the outbox holds a long history.

Every figure is a ratio against a baseline measured side by side in the same run:
- publishing with 1,000 e-mail recipients against the same publish with none;
- dispatching N webhook deliveries (claim, send, record with a journal event; the
  record's transaction claims the next one) against N bare httpx POSTs to the same
  local server, each with one durable commit;
- claiming with 100,000 delivered rows in the table against an empty history.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
import keyring

from tests.fakes.keyrings import memory_keyring
from tests.bench.common import Row, median, ratio_verdict, spread

#: Ratio targets: the outbox rows of a publish against the same rows written bare; a
#: dispatched delivery against a bare POST with one durable commit (so does the dispatcher, after its first).
TARGET_4A = 4.0
TARGET_4B = 3.0


def _world(folder: Path, recipients: int):
    from warroom.app import open_store
    from warroom.clock import SystemClock
    from warroom.services import people, stakeholders
    from warroom.store.models import Stakeholder
    from warroom.ids import uuid7

    store = open_store(folder / "bench.db", clock=SystemClock())
    people.save(store, "bench", "bench")    # the first person: commander and administrator
    people.save(store, "bench", "Dana", roles="incident_commander")
    now = datetime.now(timezone.utc)
    with store.write("bench", warn_ms=None) as tx:
        for i in range(recipients):
            tx.session.add(Stakeholder(id=uuid7(), name=f"Customer {i:05d}", kind="group", audience="customers",
                                       external=True, email=f"ops{i}@customer{i}.example", created_at=now,
                                       updated_at=now))
    del stakeholders
    return store


def _publish(store, title: str):
    from warroom.services import drafts, incidents, publishing, review

    inc = incidents.open_incident(store, "Dana", title=title, severity="SEV1", category="application")
    d = drafts.compose_drafts(store, "Dana", inc.id, ["customers"])[0]
    review.submit(store, "Dana", d.id)
    review.override(store, "Dana", d.id, "benchmark")
    started = time.perf_counter()
    publishing.publish(store, "Dana", d.id)
    return (time.perf_counter() - started) * 1000


def measure(reps: int) -> list[Row]:
    from tests.fakes.vendors import FakeWebhookReceiver
    from warroom.delivery.dispatcher import Dispatcher
    from warroom.services import channels, matrix, outbox

    previous = keyring.get_keyring()
    keyring.set_keyring(memory_keyring())
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory() as tmp, FakeWebhookReceiver() as hook:
            folder = Path(tmp)
            store = _world(folder, 1000)
            try:
                channels.add(store, "bench", "hook", "webhook", {"url": hook.hook_url, "rate_per_s": 1000},
                             secret=hook.key)
                channels.add(store, "bench", "mail", "email",
                             {"host": "127.0.0.1", "port": 2525, "security": "none", "from_addr": "s@example.com"})
                # 4a: publish with 1,000 recipients vs with none, interleaved.
                with_mail, without = [], []
                for i in range(reps):
                    matrix.set_cell(store, "bench", "customers", "SEV1", channels="mail")
                    with_mail.append(_publish(store, f"With mail {i}"))
                    matrix.set_cell(store, "bench", "customers", "SEV1", channels="")
                    without.append(_publish(store, f"Without {i}"))
                with store.write("bench") as tx:   # the mail server does not exist: take them out of the way
                    from sqlalchemy import update

                    from warroom.store.models import Delivery

                    tx.session.execute(update(Delivery).values(state="cancelled"))
                rows_ms = [_bare_rows(folder / "rows.db", 1000) for _ in range(reps)]
                added = median(with_mail) - median(without)    # what the 1,000 recipients add
                rows.append(Row("4a", "Publish an update to 1,000 e-mail recipients: what the 1,000 outbox rows "
                                      "add (vs the same rows written bare)", f"≤ {TARGET_4A:g}x baseline",
                                f"{added:.0f} ms vs {median(rows_ms):.0f} ms",
                                ratio_verdict(added / median(rows_ms), TARGET_4A, "baseline"),
                                [f"with: {spread(with_mail, 'ms', '.0f')}; without: {spread(without, 'ms', '.0f')}; "
                                 f"baseline, 1,000 rows of a delivery's width inserted with plain sqlite3 in one "
                                 f"durable commit: {spread(rows_ms, 'ms', '.0f')}"]))

                # 4b: dispatch N webhook deliveries vs N bare POSTs.
                n = 200
                matrix.set_cell(store, "bench", "customers", "SEV1", channels="hook")
                dispatch_ms, bare_ms = [], []
                client = httpx.Client(timeout=10)
                try:
                    for _ in range(max(1, reps // 2)):
                        _queue(store, n)
                        started = time.perf_counter()
                        summary = Dispatcher(store, client=client, parallel=False, rng=random.Random(1)).run_once()
                        dispatch_ms.append((time.perf_counter() - started) * 1000)
                        assert summary.delivered == n, summary
                        bare_ms.append(_bare(client, hook.url + "/bare", folder / "bare.db", n))
                finally:
                    client.close()
                per, bare_per = median(dispatch_ms) / n, median(bare_ms) / n
                rows.append(Row("4b", f"Dispatcher per delivery ({n} webhook deliveries: lease, send, record, "
                                      "journal) vs a bare POST and one durable commit", f"≤ {TARGET_4B:g}x baseline",
                                f"{per:.1f} ms vs {bare_per:.1f} ms", ratio_verdict(per / bare_per, TARGET_4B,
                                                                                    "baseline"),
                                [f"dispatch: {spread(dispatch_ms, 'ms', '.0f')}; baseline, a bare httpx POST to "
                                 f"the same server and one fsync'd SQLite commit each (the least a durable outbox "
                                 f"does): {spread(bare_ms, 'ms', '.0f')}. The dispatcher commits once per delivery "
                                 f"after the first (the outcome with its journal event, and the next lease). "
                                 f"On top of the baseline: {per - bare_per:.1f} ms, {(per - bare_per) / 250:.2f}x Teams' 250 ms send "
                                 "interval (vendors allow 1-4 sends a second per channel)."]))

                # 4d: claiming from a long queue (one publish to 4,000 addresses) vs a short one.
                short_ms = _claims(store, outbox, 50, addresses=True)
                long_ms = _claims(store, outbox, 4000, addresses=True, measure=50)
                ratio = median(long_ms) / median(short_ms)
                rows.append(Row("4d", "Claim the next delivery with 4,000 queued (one per address)",
                                "≤ 3x 50 queued", f"{median(long_ms):.2f} ms", ratio_verdict(ratio, 3.0, "50 queued"),
                                [f"4,000: {spread(long_ms, 'ms', '.2f')}; 50: {spread(short_ms, 'ms', '.2f')}"]))

                # 4c: claiming the next delivery with a long history.
                empty_ms = _claims(store, outbox)
                _history(store, 100_000)
                full_ms = _claims(store, outbox)
                ratio = median(full_ms) / median(empty_ms)
                rows.append(Row("4c", "Claim the next delivery with 100,000 delivered rows", "≤ 2x empty history",
                                f"{median(full_ms):.2f} ms", ratio_verdict(ratio, 2.0, "empty history"),
                                [f"100k: {spread(full_ms, 'ms', '.2f')}; empty: {spread(empty_ms, 'ms', '.2f')}"]))
            finally:
                store.close()
    finally:
        keyring.set_keyring(previous)
    return rows


def _bare(client: httpx.Client, url: str, db: Path, n: int) -> float:
    """The baseline: POST, then write the outcome with one fsync'd commit (WAL, FULL)."""
    import sqlite3

    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS sent (i INTEGER, status INTEGER)")
        started = time.perf_counter()
        for i in range(n):
            r = client.post(url, json={"i": i})
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO sent VALUES (?, ?)", (i, r.status_code))
            conn.execute("COMMIT")
        return (time.perf_counter() - started) * 1000
    finally:
        conn.close()


def _bare_rows(db: Path, n: int) -> float:
    """The 4a baseline: ``n`` rows as wide as a delivery's, one durable commit (WAL, FULL)."""
    import json
    import sqlite3
    import uuid

    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE delivery (id TEXT PRIMARY KEY, address TEXT, state TEXT, message TEXT, "
                     "created_at TEXT)")
        conn.execute("CREATE INDEX ix_state ON delivery (state, created_at)")
        message = json.dumps({"subject": "x" * 80, "body": "y" * 1200, "short": "z" * 160})
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO delivery VALUES (?, ?, 'queued', ?, '2026-11-23 09:00:00')",
                         ((uuid.uuid4().hex, f"ops{i}@customer{i}.example", message) for i in range(n)))
        conn.execute("COMMIT")
        return (time.perf_counter() - started) * 1000
    finally:
        conn.close()


def _queue(store, n: int, *, addresses: bool = False) -> None:
    """N queued webhook deliveries, written directly (publishing is measured in 4a)."""
    from warroom.services import channels
    from warroom.store.models import Delivery, Draft, Incident
    from warroom.ids import uuid7
    from sqlalchemy import select

    hook = channels.get(store, "hook")
    with store.write("bench", warn_ms=None) as tx:
        draft = tx.session.scalars(select(Draft).limit(1)).first()
        inc = tx.session.get(Incident, draft.incident_id)
        template = tx.session.scalars(select(Delivery.message).limit(1)).first()
        now = tx.now
        for _ in range(n):
            did = uuid7()
            tx.session.add(Delivery(id=did, incident_id=inc.id, draft_id=draft.id, channel_id=hook.id,
                                    audience="customers", recipient="", address=f"r{_}@example.com" if addresses else "",
                                    message=dict(template, delivery_id=str(did)), state="queued", attempts=0,
                                    next_attempt_at=now, exercise=False, created_at=now, queued_at=now,
                                    updated_at=now))


def _history(store, n: int) -> None:
    from sqlalchemy import insert, select

    from warroom.services import channels
    from warroom.store.models import Delivery, Draft
    from warroom.ids import uuid7

    hook = channels.get(store, "hook")
    with store.write("bench", warn_ms=None) as tx:
        draft = tx.session.scalars(select(Draft).limit(1)).first()
        template = tx.session.scalars(select(Delivery.message).limit(1)).first()
        now = tx.now
        rows = [{"id": uuid7(), "incident_id": draft.incident_id, "draft_id": draft.id, "channel_id": hook.id,
                 "audience": "customers", "recipient": "", "address": "", "message": template,
                 "state": "delivered", "attempts": 1, "next_attempt_at": now, "exercise": False,
                 "receipt": {"http_status": 200},
                 "created_at": now, "queued_at": now, "updated_at": now, "delivered_at": now} for _ in range(n)]
        tx.session.execute(insert(Delivery), rows)


def _claims(store, outbox, n: int = 50, *, addresses: bool = False, measure: int | None = None) -> list[float]:
    from sqlalchemy import update

    from warroom.delivery.dispatcher import Dispatcher
    from warroom.services import channels
    from warroom.store.models import Delivery

    _queue(store, n, addresses=addresses)
    hook = channels.get(store, "hook")
    d = Dispatcher(store, owner="bench")
    settings = outbox.settings(store)
    times = []
    for _ in range(measure or n):
        started = time.perf_counter()
        claim = d._claim(hook.id, settings)
        times.append((time.perf_counter() - started) * 1000)
        assert claim is not None
        with store.write("bench") as tx:
            tx.session.get(Delivery, claim.id).state = "cancelled"
    with store.write("bench", warn_ms=None) as tx:      # leave an empty queue behind
        tx.session.execute(update(Delivery).where(Delivery.state == "queued").values(state="cancelled"))
    return times


if __name__ == "__main__":
    import argparse
    import os

    from tests.bench.run import text_table

    parser = argparse.ArgumentParser(prog="python -m tests.bench.outbox_bench",
                                     description="The outbox figures (section 4 of make bench) on their own.")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each timing (default 5)")
    repetitions = max(1, parser.parse_args().reps)
    started = os.getloadavg()
    measured = measure(repetitions)
    ended = os.getloadavg()
    print(f"Load average (1 / 5 / 15 min) at the start: {' / '.join(f'{x:.2f}' for x in started)}; at the end: "
          f"{' / '.join(f'{x:.2f}' for x in ended)} (on {os.cpu_count()} CPUs); {repetitions} repetitions.\n")
    print(text_table(measured))
    print("\nNotes:")
    for row in measured:
        for note in row.notes:
            print(f"  {row.key}: {note}")
