"""What inbound sources and the status watch write reaches the team: the server
takes their events as the program's (whichever login pushes them), still refuses
them anything a person must decide, and a server set up before they existed is
brought up to date by ``team init``."""

from __future__ import annotations

import psycopg
import pytest

from tests.helpers import teamserver
from warroom.identity import WATCH, Source
from warroom.services import incidents, people, timeline
from warroom.sync import client, server


class Recorder:
    def __init__(self) -> None:
        self.events = []

    def __call__(self, session, event) -> None:
        self.events.append((event.id, event.kind))


def _team(store) -> None:
    people.save(store, "Alice", "Alice")
    people.save(store, "Alice", "Bob", roles="technical_reviewer")


def _signals(store):
    """A PagerDuty source declares an incident and logs on it; the watch logs too."""
    pd = Source("inbound:pagerduty")
    inc = incidents.open_incident(store, pd, title="Checkout API error rate", severity="SEV2", commander="Alice")
    timeline.log(store, pd, inc.id, "Acknowledged in PagerDuty by Bob")
    timeline.log(store, WATCH, inc.id, "Cloud provider: investigating elevated errors")
    return inc


@pytest.fixture
def team(pg_cluster, pg_database, memory_keyring):
    srv = teamserver.start(pg_cluster, pg_database)
    yield srv
    for store in srv.laptops:
        store.close()


def test_a_sources_events_are_taken_from_any_login(team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _team(a)
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    b = team.laptop(tmp_path / "b.db", "bob", clock)     # the laptop that runs the receiver
    assert client.sync_once(b, Recorder(), url=team.url("bob")).ok
    inc = _signals(b)
    outcome = client.sync_once(b, Recorder(), url=team.url("bob"))
    assert outcome.ok and not outcome.refusals
    actors = {row[0] for row in team.admin_sql(
        "SELECT actor FROM warroom_sync.event WHERE incident = %s", (inc.id,))}
    assert actors == {"inbound:pagerduty", "status watch"}
    # Alice's laptop receives the incident the signal opened.
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok


def test_a_source_still_decides_nothing_on_the_server(team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _team(a)
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    with a.write(Source("inbound:pagerduty")) as tx:   # a modified program, past the laptop's own checks
        tx.checked = True
        tx.record("person.added", {"name": "Mallory", "roles": ["administrator"]})
    outcome = client.sync_once(a, Recorder(), url=team.url("alice"))
    [refusal] = outcome.refusals
    assert "only an administrator may change people" in refusal.reason


def test_nobody_is_mapped_to_a_sources_name(team):
    from warroom.errors import InputError

    with pytest.raises(InputError, match="records its own work under"):
        server.add(team.admin_url, "eve", "inbound:pagerduty")


def test_a_server_set_up_before_sources_is_brought_up_to_date(pg_cluster, pg_database, memory_keyring,
                                                              tmp_path, clock):
    # A server as version 1 left it: program actors by the list alone, no is_program.
    old = teamserver.TeamServer(pg_cluster, pg_database)
    server.init(old.admin_url)
    version_1 = server.STEPS[1].replace("is_program(e_actor)",
                                        "EXISTS (SELECT 1 FROM program_actor WHERE name = e_actor)")
    with psycopg.connect(old.admin_url, autocommit=True) as conn:
        conn.execute(version_1)
        conn.execute("DROP FUNCTION warroom_sync.is_program(text)")
        conn.execute("UPDATE warroom_sync.version SET version = 1")
    assert server.init(old.admin_url).before == 1
    assert old.admin_sql("SELECT version FROM warroom_sync.version")[0][0] == server.VERSION >= 2
    srv = teamserver.start(pg_cluster, pg_database)
    try:
        a = srv.laptop(tmp_path / "a.db", "alice", clock)
        _team(a)
        _signals(a)
        assert client.sync_once(a, Recorder(), url=srv.url("alice")).ok
    finally:
        for store in srv.laptops:
            store.close()
