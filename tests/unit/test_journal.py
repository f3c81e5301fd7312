"""The hash-chained journal: one event per change, tamper evidence, append-only."""

from __future__ import annotations

import json
import sqlite3

import pytest

from warroom.journal import GENESIS, canonical_json, event_hash, event_header, verify
from warroom.services import incidents, policy, timeline
from warroom.store.models import JournalEvent


def _events(store):
    with store.read() as session:
        return session.query(JournalEvent).order_by(JournalEvent.seq).all()


def test_every_service_change_appends_one_event(store, clock):
    from datetime import timedelta

    n0 = len(_events(store))
    inc = incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    e = timeline.log(store, "Ana", inc.ref, "Looking at the auth logs")
    timeline.edit(store, "Ben", e.id, "Looking at the auth service logs")
    incidents.set_status(store, "Ana", inc.ref, "identified")
    incidents.set_severity(store, "Ana", inc.ref, "SEV1")
    incidents.update_incident(store, "Ana", inc.ref, commander="Ben")
    policy.set_update_interval(store, "Ana", "SEV1", timedelta(minutes=15))
    kinds = [ev.kind for ev in _events(store)][n0:]
    assert kinds == ["incident.opened", "timeline.logged", "timeline.edited", "incident.status_changed",
                     "incident.severity_changed", "incident.updated", "policy.interval_set"]
    edited = json.loads(_events(store)[n0 + 2].payload)
    assert edited["previous_text"] == "Looking at the auth logs"
    assert edited["text"] == "Looking at the auth service logs"


def test_a_refused_change_writes_nothing(store):
    inc = incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    before = len(_events(store))
    with pytest.raises(Exception):
        incidents.set_status(store, "Ana", inc.ref, "investigating")
    with pytest.raises(Exception):
        timeline.log(store, "Ana", inc.ref, "")
    assert len(_events(store)) == before


def test_chain_links_and_hashes(store):
    inc = incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    timeline.log(store, "Ana", inc.id, "one")
    events = _events(store)
    assert events[0].prev_hash == GENESIS
    for prev, ev in zip(events, events[1:]):
        assert ev.prev_hash == prev.hash
        assert ev.seq == prev.seq + 1
    last = events[-1]
    header = event_header(id=last.id, device_id=last.device_id, seq=last.seq, at=last.at, actor=last.actor,
                          incident_id=last.incident_id, kind=last.kind)
    assert event_hash(last.prev_hash, header, last.payload) == last.hash
    assert last.payload == canonical_json(json.loads(last.payload))


def test_canonical_json_is_stable():
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_journal_rows_cannot_be_updated_or_deleted(store, db_path):
    incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    con = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="never updated"):
        con.execute("UPDATE journal_event SET actor = 'Mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
        con.execute("DELETE FROM journal_event")
    con.close()


def _tamper(db_path, sql, *params):
    """What an attacker with the file would do: drop the guard, change a row."""
    con = sqlite3.connect(db_path)
    con.execute("DROP TRIGGER journal_event_no_update")
    con.execute("DROP TRIGGER journal_event_no_delete")
    con.execute(sql, params)
    con.commit()
    con.close()


@pytest.fixture
def busy_store(store):
    inc = incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    for i in range(5):
        timeline.log(store, "Ana", inc.id, f"entry {i}")
    with store.read() as session:
        assert verify(session).ok
    return store


def test_an_altered_payload_is_named(busy_store, db_path):
    target = _events(busy_store)[3]
    _tamper(db_path, "UPDATE journal_event SET payload = replace(payload, 'entry', 'ENTRY') WHERE id = ?",
            target.id.hex)
    with busy_store.read() as session:
        report = verify(session)
    assert not report.ok
    assert report.first.event_id == target.id
    assert "changed" in report.first.reason


def test_an_altered_time_or_actor_is_named(busy_store, db_path):
    target = _events(busy_store)[2]
    _tamper(db_path, "UPDATE journal_event SET actor = 'Mallory' WHERE id = ?", target.id.hex)
    with busy_store.read() as session:
        assert verify(session).first.event_id == target.id


def test_a_removed_event_is_named(busy_store, db_path):
    target = _events(busy_store)[4]
    _tamper(db_path, "DELETE FROM journal_event WHERE id = ?", target.id.hex)
    with busy_store.read() as session:
        report = verify(session)
    assert not report.ok
    assert report.first.seq == target.seq
    assert "missing" in report.first.reason


def test_a_removed_last_event_is_noticed(busy_store, db_path):
    last = _events(busy_store)[-1]
    _tamper(db_path, "DELETE FROM journal_event WHERE id = ?", last.id.hex)
    with busy_store.read() as session:
        report = verify(session)
    assert not report.ok
    assert "head" in report.first.reason


def test_a_rewritten_chain_still_breaks_at_the_first_change(busy_store, db_path):
    """Recomputing one event's hash is not enough: the next link no longer matches."""
    events = _events(busy_store)
    ev = events[2]
    payload = ev.payload.replace("entry", "fake")
    header = event_header(id=ev.id, device_id=ev.device_id, seq=ev.seq, at=ev.at, actor=ev.actor,
                          incident_id=ev.incident_id, kind=ev.kind)
    _tamper(db_path, "UPDATE journal_event SET payload = ?, hash = ? WHERE id = ?", payload,
            event_hash(ev.prev_hash, header, payload), ev.id.hex)
    with busy_store.read() as session:
        report = verify(session)
    assert report.first.event_id == events[3].id
