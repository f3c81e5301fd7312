"""The dispatcher when the database will not take what it has to say.

Another program holds the database's write lock while a Slack send is in flight,
longer than the busy timeout and longer than the delivery's lease, and a second
dispatcher tries to claim the delivery meanwhile. Slack (a real HTTP server on
127.0.0.1) gets the update once, and the delivery ends recorded as delivered.
The lease and the busy timeout are shortened so this takes seconds, not minutes.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from warroom.app import open_store
from warroom.clock import SystemClock
from warroom.delivery.dispatcher import Dispatcher
from warroom.identity import SYSTEM
from warroom.journal import verify
from warroom.services import channels, drafts, incidents, matrix, outbox, publishing, review
from warroom.store import Store
from warroom.store.models import Delivery
from tests.fakes.vendors import FakeSlack
from tests.helpers.team import team

ROOT = Path(__file__).resolve().parents[3]

def _setup(db: Path, slack: FakeSlack, *, timeout_s: float):
    store = open_store(db, clock=SystemClock())
    try:
        team(store, Sam_Writer="communications_owner")
        ch = channels.add(store, "admin", "slack", "slack", {}, secret=slack.webhook_url)
        matrix.set_cell(store, "admin", "customers", "SEV1", channels="slack")
        outbox.set_settings(store, "admin", lease_s=1, timeout_s=timeout_s)
        inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1",
                                      category="application", components=["Checkout"], customer_facing=True)
        d = drafts.compose_drafts(store, "Sam Writer", inc.id, ["customers"])[0]
        review.submit(store, "Dana", d.id)
        review.override(store, "Dana", d.id, "Reviewers unreachable at night")
        publishing.publish(store, "Dana", d.id)
        return ch
    finally:
        store.close()


def _deliveries(db: Path) -> list[tuple[str, int]]:
    with Store.open(db, clock=SystemClock()) as store:
        rows = outbox.list_deliveries(store, viewer=SYSTEM)
        with store.read() as session:
            assert verify(session).ok
    return [(r.state, r.attempts) for r in rows]


class LockingSlack(FakeSlack):
    """Slack, and at the moment it accepts a message, ``on_accept()`` runs (another
    program takes the database's write lock while the answer is on its way)."""

    def __init__(self, on_accept, **kwargs) -> None:
        super().__init__(**kwargs)
        self.on_accept = on_accept

    def answer(self, rec):
        answer = super().answer(rec)
        if answer.status == 200:
            self.on_accept()
        return answer


def test_a_held_write_lock_never_makes_an_accepted_message_go_out_twice(tmp_path, memory_keyring, caplog):
    from warroom.services.channels import secret_key

    db = tmp_path / "held.db"
    # Another program's write lock, taken in the instant Slack accepts: in this process (SQLite's
    # locks are the file's, so the CLI process below waits for it too), because a handshake with
    # a locking process could outlast the send's short timeout on a busy machine, and a send that
    # times out is rightly sent again.
    holder: list[sqlite3.Connection] = []
    locked, released = threading.Event(), threading.Event()

    def let_go() -> None:
        holder[0].execute("ROLLBACK")
        released.set()

    def take_the_lock() -> None:
        holder[0].execute("BEGIN IMMEDIATE")
        locked.set()
        threading.Timer(4.0, let_go).start()

    try:
        with LockingSlack(take_the_lock) as slack:
            ch = _setup(db, slack, timeout_s=0.3)            # a lease of 2 x 3 x 0.3 s = 1.8 s
            holder.append(sqlite3.connect(db, isolation_level=None, timeout=30, check_same_thread=False))
            store = Store.open(db, clock=SystemClock(), busy_timeout_s=0.3)
            other = Store.open(db, clock=SystemClock())      # waits up to 10 s for the lock
            try:
                first = Dispatcher(store, owner="window", parallel=False)
                summaries, others = [], []
                sending = threading.Thread(target=lambda: summaries.append(first.run_once()))
                claiming = threading.Thread(
                    target=lambda: others.append(Dispatcher(other, owner="other", parallel=False).run_once()))
                with caplog.at_level(logging.INFO, logger="warroom.delivery.dispatcher"):
                    sending.start()
                    assert locked.wait(20), "Slack never accepted the message"
                    # The lock is held for 4 s: past the busy timeout and past the 1.8 s lease.
                    # Once the lease has run out, two more dispatchers try to claim the
                    # delivery: one in this process, one a warroom-cli process. They wait for
                    # the lock, and get it before the first one's next attempt to record.
                    time.sleep(2.0)
                    claiming.start()
                    env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.fakes.envkeyring.EnvKeyring",
                               WARROOM_TEST_KEYRING=json.dumps({secret_key(ch.id): slack.webhook_url}),
                               PYTHONPATH=str(ROOT))
                    second = subprocess.run(
                        [sys.executable, "-c",
                         "import sys; from warroom.cli import main; sys.exit(main(sys.argv[1:]))",
                         "--db", str(db), "--json", "dispatch", "--once"],
                        env=env, capture_output=True, text=True, timeout=60)
                    assert released.wait(30)
                    sending.join(30)
                    claiming.join(30)
                    assert not sending.is_alive() and not claiming.is_alive()
            finally:
                other.close()
                store.close()
            assert second.returncode == 0, second.stderr
            assert json.loads(second.stdout)["delivered"] == 0
            assert summaries and summaries[0].delivered == 1
            assert others and others[0].sent == 0
            assert len(slack.requests) == 1 and len(slack.messages) == 1
    finally:
        if holder:
            if locked.is_set():
                released.wait(10)
            holder[0].close()
    assert _deliveries(db) == [("delivered", 1)]
    waits = [r.getMessage() for r in caplog.records if "cannot be written down yet" in r.getMessage()]
    assert waits, "the record was never refused: the lock was not held when the answer came"
    assert all("was accepted" in w and "another War room or warroom-cli is writing" in w for w in waits)
    # The second dispatcher found the lease run out, and the mark still held.
    assert any("still being sent by another dispatcher" in r.getMessage() for r in caplog.records)


def test_a_lease_that_could_not_be_renewed_still_keeps_a_second_dispatcher_off(tmp_path, memory_keyring):
    """The mark beside the database, not the lease, decides: the lease is made to run
    out in the middle of a slow send (as when the database refused its renewal)."""
    db = tmp_path / "mark.db"
    with FakeSlack(delay=1.5) as slack:
        _setup(db, slack, timeout_s=5)
        store = Store.open(db, clock=SystemClock())
        other = Store.open(db, clock=SystemClock())
        try:
            slack.mode = "slow"
            first, second = Dispatcher(store, owner="a", parallel=False), Dispatcher(other, owner="b", parallel=False)
            sending = threading.Thread(target=first.run_once)
            sending.start()
            deadline = time.monotonic() + 10
            while not slack.requests and time.monotonic() < deadline:
                time.sleep(0.005)
            with store.write(SYSTEM) as tx:
                tx.session.execute(update(Delivery).values(lease_until=tx.now))      # run out
            assert second.run_once().sent == 0
            sending.join(30)
            assert second.run_once().sent == 0
        finally:
            other.close()
            store.close()
        assert len(slack.requests) == 1 and len(slack.messages) == 1
    assert _deliveries(db) == [("delivered", 1)]


def test_the_mark_is_removed_once_the_outcome_is_recorded(tmp_path, memory_keyring, fake_slack):
    from warroom.delivery.inflight import folder_for

    db = tmp_path / "clean.db"
    _setup(db, fake_slack, timeout_s=2)
    with Store.open(db, clock=SystemClock()) as store:
        assert Dispatcher(store, parallel=False).run_once().delivered == 1
    folder = folder_for(db)
    assert folder.is_dir() and list(folder.iterdir()) == []
    if os.name == "posix":
        assert folder.stat().st_mode & 0o777 == 0o700


def test_a_dispatcher_stopped_while_the_database_refuses_the_record(tmp_path, memory_keyring):
    """Stopped while waiting to record (the window closes), the dispatcher leaves the
    vendor's receipt with its mark; the next one records it instead of sending the
    message again."""
    import sqlite3

    class Closed(BaseException):
        pass

    def closing(_seconds: float) -> None:
        raise Closed()

    db = tmp_path / "stopped.db"
    locker: list[sqlite3.Connection] = []

    def take_the_lock() -> None:
        con = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        con.execute("BEGIN IMMEDIATE")
        locker.append(con)

    with LockingSlack(take_the_lock) as slack:
        _setup(db, slack, timeout_s=0.5)
        store = Store.open(db, clock=SystemClock(), busy_timeout_s=0.1)
        try:
            with pytest.raises(Closed):
                Dispatcher(store, owner="closing", parallel=False, sleep=closing).run_once()
            assert len(locker) == 1
            locker[0].execute("ROLLBACK")
            locker[0].close()
            slack.on_accept = lambda: None
            with store.write(SYSTEM) as tx:
                tx.session.execute(update(Delivery).values(lease_until=tx.now))    # its lease ran out
            summary = Dispatcher(store, owner="next", parallel=False).run_once()
        finally:
            store.close()
        assert summary.delivered == 1
        assert len(slack.requests) == 1 and len(slack.messages) == 1
    assert _deliveries(db) == [("delivered", 1)]
