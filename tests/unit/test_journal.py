"""The hash-chained journal: one event per change, tamper evidence, append-only."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from warroom.journal import GENESIS, canonical_json, event_hash, event_header, verify
from warroom.services import cadence, incidents, timeline
from warroom.errors import TransitionError
from warroom.ids import uuid7
from warroom.store.models import JournalEvent, TimelineEntry
from warroom.identity import SYSTEM


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
    cadence.set_update_interval(store, "Ana", "SEV1", timedelta(minutes=15))
    kinds = [ev.kind for ev in _events(store)][n0:]
    assert kinds == ["incident.opened", "timeline.logged", "timeline.edited", "incident.status_changed",
                     "incident.severity_changed", "incident.updated", "policy.interval_set"]
    edited = json.loads(_events(store)[n0 + 2].payload)
    assert edited["previous_text"] == "Looking at the auth logs"
    assert edited["text"] == "Looking at the auth service logs"


def test_a_refused_change_writes_nothing(store):
    inc = incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    before = len(_events(store))
    with pytest.raises(TransitionError):  # refused inside the write transaction
        incidents.set_status(store, "Ana", inc.ref, "investigating")
    assert len(_events(store)) == before
    assert incidents.get(store, inc.ref, viewer=SYSTEM).status.value == "investigating"


def test_a_crash_inside_a_transaction_leaves_nothing_half_written(store):
    inc = incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    before_events = len(_events(store))
    before_entries = len(timeline.entries(store, inc.id, viewer=SYSTEM))
    with pytest.raises(RuntimeError):
        with store.write("Ana") as tx:
            tx.session.add(TimelineEntry(id=uuid7(), incident_id=inc.id, kind="note", text="half", author="Ana",
                                         occurred_at=tx.now, recorded_at=tx.now, edited_at=None))
            tx.record("timeline.logged", {"text": "half"}, incident_id=inc.id)
            tx.session.flush()
            raise RuntimeError("power cut")
    assert len(_events(store)) == before_events
    assert len(timeline.entries(store, inc.id, viewer=SYSTEM)) == before_entries
    with store.read() as session:
        assert verify(session).ok


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


def test_an_event_inserted_in_another_form_is_caught(busy_store, db_path):
    """Inserts need no dropped trigger; a dashed device id must not hide beside the chain."""
    last = _events(busy_store)[-1]
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO journal_event VALUES (?,?,?,?,?,?,?,?,?,?)",
                (uuid.uuid4().hex, str(last.device_id), last.seq, "2026-11-23 09:00:00.000000", "Mallory",
                 None, "timeline.logged", "{}", last.hash, "0" * 64))
    con.commit()
    con.close()
    with busy_store.read() as session:
        report = verify(session)
    assert not report.ok
    assert any("never writes" in p.reason for p in report.problems)


def test_an_emptied_journal_is_not_intact(busy_store, db_path):
    _tamper(db_path, "DELETE FROM journal_event")
    con = sqlite3.connect(db_path)
    con.execute("DELETE FROM device")
    con.commit()
    con.close()
    with busy_store.read() as session:
        report = verify(session)
    assert not report.ok
    assert "device record is missing" in str(report.problems[0])


def test_a_malformed_row_is_reported_not_a_crash(busy_store, db_path):
    target = _events(busy_store)[2]
    _tamper(db_path, "UPDATE journal_event SET at = 'garbage' WHERE id = ?", target.id.hex)
    with busy_store.read() as session:
        report = verify(session)
    assert report.first.event_id == target.id and "malformed" in report.first.reason


def test_tables_changed_by_hand_disagree_with_the_journal(busy_store, db_path):
    con = sqlite3.connect(db_path)
    con.execute("UPDATE timeline_entry SET text = 'nothing to see' WHERE text = 'entry 3'")
    con.execute("UPDATE incident SET severity = 'SEV4'")
    con.execute("INSERT INTO timeline_entry SELECT ?, incident_id, kind, 'planted', author, occurred_at, "
                "recorded_at, NULL FROM timeline_entry LIMIT 1", (uuid.uuid4().hex,))
    con.commit()
    con.close()
    with busy_store.read() as session:
        report = verify(session)
    assert report.problems == []  # the journal itself is intact...
    text = "\n".join(report.mismatches)  # ...but the tables no longer match it
    assert "says SEV4 but the journal last recorded SEV2" in text
    assert "has text the journal never recorded" in text
    assert "is not in the journal (added by hand)" in text
    assert not report.ok


def test_verify_is_quiet_after_real_work(store, clock):
    inc = incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    e = timeline.log(store, "Ana", inc.id, "first")
    clock.advance(5)
    timeline.edit(store, "Ana", e.id, "second")
    incidents.set_status(store, "Ana", inc.id, "resolved")
    incidents.reopen(store, "Ana", inc.id, "again")
    incidents.set_severity(store, "Ana", inc.id, "SEV1")
    with store.read() as session:
        report = verify(session)
    assert report.ok, (report.problems, report.mismatches)
