"""Team sync over the wire, against a real PostgreSQL server: what the server
checks (in SQL, as the pushing login), what row-level security hides, and what a
push or pull killed half-way leaves behind.

Pulled events go through a recording applier here (the appliers themselves are
tested on their own); the push, the pull, the chain checks and the server's
checks are the real ones."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import uuid

import psycopg
import pytest
from sqlalchemy import func, select

from tests.helpers import teamserver
from warroom.domain import EntryKind
from warroom.identity import SYSTEM
from warroom.journal import canonical_json, event_hash, event_header
from warroom.services import incidents, integrity, people, timeline
from warroom.store.models import Device, JournalEvent, SyncHidden, SyncPushed, SyncServer
from warroom.sync import client, wire

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Recorder:
    """An applier that records what it was given."""

    def __init__(self) -> None:
        self.events: list[tuple[uuid.UUID, str]] = []

    def __call__(self, session, event) -> None:
        self.events.append((event.id, event.kind))


@pytest.fixture
def team(pg_cluster, pg_database, memory_keyring):
    server = teamserver.start(pg_cluster, pg_database)
    yield server
    for store in server.laptops:
        store.close()


def _register(store) -> None:
    """Alice's laptop registers the team: Alice first (commander and administrator)."""
    people.save(store, "Alice", "Alice")
    people.save(store, "Alice", "Bob", roles="technical_reviewer")
    people.save(store, "Alice", "Carol", roles="comms_reviewer,incident_commander")


def _journal(store, **where) -> list[JournalEvent]:
    with store.read() as session:
        stmt = select(JournalEvent).order_by(JournalEvent.device_id, JournalEvent.seq)
        for name, value in where.items():
            stmt = stmt.where(getattr(JournalEvent, name) == value)
        return list(session.scalars(stmt))


def _own_count(store) -> int:
    return len(_journal(store, device_id=store.device_id))


def test_a_push_is_idempotent_by_event_id(team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    incidents.open_incident(a, "Alice", title="Checkout errors", severity="SEV2")
    outcome = client.sync_once(a, Recorder(), url=team.url("alice"))
    assert outcome.ok and outcome.pushed == _own_count(a)
    before = team.admin_sql("SELECT cursor, id FROM warroom_sync.event ORDER BY cursor")
    assert [r[1] for r in before] == [e.id for e in _journal(a)]
    # The laptop forgets how far it got (a crash before it wrote it down): everything goes again.
    with a.write(SYSTEM) as tx:
        tx.session.get(SyncPushed, a.device_id).seq = 0
    again = client.sync_once(a, Recorder())
    assert again.ok and again.pushed == _own_count(a)
    assert team.admin_sql("SELECT cursor, id FROM warroom_sync.event ORDER BY cursor") == before
    # Every event carries the login that pushed it, recorded by the server.
    assert team.admin_sql("SELECT DISTINCT login FROM warroom_sync.event") == [("alice",)]


def test_sync_on_the_command_line(team, tmp_path, clock, cli):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    code, out, _err = cli("--db", str(tmp_path / "a.db"), "sync", "--once", "--server", team.url("alice"), db=False)
    # The shipped templates, imported by the program at its first start, go as the program's own work.
    assert code == 0 and out.startswith(f"Synced with {wire.parse(team.url('alice')).where}")
    assert team.count("actor = 'system' AND kind = 'template.saved'") > 0
    assert team.count() == _own_count(a)
    code, out, _err = cli("--db", str(tmp_path / "a.db"), "sync", "status", "--json", db=False)
    state = json.loads(out)
    assert code == 0 and state["waiting"] == 0 and state["login"] == "alice" and state["refusals"] == []
    assert state["summary"] == "synced"
    # Its own events are read past, not taken again.
    assert state["cursor"] == team.admin_sql("SELECT max(cursor) FROM warroom_sync.event")[0][0]
    assert "password" not in out and teamserver.LOGINS["alice"][1] not in out


def test_an_event_in_another_persons_name_is_refused_and_named(team, tmp_path, clock, cli):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    # Bob's laptop: an empty register lets anyone act, so it records an incident opened "by Alice".
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    forged = incidents.open_incident(b, "Alice", title="Not mine to open", severity="SEV1")
    outcome = client.sync_once(b, Recorder(), url=team.url("bob"))
    [refusal] = outcome.refusals
    forged_event = _journal(b, kind="incident.opened")[0]
    assert refusal.event_id == forged_event.id and refusal.direction == "push"
    assert "in the name of Alice, but login bob is Bob" in refusal.reason
    assert team.count("incident = %s", (forged.id,)) == 0
    # The events before it went; the refused one and everything after it wait.
    assert team.count("login = 'bob'") == forged_event.seq - 1
    state = client.status(b)
    assert state.waiting == _own_count(b) - (forged_event.seq - 1)
    assert [r.event_id for r in state.refusals] == [forged_event.id]
    # On the command line: exit 1, the event named.
    b.close()
    team.laptops.remove(b)
    code, out, _err = cli("--db", str(tmp_path / "b.db"), "sync", "--once", db=False)
    assert code == 1 and str(forged_event.id) in out
    code, out, _err = cli("--db", str(tmp_path / "b.db"), "sync", "status", "--json", db=False)
    assert code == 1 and json.loads(out)["refusals"][0]["event_id"] == str(forged_event.id)


def _forge(store, actor: str, kind: str, payload: dict, incident_id=None) -> uuid.UUID:
    """An event written past the laptop's own checks (a modified program): well chained,
    signed, and in the pusher's own name; only the server's checks stand in its way."""
    with store.write(actor) as tx:
        tx.checked = True
        return tx.record(kind, payload, incident_id=incident_id)


def test_the_server_checks_roles_from_its_own_view_of_people(team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    inc = incidents.open_incident(a, "Alice", title="Payments down", severity="SEV1")
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    assert client.sync_once(b, Recorder(), url=team.url("bob")).ok
    # Bob, a technical reviewer on the server, makes himself administrator…
    escalate = _forge(b, "Bob", "person.changed", {"name": "Bob", "changes": {
        "roles": [["technical_reviewer"], ["technical_reviewer", "administrator"]]}})
    [refusal] = client.sync_once(b, Recorder()).refusals
    assert refusal.event_id == escalate
    assert "only an administrator may change people and roles" in refusal.reason
    assert team.admin_sql("SELECT roles FROM warroom_sync.person WHERE name = 'Bob'") == [(["technical_reviewer"],)]

    # … and on a fresh laptop, overrides the reviews of Alice's incident.
    c = team.laptop(tmp_path / "c.db", "bob", clock)
    client.configure(c, team.url("bob"))
    override = _forge(c, "Bob", "review.overridden", {"draft_id": str(uuid.uuid4()), "revision": 1,
                                                      "reason": "no time", "missing": []}, incident_id=inc.id)
    outcome = client.sync_once(c, Recorder())
    assert [r.event_id for r in outcome.refusals] == [override]
    assert "only the incident's commander (Alice) may override" in outcome.refusals[0].reason
    # A review decision in a role the server does not give him is refused too.
    d = team.laptop(tmp_path / "d.db", "carol", clock)
    decision = _forge(d, "Carol", "review.decided", {"draft_id": str(uuid.uuid4()), "revision": 1,
                                                     "content_hash": "0" * 64, "role": "legal_reviewer",
                                                     "decision": "approved"}, incident_id=inc.id)
    [refusal] = client.sync_once(d, Recorder(), url=team.url("carol")).refusals
    assert refusal.event_id == decision and "may not decide a legal_reviewer review" in refusal.reason
    # An approval in another person's name: refused before any role is looked at.
    e = team.laptop(tmp_path / "e.db", "carol", clock)
    approval = _forge(e, "Bob", "review.decided", {"draft_id": str(uuid.uuid4()), "revision": 1,
                                                   "content_hash": "0" * 64, "role": "technical_reviewer",
                                                   "decision": "approved"}, incident_id=inc.id)
    [refusal] = client.sync_once(e, Recorder(), url=team.url("carol")).refusals
    assert refusal.event_id == approval and "in the name of Bob, but login carol is Carol" in refusal.reason
    # The commander's override goes through.
    ok = _forge(a, "Alice", "review.overridden", {"draft_id": str(uuid.uuid4()), "revision": 1, "reason": "SEV1",
                                                  "missing": []}, incident_id=inc.id)
    assert client.sync_once(a, Recorder()).ok and team.count("id = %s", (ok,)) == 1


def _params(event: JournalEvent, **changed) -> list:
    header = event_header(id=event.id, device_id=event.device_id, seq=event.seq, at=event.at, actor=event.actor,
                          incident_id=event.incident_id, kind=event.kind)
    values = {"id": event.id, "device": event.device_id, "seq": event.seq, "at": header["at"], "actor": event.actor,
              "incident": event.incident_id, "kind": event.kind, "payload": event.payload,
              "prev_hash": event.prev_hash, "hash": event.hash}
    values.update(changed)
    return list(values.values()) + [None, None, None]


def test_a_tampered_event_is_refused_and_named_on_push_and_on_pull(team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    inc = incidents.open_incident(a, "Alice", title="DNS", severity="SEV3")
    timeline.log(a, "Alice", inc.id, "Resolver restarted")
    events = _journal(a, device_id=a.device_id)
    push = "SELECT warroom_sync.push(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    with psycopg.connect(team.dsn("alice"), autocommit=True) as conn:
        for event in events[:-1]:
            conn.execute(push, _params(event))
        last = events[-1]
        altered = last.payload.replace("Resolver restarted", "Nothing happened")
        with pytest.raises(psycopg.Error) as refused:
            conn.execute(push, _params(last, payload=altered))
        assert refused.value.sqlstate == "WR001" and refused.value.diag.message_detail == str(last.id)
        assert f"event {last.id}" in str(refused.value) and "changed after it was written" in str(refused.value)
        # Its hash recomputed to match the change: it no longer follows the chain… and the
        # server's recomputation is what the laptop computes (the honest one goes through).
        rehashed = event_hash(last.prev_hash, event_header(
            id=last.id, device_id=last.device_id, seq=last.seq, at=last.at, actor=last.actor,
            incident_id=last.incident_id, kind=last.kind), altered)
        with pytest.raises(psycopg.Error, match="does not follow the chain"):
            conn.execute(push, _params(last, payload=altered, hash=rehashed, prev_hash="f" * 64))
        assert conn.execute(push, _params(last)).fetchone()[0] > 0
    # Altered on the server (by whoever can write its tables): Bob's pull refuses it, by name.
    team.admin_sql("UPDATE warroom_sync.event SET payload = replace(payload, 'Resolver', 'Nobody') "
                   "WHERE id = %s", (last.id,))
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    seen = Recorder()
    outcome = client.sync_once(b, seen, url=team.url("bob"))
    [refusal] = outcome.refusals
    assert refusal.direction == "pull" and refusal.event_id == last.id
    assert "changed after it was written" in refusal.reason
    assert last.id not in [e for e, _k in seen.events] and _journal(b, id=last.id) == []
    # Everything before it was taken, and the cursor stops before it.
    assert [e for e, _k in seen.events] == [e.id for e in events[:-1]]
    with b.read() as session:
        cursor = session.get(SyncServer, 1).cursor
    assert cursor == team.admin_sql("SELECT cursor FROM warroom_sync.event WHERE id = %s", (last.id,))[0][0] - 1


def test_a_confidential_incident_never_reaches_a_non_member(team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    public = incidents.open_incident(a, "Alice", title="Slow search", severity="SEV3")
    secret = incidents.open_incident(a, "Alice", title="Breach at Acme Corp", severity="SEV1", confidential=True)
    incidents.set_members(a, "Alice", secret.id, add=["Carol"])
    timeline.log(a, "Alice", secret.id, "Exfiltration confirmed")
    timeline.log(a, "Alice", public.id, "Index rebuilt")
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    secret_events = [e.id for e in _journal(a, incident_id=secret.id)]
    assert len(secret_events) == 3

    # Row-level security, as each login reads the table itself.
    def readable(login: str) -> set[uuid.UUID]:
        with psycopg.connect(team.dsn(login)) as conn:
            return {r[0] for r in conn.execute("SELECT id FROM warroom_sync.event")}

    assert not readable("bob") & set(secret_events)
    assert set(secret_events) <= readable("carol") and set(secret_events) <= readable("alice")

    b = team.laptop(tmp_path / "b.db", "bob", clock)
    seen = Recorder()
    outcome = client.sync_once(b, seen, url=team.url("bob"))
    assert outcome.ok and outcome.hidden == 3
    assert not {e for e, _k in seen.events} & set(secret_events)
    with b.read() as session:
        assert not session.scalar(select(func.count()).select_from(JournalEvent)
                                  .where(JournalEvent.incident_id == secret.id))
        assert "Acme" not in "".join(session.scalars(select(JournalEvent.payload)))
        hidden = session.scalars(select(SyncHidden.seq).where(SyncHidden.device_id == a.device_id)).all()
    assert sorted(hidden) == sorted(e.seq for e in _journal(a, incident_id=secret.id))
    # The chain still holds together around the holes: the public entry after them was taken,
    # and the journal's check passes with the links standing in for what may not be read.
    public_log = _journal(a, incident_id=public.id)[-1]
    assert (public_log.id, "timeline.logged") in seen.events
    report = integrity.check(b)
    assert report.ok, report.problems
    assert any("not readable here" in n for n in report.notes)
    with b.write(SYSTEM) as tx:          # a link that no longer fits is a break in the chain
        tx.session.get(SyncHidden, (a.device_id, min(hidden))).hash = "e" * 64
    assert not integrity.check(b).ok

    c = team.laptop(tmp_path / "c.db", "carol", clock)
    member = Recorder()
    assert client.sync_once(c, member, url=team.url("carol")).hidden == 0
    assert set(secret_events) <= {e for e, _k in member.events}
    # Nor can a non-member write to it (knowing its id is not enough).
    d = team.laptop(tmp_path / "d.db", "bob", clock)
    entry = _forge(d, "Bob", "timeline.logged", {"entry_id": str(uuid.uuid4()), "kind": "note", "text": "peek"},
                   incident_id=secret.id)
    [refusal] = client.sync_once(d, Recorder(), url=team.url("bob")).refusals
    assert refusal.event_id == entry and "neither its commander nor a member" in refusal.reason


def test_a_new_member_receives_what_was_hidden_from_them(team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    secret = incidents.open_incident(a, "Alice", title="Insider case", severity="SEV2", confidential=True)
    timeline.log(a, "Alice", secret.id, "HR informed")
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    assert client.sync_once(b, Recorder(), url=team.url("bob")).hidden == 2
    incidents.set_members(a, "Alice", secret.id, add=["Bob"])
    assert client.sync_once(a, Recorder()).ok
    seen = Recorder()
    outcome = client.sync_once(b, seen)
    assert outcome.ok and outcome.revealed == 2 and outcome.hidden == 0
    assert [e.id for e in _journal(b, incident_id=secret.id)] == [e.id for e in _journal(a, incident_id=secret.id)]
    assert {e for e, _k in seen.events} == {e.id for e in _journal(a, incident_id=secret.id)}
    with b.read() as session:
        assert session.scalar(select(func.count()).select_from(SyncHidden)) == 0
    assert integrity.check(b).ok


_CHILD = textwrap.dedent("""
    import sys, time
    from warroom.store import Store
    from warroom.sync import client

    client.BATCH = 40
    store = Store.open(sys.argv[1])
    store.signs = False

    applied = 0

    def progress(direction, n):
        print(direction, n, flush=True)
        time.sleep(0.05)      # room for the parent's kill between two batches

    def apply(session, event):
        global applied
        applied += 1
        if applied == client.BATCH + 20:      # half-way through the second batch's transaction
            print("inside-pull", flush=True)
            time.sleep(30)

    client.sync_once(store, apply, progress=progress)
    print("done", flush=True)
""")


def _kill_midway(db, marker: str) -> None:
    """Run a sync in a child process and SIGKILL it when it prints ``marker``: after the
    first batch of the push, or half-way through a batch of the pull."""
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.fakes.envkeyring.EnvKeyring",
               WARROOM_TEST_KEYRING=json.dumps(_keyring_items()), PYTHONPATH=ROOT)
    with subprocess.Popen([sys.executable, "-c", _CHILD, str(db)], stdout=subprocess.PIPE, env=env,
                          text=True) as child:
        try:
            for line in child.stdout:
                if line.startswith(marker):
                    child.send_signal(signal.SIGKILL)
                    break
            child.wait(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
    assert child.returncode == -signal.SIGKILL


def _keyring_items() -> dict[str, str]:
    import keyring

    backend = keyring.get_keyring()
    return {user: password for (_service, user), password in backend.items.items()}


def test_a_push_and_a_pull_killed_midway_lose_and_double_nothing(team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    inc = incidents.open_incident(a, "Alice", title="Storage latency", severity="SEV2")
    timeline.bulk_log(a, "Alice", inc.id, [(EntryKind.NOTE, f"reading {n}", clock.now()) for n in range(400)])
    client.configure(a, team.url("alice"))
    total = _own_count(a)

    _kill_midway(tmp_path / "a.db", "push")
    on_server = team.count()
    assert 0 < on_server < total
    assert client.sync_once(a, Recorder()).ok
    rows = team.admin_sql("SELECT seq FROM warroom_sync.event WHERE device = %s ORDER BY seq", (a.device_id,))
    assert [r[0] for r in rows] == list(range(1, total + 1))

    b = team.laptop(tmp_path / "b.db", "bob", clock)
    client.configure(b, team.url("bob"))
    _kill_midway(tmp_path / "b.db", "inside-pull")
    kept = len(_journal(b, device_id=a.device_id))
    assert kept == 40          # the first batch; nothing of the second
    with b.read() as session:
        cursor = session.get(SyncServer, 1).cursor
    # What was kept and the cursor moved together: the cursor is the last kept event's.
    assert cursor == team.admin_sql("SELECT cursor FROM warroom_sync.event WHERE device = %s AND seq = %s",
                                    (a.device_id, kept))[0][0]
    seen = Recorder()
    assert client.sync_once(b, seen).ok
    assert [e.id for e in _journal(b, device_id=a.device_id)] == [e.id for e in _journal(a, device_id=a.device_id)]
    assert len(seen.events) == total - kept
    with b.read() as session:
        assert session.get(SyncServer, 1).cursor == team.admin_sql("SELECT max(cursor) FROM warroom_sync.event")[0][0]
    assert integrity.check(b).ok


def test_pulled_chains_are_kept_with_their_signed_checkpoint(team, tmp_path, clock):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    assert client.sync_once(b, Recorder(), url=team.url("bob")).ok
    with a.read() as session, b.read() as other:
        mine = session.get(Device, a.device_id)
        theirs = other.get(Device, a.device_id)
        assert (theirs.last_seq, theirs.last_hash) == (mine.last_seq, mine.last_hash)
        assert (theirs.signed_seq, theirs.public_key) == (mine.signed_seq, mine.public_key)
        assert not theirs.is_local
    # A checkpoint re-signed by another key on the server is refused.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from warroom import devicekey

    people.save(a, "Alice", "Dora", roles="viewer")
    assert client.sync_once(a, Recorder()).ok
    head_seq, head_hash = team.admin_sql("SELECT last_seq, last_hash FROM warroom_sync.device WHERE id = %s",
                                         (a.device_id,))[0]
    other_key = Ed25519PrivateKey.generate()
    team.admin_sql("UPDATE warroom_sync.device SET public_key = %s, signature = %s, signed_seq = %s WHERE id = %s",
                   (devicekey.public_text(other_key), devicekey.sign_checkpoint(other_key, a.device_id, head_seq,
                                                                                head_hash), head_seq, a.device_id))
    [refusal] = client.sync_once(b, Recorder()).refusals
    assert "not by its own key" in refusal.reason
    with b.read() as session:
        assert session.get(Device, a.device_id).last_seq == head_seq - 1


def test_an_unreachable_server_exits_4_with_one_line(cli, tmp_path):
    url = f"postgresql://alice@/warroom?host={tmp_path / 'no-server-here'}"
    code, out, err = cli("sync", "--once", "--server", url)
    assert code == 4
    assert err.count("\n") == 1 and "Offline" in err
    code, out, err = cli("sync", "status", "--json")
    state = json.loads(out)
    assert code == 0 and state["last_success_at"] is None and "cannot be reached" in state["last_error"]
    assert state["summary"].startswith("offline since the start")
    assert state["waiting"] >= 1


def test_a_password_in_the_server_address_is_refused(cli):
    code, _out, err = cli("sync", "--once", "--server", "postgresql://alice:secret@db.example/warroom")
    assert code == 2 and "Never put a password" in err


def test_team_commands_set_up_the_server(team, cli, pg_cluster):
    url = team.admin_url
    code, out, _err = cli("team", "init", "--server", url, db=False)
    assert code == 0 and "+warroom_member" in out and "scram-sha-256" in out
    code, out, _err = cli("team", "add", "dave", "--person", "Dave", "--server", url, db=False)
    assert code == 0 and "without a password" in out
    assert team.admin_sql("SELECT person FROM warroom_sync.login WHERE login = 'dave'") == [("Dave",)]
    assert team.admin_sql("SELECT pg_has_role('dave', 'warroom_member', 'MEMBER')") == [(True,)]
    code, _out, err = cli("team", "add", "eve", "--person", "system", "--server", url, db=False)
    assert code == 2 and "records its own work under" in err


def test_an_unmapped_login_cannot_push(team, tmp_path, clock, pg_cluster):
    pg_cluster.sql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'mallory') THEN "
                   "CREATE ROLE mallory LOGIN PASSWORD 'mallory-pw'; END IF; END $$")
    pg_cluster.sql("GRANT warroom_member TO mallory")
    m = team.laptop(tmp_path / "m.db", "alice", clock)
    wire.remember_password(wire.parse(team.url("mallory")), "mallory-pw")
    [refusal] = client.sync_once(m, Recorder(), url=team.url("mallory")).refusals
    assert "login mallory is not mapped to a person" in refusal.reason
    assert team.count("login = 'mallory'") == 0
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'   # the form the server's header_text copies


def test_work_goes_on_while_the_server_is_away_and_syncs_when_it_is_back(team, tmp_path, clock, pg_cluster):
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    pg_cluster.ctl("stop")
    try:
        inc = incidents.open_incident(a, "Alice", title="Declared while the server was down", severity="SEV1")
        with pytest.raises(wire.Unreachable, match="^Offline: "):
            client.sync_once(a, Recorder())
        state = client.status(a)
        assert state.waiting > 0 and state.last_error
    finally:
        pg_cluster.ctl("start")
    assert client.sync_once(a, Recorder()).ok
    assert client.status(a).waiting == 0 and client.status(a).last_error is None
    assert team.count("incident = %s", (inc.id,)) == 1


def test_a_following_laptop_pulls_when_another_pushes(team, tmp_path, clock):
    import threading

    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    client.configure(b, team.url("bob"))
    rounds: list[client.Outcome] = []
    first = threading.Event()

    def report(outcome):
        rounds.append(outcome)
        first.set()

    # Two rounds, and between them a wait far longer than the test: only the server's
    # notification of Alice's push can end it.
    follower = threading.Thread(target=client.follow, args=(b, Recorder()), daemon=True,
                                kwargs={"report": report, "offline": lambda exc: None, "interval": 600, "rounds": 2})
    follower.start()
    assert first.wait(60)
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    follower.join(120)
    assert not follower.is_alive()
    assert rounds[1].pulled == _own_count(a)


def test_an_event_its_applier_refuses_stops_the_pull_there_named(team, tmp_path, clock):
    from warroom.errors import InputError

    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    inc = incidents.open_incident(a, "Alice", title="Queue backlog", severity="SEV3")
    timeline.log(a, "Alice", inc.id, "Workers scaled")
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    opened = _journal(a, kind="incident.opened")[0]

    def refusing(session, event):
        if event.kind == "incident.opened":
            raise InputError("no such template here")

    b = team.laptop(tmp_path / "b.db", "bob", clock)
    [refusal] = client.sync_once(b, refusing, url=team.url("bob")).refusals
    assert refusal.event_id == opened.id and "cannot be applied here: no such template here" in refusal.reason
    assert [e.id for e in _journal(b, device_id=a.device_id)] == [e.id for e in _journal(a)][:opened.seq - 1]
    assert integrity.check(b).ok
    # Once the applier takes it, the pull goes on from there.
    assert client.sync_once(b, Recorder()).ok
    assert len(_journal(b, device_id=a.device_id)) == _own_count(a)


def test_a_refused_password_is_not_taken_for_being_offline(team, tmp_path, clock, cli):
    from warroom.errors import NotPermitted

    a = team.laptop(tmp_path / "a.db", "alice", clock)
    wire.remember_password(wire.parse(team.url("alice")), "not-the-password")
    with pytest.raises(NotPermitted, match="refused login alice"):
        client.sync_once(a, Recorder(), url=team.url("alice"))
    a.close()
    team.laptops.remove(a)
    code, _out, err = cli("--db", str(tmp_path / "a.db"), "sync", "--once", db=False)
    assert code == 3 and "not-the-password" not in err


def test_the_server_refuses_a_regulatory_flag_from_anyone_but_an_incident_commander(team, tmp_path, clock):
    from warroom.services import obligations
    from warroom.sync import server

    a = team.laptop(tmp_path / "a.db", "alice", clock)
    _register(a)
    inc = incidents.open_incident(a, "Alice", title="Customer records exposed", severity="SEV1")
    obligations.flag(a, "Alice", inc.ref, "personal-data-eu")             # the commander's own: accepted
    assert client.sync_once(a, Recorder(), url=team.url("alice")).ok
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    assert client.sync_once(b, Recorder(), url=team.url("bob")).ok
    # Bob, a technical reviewer, moves the GDPR clock's start from a modified program …
    moved = _forge(b, "Bob", "obligation.start_changed", {"flag_id": str(uuid.uuid4()), "flag": "personal-data-eu",
                                                          "started_at": "2026-11-24T09:00:00Z"}, incident_id=inc.id)
    [refusal] = client.sync_once(b, Recorder()).refusals
    assert refusal.event_id == moved and "regulatory flags" in refusal.reason
    # … and a server whose schema predates the check gets it at the next team init.
    team.admin_sql("UPDATE warroom_sync.version SET version = 1")
    assert server.init(team.admin_url).before == 1
    assert team.admin_sql("SELECT version FROM warroom_sync.version") == [(server.VERSION,)]
    [again] = client.sync_once(b, Recorder()).refusals
    assert again.event_id == moved
