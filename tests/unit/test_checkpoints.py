"""Signed journal checkpoints: whoever can write the file but lacks the device key
cannot rewrite history quietly, even with every hash recomputed."""

from __future__ import annotations

import sqlite3

import keyring
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from warroom import devicekey
from warroom.journal import event_hash, event_header
from warroom.services import incidents, integrity, timeline
from warroom.store import Store
from warroom.store.models import Device, JournalEvent


def _events(store):
    with store.read() as session:
        return session.query(JournalEvent).order_by(JournalEvent.seq).all()


def _device(store):
    with store.read() as session:
        return session.get(Device, store.device_id)


@pytest.fixture
def signed(store, memory_keyring):
    inc = incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    for i in range(5):
        timeline.log(store, "Ana", inc.id, f"entry {i}")
    return store


def _rewrite(db_path, store, change_seq: int, *, resign_with: Ed25519PrivateKey | None = None,
             drop_signature: bool = False) -> None:
    """The attack the chain alone cannot catch: change one event, recompute every later
    hash and the device head, guards dropped."""
    events = _events(store)
    con = sqlite3.connect(db_path)
    con.execute("DROP TRIGGER journal_event_no_update")
    prev = events[0].prev_hash
    for ev in events:
        payload = ev.payload.replace('"entry ', '"ENTRY ') if ev.seq == change_seq else ev.payload
        header = event_header(id=ev.id, device_id=ev.device_id, seq=ev.seq, at=ev.at, actor=ev.actor,
                              incident_id=ev.incident_id, kind=ev.kind)
        digest = event_hash(prev, header, payload)
        con.execute("UPDATE journal_event SET payload = ?, prev_hash = ?, hash = ? WHERE id = ?",
                    (payload, prev, digest, ev.id.hex))
        prev = digest
    last = events[-1].seq
    con.execute("UPDATE device SET last_hash = ? WHERE id = ?", (prev, store.device_id.hex))
    if resign_with is not None:
        con.execute("UPDATE device SET signed_seq = ?, public_key = ?, signature = ? WHERE id = ?",
                    (last, devicekey.public_text(resign_with),
                     devicekey.sign_checkpoint(resign_with, store.device_id, last, prev), store.device_id.hex))
    if drop_signature:
        con.execute("UPDATE device SET signature = NULL, public_key = NULL, signed_seq = 0 WHERE id = ?",
                    (store.device_id.hex,))
    con.commit()
    con.close()


def test_every_write_signs_the_chain_head(signed):
    device = _device(signed)
    assert device.signed_seq == device.last_seq > 1
    assert device.public_key == devicekey.public_text(devicekey.existing(signed.device_id))
    assert devicekey.checkpoint_valid(device.public_key, device.signature, signed.device_id, device.last_seq,
                                      device.last_hash)
    report = integrity.check(signed)
    assert report.ok and report.notes == ()


def test_the_private_key_never_reaches_the_database(signed, db_path):
    secret = keyring.get_password("warroom", devicekey.secret_name(signed.device_id))
    assert secret and secret.encode() not in db_path.read_bytes()


def test_a_recomputed_chain_is_caught_by_the_signature(signed, db_path):
    _rewrite(db_path, signed, change_seq=4)
    report = integrity.check(signed)
    assert not report.ok
    assert "rewritten after they were signed" in report.problems[0]


def test_a_chain_re_signed_with_another_key_is_caught(signed, db_path):
    _rewrite(db_path, signed, change_seq=4, resign_with=Ed25519PrivateKey.generate())
    report = integrity.check(signed)
    assert not report.ok
    assert "not by this device's key" in report.problems[0]
    assert devicekey.fingerprint(devicekey.public_text(devicekey.existing(signed.device_id))) in report.problems[0]


def test_a_removed_signature_is_caught_while_the_device_has_its_key(signed, db_path):
    _rewrite(db_path, signed, change_seq=4, drop_signature=True)
    report = integrity.check(signed)
    assert not report.ok
    assert "carries no signature" in report.problems[0]


def test_events_removed_past_the_signed_head_are_caught(signed, db_path):
    events = _events(signed)
    con = sqlite3.connect(db_path)
    con.execute("DROP TRIGGER journal_event_no_delete")
    con.execute("DELETE FROM journal_event WHERE seq > ?", (events[-3].seq,))
    con.execute("UPDATE device SET last_seq = ?, last_hash = ? WHERE id = ?",
                (events[-3].seq, events[-3].hash, signed.device_id.hex))
    con.commit()
    con.close()
    report = integrity.check(signed)
    assert not report.ok
    assert "events were removed" in report.problems[0]


def test_without_a_key_at_hand_writes_go_on_unsigned_and_the_check_says_so(store, monkeypatch):
    monkeypatch.delenv("WARROOM_KEY_PASSPHRASE", raising=False)
    inc = incidents.open_incident(store, "Ana", title="Login errors", severity="SEV2")
    timeline.log(store, "Ana", inc.id, "written while the keyring is locked")
    assert _device(store).signature is None
    report = integrity.check(store)
    assert report.ok
    assert any("not signed yet" in n for n in report.notes)


def test_events_written_while_the_key_was_locked_are_named_when_signed_later(signed, db_path, clock,
                                                                              memory_keyring):
    inc = incidents.list_incidents(signed, viewer="Ana")[0]
    before = _device(signed).last_seq
    # Another program (a second process with the keyring locked) writes without signing.
    other = Store.open(db_path, clock=clock)
    other.signs = False
    try:
        timeline.log(other, "Ana", inc.id, "unsigned 1")
        timeline.log(other, "Ana", inc.id, "unsigned 2")
    finally:
        other.close()
    report = integrity.check(signed)
    assert report.ok
    assert any("2 events of this device are not signed yet" in n for n in report.notes)

    timeline.log(signed, "Ana", inc.id, "signed again")
    device = _device(signed)
    assert device.signed_seq == device.last_seq
    late = [e for e in _events(signed) if e.kind == "journal.signed_late"]
    assert len(late) == 1 and f'"from_seq":{before + 1}' in late[0].payload
    report = integrity.check(signed)
    assert report.ok
    assert any(f"#{before + 1}–#{before + 2}" in n and "signed afterwards" in n for n in report.notes)


def test_an_unreadable_own_key_is_a_note_not_a_failure(signed, monkeypatch):
    from tests.fakes.keyrings import memory_keyring as make_memory_keyring

    keyring.set_keyring(make_memory_keyring())       # a keyring without this device's key
    report = integrity.check(signed)
    assert report.ok
    assert any("could not be read" in n for n in report.notes)


def test_the_command_line_names_a_rewritten_history(signed, db_path, cli):
    _rewrite(db_path, signed, change_seq=4)
    code, out, _ = cli("verify")
    assert code == 1
    assert "rewritten after they were signed" in out


def test_the_next_honest_write_does_not_sign_over_a_rewritten_chain(signed, db_path, caplog):
    _rewrite(db_path, signed, change_seq=4)
    inc = incidents.list_incidents(signed, viewer="Ana")[0]
    timeline.log(signed, "Ana", inc.id, "written after the rewrite")
    assert "no longer matches its last signature" in caplog.text
    report = integrity.check(signed)
    assert not report.ok
    assert "rewritten after they were signed" in report.problems[0]


def test_an_upgraded_database_is_signed_at_open_when_the_key_is_at_hand(store, db_path, clock, memory_keyring):
    devicekey.load_or_make(store.device_id)
    incidents.open_incident(store, "Ana", title="Before signing existed", severity="SEV3")
    con = sqlite3.connect(db_path)       # as a database written before signed checkpoints looks
    for column in ("signature", "public_key", "signed_seq"):
        con.execute(f"ALTER TABLE device DROP COLUMN {column}")
    for table in ("trusted_key", "sync_server", "sync_pushed", "sync_refusal", "sync_hidden",   # 0012, 0013
                  "exercise", "followup",                                                     # 0015, 0016
                  "inbound_source", "inbound_event", "incident_link", "component_status",       # 0017
                  "incident_flag",                                                               # 0018
                  "inquiry",                                                                     # 0019
                  "watch_poll", "watch_seen", "watch_provider",                                  # 0020
                  "inbound_alert"):                                                              # 0023
        con.execute(f"DROP TABLE {table}")
    con.execute("ALTER TABLE delivery DROP COLUMN origin_device")                             # 0014
    con.execute("DROP INDEX ix_channel_exercise_id")                                          # 0022
    con.execute("DROP INDEX ix_stakeholder_exercise_id")                                      # 0025
    con.execute("ALTER TABLE stakeholder DROP COLUMN exercise_id")
    for column in ("exercise_id", "outage"):
        con.execute(f"ALTER TABLE channel DROP COLUMN {column}")
    for table, column in (("stakeholder", "key_account"), ("stakeholder", "components"),      # 0019
                          ("matrix_cell", "via_success_manager"), ("draft", "addressee")):
        con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    con.execute("UPDATE alembic_version SET version_num = '0011'")
    con.commit()
    con.close()
    store.close()
    upgraded = Store.open(db_path, clock=clock)
    try:
        device = _device(upgraded)
        assert device.signed_seq == device.last_seq
        assert integrity.check(upgraded).ok
    finally:
        upgraded.close()


def test_fingerprints_are_short_and_tell_keys_apart():
    key, other = (devicekey.public_text(Ed25519PrivateKey.generate()) for _ in range(2))
    assert devicekey.fingerprint(key) != devicekey.fingerprint(other)
    assert len(devicekey.fingerprint(key)) == 19 and devicekey.fingerprint(key).count(":") == 3


def test_a_checkpoint_known_valid_vouches_for_those_five_values_only():
    """Each write checks the signature the write before made; a signature this process
    made or checked is known valid without verifying it again, for exactly the values
    it signs: another hash, sequence number, device or key is verified (and refused)."""
    import uuid

    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    device = uuid.uuid4()
    public = devicekey.public_text(key)
    signature = devicekey.sign_checkpoint(key, device, 7, "a" * 64)
    assert devicekey.checkpoint_valid(public, signature, device, 7, "a" * 64)
    assert not devicekey.checkpoint_valid(public, signature, device, 7, "b" * 64)       # the chain was rewritten
    assert not devicekey.checkpoint_valid(public, signature, device, 8, "a" * 64)
    assert not devicekey.checkpoint_valid(public, signature, uuid.uuid4(), 7, "a" * 64)
    assert not devicekey.checkpoint_valid(devicekey.public_text(other), signature, device, 7, "a" * 64)
    forged = devicekey.sign_checkpoint(other, device, 7, "b" * 64)
    assert not devicekey.checkpoint_valid(public, forged, device, 7, "b" * 64)
    assert not devicekey.checkpoint_valid(public, ["not", "a", "signature"], device, 7, "a" * 64)
