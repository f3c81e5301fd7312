"""The signed archive: export, verify, and every kind of tampering named."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile

import pytest

from warroom.app import open_store
from warroom.errors import InputError
from warroom import devicekey
from warroom.services import audit, drafts, incidents, publishing, review, timeline, trust
from warroom.identity import SYSTEM
from tests.helpers.team import team


@pytest.fixture
def incident_store(db_path, clock):
    store = open_store(db_path, clock=clock)
    team(store)
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1")
    timeline.log(store, "Dana", inc.id, "Rolled back release 2.4.1", kind="action")
    d = drafts.compose_drafts(store, "Sam", inc.id, ["customers"])[0]
    review.submit(store, "Sam", d.id)
    review.decide(store, "Ravi Shah", d.id, "approve")
    yield store, inc
    store.close()


def test_rfc6962_merkle_root():
    # RFC 6962 / certificate-transparency test vectors: the empty tree and one leaf
    assert audit.merkle_root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert audit.merkle_root([b""]).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"  # MTH({""}) = SHA-256(0x00)
    a, b, c = b"a", b"b", b"c"
    ab = hashlib.sha256(b"\x01" + audit.leaf_hash(a) + audit.leaf_hash(b)).digest()
    assert audit.merkle_root([a, b]) == ab
    assert audit.merkle_root([a, b, c]) == hashlib.sha256(b"\x01" + ab + audit.leaf_hash(c)).digest()


def test_export_and_verify(incident_store, memory_keyring, tmp_path):
    store, inc = incident_store
    out = tmp_path / "inc.zip"
    manifest = audit.export(store, SYSTEM, inc.ref, out)
    names = {f["path"] for f in manifest["files"]}
    assert {"incident.json", "timeline.json", "journal.jsonl"} <= names
    assert any(n.startswith("updates/") for n in names)
    report = audit.verify(out, public_key=manifest["public_key"])
    assert report.ok and report.incident == inc.ref
    update = json.loads(zipfile.ZipFile(out).read(next(n for n in names if n.startswith("updates/"))))
    tech = next(r for r in update["reviews"] if r["role"] == "technical_reviewer")
    assert tech["decided_by"] == "Ravi Shah" and tech["state"] == "approved"
    # the key lives in the keyring, not the database or the archive
    stored = list(memory_keyring.items.values())[0]
    assert stored.encode() not in out.read_bytes() and stored.encode() not in store.path.read_bytes()
    assert audit.export(store, SYSTEM, inc.ref, tmp_path / "again.zip")["public_key"] == manifest["public_key"]


def _rewrite(src, dst, change):
    with zipfile.ZipFile(src) as z:
        items = {i.filename: z.read(i) for i in z.infolist()}
    change(items)
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in items.items():
            z.writestr(name, data)


@pytest.mark.parametrize("change, words", [
    (lambda f: f.__setitem__("timeline.json", f["timeline.json"].replace(b"2.4.1", b"2.4.2")), "changed"),
    (lambda f: f.__setitem__("extra.txt", b"planted"), "added"),
    (lambda f: f.pop("journal.jsonl"), "removed"),
    (lambda f: f.__setitem__("manifest.json", f["manifest.json"].replace(b'"version":1', b'"version":2')),
     "signature"),
])
def test_tampering_is_named(incident_store, memory_keyring, tmp_path, change, words):
    store, inc = incident_store
    good = tmp_path / "good.zip"
    audit.export(store, SYSTEM, inc.ref, good)
    bad = tmp_path / "bad.zip"
    _rewrite(good, bad, change)
    report = audit.verify(bad)
    assert not report.ok and any(words in p for p in report.problems), report.problems


def test_one_flipped_byte_anywhere_fails(incident_store, memory_keyring, tmp_path):
    store, inc = incident_store
    good = tmp_path / "good.zip"
    audit.export(store, SYSTEM, inc.ref, good)
    data = good.read_bytes()
    for position in range(0, len(data), max(1, len(data) // 97)):  # headers, contents, directory, end
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        bad = tmp_path / f"bad{position}.zip"
        bad.write_bytes(bytes(flipped))
        assert not audit.verify(bad).ok, position


def test_a_different_key_is_refused(incident_store, memory_keyring, tmp_path):
    store, inc = incident_store
    out = tmp_path / "a.zip"
    audit.export(store, SYSTEM, inc.ref, out)
    other = base64.b64encode(b"\x01" * 32).decode()
    report = audit.verify(out, public_key=other, signers=audit.Signers(own=audit.own_public_key(store)))
    assert report.intact and not report.trusted and not report.ok
    assert "not by the key given" in report.untrusted  # the key given is the only one accepted


def test_no_keyring_means_an_encrypted_key_file(incident_store, tmp_path, monkeypatch):
    import keyring
    from keyring.backends import fail

    store, inc = incident_store
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(InputError, match="no keyring"):
        audit.export(store, SYSTEM, inc.ref, tmp_path / "x.zip")
    monkeypatch.setenv("WARROOM_KEY_PASSPHRASE", "correct horse battery")
    key_file = tmp_path / "keys" / "archive.pem"
    manifest = audit.export(store, SYSTEM, inc.ref, tmp_path / "x.zip", key_file=key_file)
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    assert (key_file.stat().st_mode & 0o777) == 0o600
    assert audit.export(store, SYSTEM, inc.ref, tmp_path / "y.zip", key_file=key_file)["public_key"] == manifest["public_key"]
    monkeypatch.setenv("WARROOM_KEY_PASSPHRASE", "wrong passphrase!")
    with pytest.raises(InputError, match="wrong passphrase"):
        audit.export(store, SYSTEM, inc.ref, tmp_path / "z.zip", key_file=key_file)


def test_audit_on_the_command_line(cli, memory_keyring, tmp_path):
    cli("incident", "open", "Checkout failing", "--severity", "SEV2")
    out = tmp_path / "a.zip"
    code, text, _ = cli("audit", "export", "INC-1", "--out", str(out), "--json")
    key = json.loads(text)["public_key"]
    assert code == 0
    code, text, _ = cli("audit", "key")
    assert text.strip() == key
    assert cli("audit", "verify", str(out), "--key", key, db=False)[0] == 0
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    code, text, _ = cli("audit", "verify", str(out), db=False)
    assert code == 1 and "FAILED" in text


def test_a_forgery_signed_with_another_key_is_not_trusted(incident_store, memory_keyring, tmp_path, cli):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from warroom.journal import canonical_json

    store, inc = incident_store
    good = tmp_path / "good.zip"
    real_key = audit.export(store, SYSTEM, inc.ref, good)["public_key"]
    with zipfile.ZipFile(good) as z:
        files = {i.filename: z.read(i) for i in z.infolist()}
    files["timeline.json"] = files["timeline.json"].replace(b"2.4.1", b"9.9.9")
    manifest = json.loads(files.pop("manifest.json"))
    files.pop("manifest.sig")
    for entry in manifest["files"]:
        entry["sha256"] = hashlib.sha256(files[entry["path"]]).hexdigest()
    names = sorted(files)
    manifest["merkle_root"] = audit.merkle_root([files[n] for n in names]).hex()
    forger = Ed25519PrivateKey.generate()
    manifest["public_key"] = audit.public_key_text(forger)
    body = canonical_json(manifest).encode()
    forged = tmp_path / "forged.zip"
    forged.write_bytes(audit.build_zip([(n, files[n]) for n in names] + [
        ("manifest.json", body), ("manifest.sig", base64.b64encode(forger.sign(body)) + b"\n")]))
    report = audit.verify(forged, signers=trust.signers(store))
    assert report.intact and not report.ok  # consistent in itself, but signed by nobody this database trusts
    assert report.fingerprint == devicekey.fingerprint(manifest["public_key"]) and report.fingerprint in report.untrusted
    assert not audit.verify(forged, public_key=real_key).ok
    code, out, _ = cli("audit", "verify", str(forged), db=False)
    assert code == 1 and "not trusted" in out and report.fingerprint in out and "Archive intact" not in out


def test_a_malformed_manifest_is_reported_not_a_crash(incident_store, memory_keyring, tmp_path):
    store, inc = incident_store
    good = tmp_path / "good.zip"
    audit.export(store, SYSTEM, inc.ref, good)
    bad = tmp_path / "bad.zip"
    _rewrite(good, bad, lambda f: f.__setitem__("manifest.json", f["manifest.json"].replace(
        b'"public_key":"', b'"public_key":5,"x":"')))
    report = audit.verify(bad)
    assert not report.ok and any("signature" in p for p in report.problems)


def test_an_override_is_flagged_in_the_archive(incident_store, memory_keyring, tmp_path):
    store, inc = incident_store
    d = drafts.list_drafts(store, inc.id, viewer=SYSTEM)[0]
    review.override(store, "Dana", d.id, "Comms reviewer unreachable")
    publishing.publish(store, "Dana", d.id)
    out = tmp_path / "o.zip"
    audit.export(store, SYSTEM, inc.ref, out)
    update = json.loads(zipfile.ZipFile(out).read(f"updates/{d.id}.json"))
    assert update["state"] == "published" and update["overridden"] is True
    assert update["override_reason"] == "Comms reviewer unreachable"
