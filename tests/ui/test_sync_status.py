"""The window syncs in the background and says how it stands in the status bar."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from tests.helpers import teamserver
from ui.sync_status import SyncRunner, phrase
from warroom.cli.sync import default_applier
from warroom.services import incidents, people, timeline
from warroom.store.models import TimelineEntry
from warroom.sync import client


@pytest.fixture
def team(pg_cluster, pg_database, memory_keyring):
    server = teamserver.start(pg_cluster, pg_database)
    yield server
    for store in server.laptops:
        store.close()


def test_a_window_without_a_server_shows_no_sync_state(open_window, store):
    w = open_window(store)
    runner = w.start_sync()
    try:
        assert runner is not None
        w.sync_status.show_status(client.status(store))
        assert not w.sync_status.isVisible()
    finally:
        runner.stop()


def test_the_runner_brings_another_laptops_entry_in_and_shows_synced(qtbot, team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
    inc = incidents.open_incident(a, "Alice", title="Checkout errors", severity="SEV2")
    apply = default_applier()
    assert client.sync_once(a, apply, url=team.url("alice")).ok
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    client.configure(b, team.url("bob"))

    runner = SyncRunner(b, interval=30.0)
    seen = []
    runner.status.connect(lambda s: seen.append(phrase(s)))
    runner.start()
    try:
        qtbot.waitUntil(lambda: "synced" in seen, timeout=20_000)
        entry = timeline.log(a, "Alice", inc.id, "Rolled back 2.4.1")
        assert client.sync_once(a, apply).ok      # the server's NOTIFY wakes b's runner long before 30 s

        def arrived() -> bool:
            with b.read() as session:
                return session.get(TimelineEntry, entry.id) is not None
        qtbot.waitUntil(arrived, timeout=20_000)
    finally:
        assert runner.stop()


def test_an_unreachable_server_reads_offline_since(qtbot, tmp_path, clock, memory_keyring):
    from warroom.store import Store

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]           # closed once the block ends: nobody listens there
    store = Store.open(tmp_path / "c.db", clock=clock)
    try:
        client.configure(store, f"postgresql://carol@127.0.0.1:{port}/team")
        runner = SyncRunner(store, interval=30.0)
        seen = []
        runner.status.connect(seen.append)
        runner.start()
        qtbot.waitUntil(lambda: bool(seen), timeout=20_000)
        assert runner.stop()
        assert phrase(seen[0]) == "offline, 1 to send"        # the database's own first event waits
        with store.read() as session:
            assert session.scalars(select(TimelineEntry)).first() is None
        # After a success at 09:00 UTC, in UTC: "offline since 09:00".
        from datetime import timezone

        state = seen[0]
        later = type(state)(**{**{f: getattr(state, f) for f in state.__dataclass_fields__},
                               "last_success_at": clock.now()})
        assert phrase(later, timezone.utc) == f"offline since {clock.now():%H:%M}, 1 to send"
    finally:
        store.close()
