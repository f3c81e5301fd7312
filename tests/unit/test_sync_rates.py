"""Vendors' rates kept team-wide through the server (warroom.sync.rates): the
server's bucket, the dispatcher drawing from it beside its own, and a laptop that
cannot reach the server sending on its own rate without waiting for the network."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid

import psycopg
import pytest

from tests.fakes.vendors import FakeWebhookReceiver
from tests.helpers import teamserver
from tests.helpers.delivery import publish_overridden
from tests.helpers.team import team as register_team
from warroom.app import open_store
from warroom.clock import SystemClock
from warroom.delivery.dispatcher import Dispatcher
from warroom.services import channels, matrix
from warroom.sync import rates, server, wire


@pytest.fixture
def team(pg_cluster, pg_database, memory_keyring):
    made = teamserver.start(pg_cluster, pg_database)
    yield made
    for store in made.laptops:
        store.close()


def _take(conn, channel, rate, burst):
    return conn.execute("SELECT warroom_sync.take_send(%s, %s, %s)", (channel, rate, burst)).fetchone()[0]


def test_the_servers_bucket_allows_the_burst_then_spaces_sends(team):
    assert server.VERSION == 3
    channel = uuid.uuid4()
    with psycopg.connect(team.dsn("alice"), autocommit=True) as alice, \
            psycopg.connect(team.dsn("bob"), autocommit=True) as bob:
        assert [_take(alice, channel, 2.0, 3) for _ in range(3)] == [0, 0, 0]     # the vendor's burst
        wait = _take(bob, channel, 2.0, 3)            # another login draws from the same bucket
        assert 0.3 < wait <= 0.5
        assert _take(alice, uuid.uuid4(), 2.0, 1) == 0  # another channel has its own
        time.sleep(wait + 0.02)
        assert _take(bob, channel, 2.0, 3) == 0
        for bad in ((0.0, 1), (2000.0, 1), (2.0, 0)):
            with pytest.raises(psycopg.errors.InvalidParameterValue):
                _take(alice, channel, *bad)
        # Logins may call the function, not write the buckets themselves.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alice.execute("UPDATE warroom_sync.channel_rate SET tat = 0")


def test_shared_rates_take_from_the_server_and_fall_back_when_it_is_away(team, tmp_path):
    wire.remember_password(wire.parse(team.url("alice")), teamserver.LOGINS["alice"][1])
    shared = rates.SharedRates(team.url("alice"))
    channel = uuid.uuid4()
    assert shared.take(channel, 1.0, 1) is None        # not connected yet: the laptop's rate alone
    assert shared.ready() and shared.online
    assert shared.take(channel, 1.0, 1) == 0.0
    assert 0.5 < shared.take(channel, 1.0, 1) <= 1.0
    shared.close()
    # A server that is not there: not waited for, and not asked again at once.
    away = rates.SharedRates(f"postgresql://alice@/warroom?host={tmp_path}", retry_after_s=60)
    started = time.monotonic()
    assert not away.ready() and away.take(channel, 1.0, 1) is None
    assert not away.ready()                            # within retry_after_s: no second attempt
    assert time.monotonic() - started < 10
    # A database that works alone has no server to ask.
    looked = []
    alone = rates.SharedRates(lambda: looked.append(1))
    assert not alone.ready() and alone.take(channel, 1.0, 1) is None
    assert not alone.ready() and len(looked) == 1     # not looked up again at every pass


def _laptop_pair(tmp_path, hook):
    """Two laptops with the same channel (as team sync gives them), each with six
    updates of its own waiting to go to it."""
    a = open_store(tmp_path / "a.db", clock=SystemClock())
    register_team(a)
    channels.add(a, "admin", "hook", "webhook", {"url": hook.hook_url, "rate_per_s": 4}, secret=hook.key)
    matrix.set_cell(a, "admin", "customers", "SEV1", channels="hook")
    a.close()
    source, copy = sqlite3.connect(tmp_path / "a.db"), sqlite3.connect(tmp_path / "b.db")
    source.backup(copy)
    source.close()
    copy.close()
    laptops = [open_store(tmp_path / name, clock=SystemClock()) for name in ("a.db", "b.db")]
    for n, store in enumerate(laptops):
        for i in range(6):
            publish_overridden(store, title=f"Laptop {n} incident {i}")
    return laptops


def test_two_laptops_sending_to_one_vendor_keep_its_rate_together(team, tmp_path):
    for login in ("alice", "bob"):
        wire.remember_password(wire.parse(team.url(login)), teamserver.LOGINS[login][1])
    with FakeWebhookReceiver() as hook:
        laptops = _laptop_pair(tmp_path, hook)
        shared = [rates.SharedRates(team.url(login)) for login in ("alice", "bob")]
        dispatchers = [Dispatcher(store, owner=f"laptop-{n}", parallel=False, shared_rates=s)
                       for n, (store, s) in enumerate(zip(laptops, shared))]
        try:
            threads = [threading.Thread(target=d.run_once) for d in dispatchers]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            arrived = sorted(r.at for r in hook.requests)
        finally:
            for s in shared:
                s.close()
            for store in laptops:
                store.close()
    assert len(hook.received) == 12
    # The webhook's rate: a burst of five, then four a second, for the two laptops together
    # (each alone would have sent its six within a quarter second).
    assert arrived[-1] - arrived[0] >= (12 - 5) / 4 - 0.1
    for i, start in enumerate(arrived):
        within_one_second = sum(1 for t in arrived[i:] if t - start < 1.0)
        assert within_one_second <= 5 + 4 + 1
