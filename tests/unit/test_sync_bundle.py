"""Sneakernet and provisional references: two laptops that worked apart meet through
a signed bundle, and end in the same state as two that met through the server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.helpers import teamserver
from tests.helpers.bundles import told
from warroom.cli.sync import default_applier
from warroom.services import audiences, incidents, integrity, people, stakeholders, timeline
from warroom.store import Store
from warroom.store.models import Audience, Incident, JournalEvent, Stakeholder, TimelineEntry
from warroom.sync import apply_compare, bundle, client
from warroom.sync.apply_base import EventRefused


@pytest.fixture
def team(pg_cluster, pg_database, memory_keyring):
    server = teamserver.start(pg_cluster, pg_database)
    yield server
    for store in server.laptops:
        store.close()


def _state(store) -> dict:
    with store.read() as session:
        return apply_compare.snapshot(session)


def _events(store) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(JournalEvent))


def _refs(store) -> dict:
    with store.read() as session:
        return {row.title: row.ref for row in session.scalars(select(Incident))}


def _exchange(a: Store, b: Store, tmp_path: Path) -> int:
    """Bundles both ways until neither has anything new for the other."""
    moved = total = 0
    for n in range(6):
        moved = 0
        for source, target in ((a, b), (b, a)):
            heads = tmp_path / f"heads-{n}.json"
            heads.write_text(json.dumps({"heads": bundle.heads(target)}))
            out = tmp_path / f"bundle-{n}.wrb"
            bundle.export(source, out, since=bundle.read_heads_arg(str(heads)))
            moved += bundle.import_(target, out, signer=told(out)).events
        total += moved
        if not moved:
            return total
    raise AssertionError("the laptops kept sending each other events")


def _copy(store: Store, path: Path, to: Path) -> None:
    store.close()
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{path}{suffix}").exists():
            shutil.copy(f"{path}{suffix}", f"{to}{suffix}")


def test_a_bundle_round_trip_gives_the_state_a_server_gives_and_settles_clashing_references(team, tmp_path, clock):
    apply = default_applier()
    a = team.laptop(tmp_path / "a.db", "alice", clock)
    people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
    people.save(a, "Alice", "Bob", roles="incident_commander,administrator")
    assert client.sync_once(a, apply, url=team.url("alice")).ok
    b = team.laptop(tmp_path / "b.db", "bob", clock)
    assert client.sync_once(b, apply, url=team.url("bob")).ok

    # The server is out of reach: each laptop opens an incident, and each calls it INC-1.
    ia = incidents.open_incident(a, "Alice", title="Checkout errors", severity="SEV2")
    timeline.log(a, "Alice", ia.id, "5xx on checkout since 10:02")
    clock.advance(5)
    ib = incidents.open_incident(b, "Bob", title="Slow search", severity="SEV3")
    timeline.log(b, "Bob", ib.id, "p99 at 4 s")
    audiences.save(a, "Alice", "suppliers", label="Suppliers (A)")
    clock.advance(5)
    audiences.save(b, "Bob", "suppliers", label="Suppliers (B)")
    stakeholders.save(b, "Bob", name="Partner One", audience="executives", email="b@partner.example")
    clock.advance(5)
    stakeholders.save(a, "Alice", name="Partner One", audience="executives", email="a@partner.example")
    assert ia.ref == ib.ref == "INC-1"

    # Twins of both laptops: one pair meets through bundles, the other through the server.
    a2_path, b2_path = tmp_path / "a2.db", tmp_path / "b2.db"
    _copy(a, tmp_path / "a.db", a2_path)
    _copy(b, tmp_path / "b.db", b2_path)
    a, b = Store.open(tmp_path / "a.db", clock=clock), Store.open(tmp_path / "b.db", clock=clock)
    a2, b2 = Store.open(a2_path, clock=clock), Store.open(b2_path, clock=clock)
    team.laptops += [a, b, a2, b2]

    assert _exchange(a2, b2, tmp_path) > 0
    for _ in range(2):
        for store in (a, b):
            assert client.sync_once(store, apply).ok

    by_server, by_bundle = _state(a), _state(a2)
    assert apply_compare.differences(by_server, _state(b)) == []
    assert apply_compare.differences(by_bundle, _state(b2)) == []
    assert apply_compare.differences(by_server, by_bundle) == []
    for store in (a, b, a2, b2):
        assert integrity.check(store).ok

    # Distinct references, the same on both; the earlier incident (Alice's) kept INC-1.
    assert _refs(a) == _refs(b2) == {"Checkout errors": "INC-1", "Slow search": "INC-2"}
    with b.read() as session:
        renumbered = session.scalars(select(JournalEvent).where(JournalEvent.kind == "incident.renumbered")).all()
        assert [(json.loads(e.payload)["from"], json.loads(e.payload)["to"]) for e in renumbered] == [("INC-1",
                                                                                                       "INC-2")]
        assert renumbered[0].device_id == b.device_id        # renumbered once, by the laptop that opened it
        texts = session.scalars(select(TimelineEntry.text).where(TimelineEntry.incident_id == ib.id)).all()
    assert any(t.startswith("INC-1 is now INC-2") for t in texts)
    # Same names made apart are both kept: the later one beside the first, marked.
    with a2.read() as session:
        partners = sorted(session.scalars(select(Audience.name).where(Audience.name.like("suppliers%"))).all())
        partner_one = sorted(session.scalars(select(Stakeholder.email).where(
            Stakeholder.name.like("Partner One%"))).all())
    assert partners[0] == "suppliers" and partners[1].startswith("suppliers~") and len(partners) == 2
    assert partner_one == ["a@partner.example", "b@partner.example"]


def _two_laptops(tmp_path, clock):
    a = Store.open(tmp_path / "a.db", clock=clock)
    people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
    inc = incidents.open_incident(a, "Alice", title="Checkout errors", severity="SEV2")
    timeline.log(a, "Alice", inc.id, "5xx on checkout")
    b = Store.open(tmp_path / "b.db", clock=clock)
    return a, b


def test_a_tampered_bundle_is_refused_and_nothing_is_written(tmp_path, clock, memory_keyring):
    a, b = _two_laptops(tmp_path, clock)
    try:
        out = tmp_path / "all.wrb"
        bundle.export(a, out)
        before, events = _state(b), _events(b)
        data = out.read_bytes()
        bad = tmp_path / "bad.wrb"
        bad.write_bytes(data.replace(b"5xx on checkout", b"all is fine now"))
        with pytest.raises(EventRefused, match="signature does not match"):
            bundle.import_(b, bad, signer=told(bad))
        assert _state(b) == before and _events(b) == events
    finally:
        a.close()
        b.close()


def test_a_bundle_re_signed_after_an_event_was_changed_names_the_event(tmp_path, clock, memory_keyring):
    import base64
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from warroom import devicekey

    a, b = _two_laptops(tmp_path, clock)
    try:
        out = tmp_path / "all.wrb"
        bundle.export(a, out)
        head, body = out.read_bytes().split(b"\n", 1)
        body = body.replace(b"5xx on checkout", b"all is fine now")
        forger = Ed25519PrivateKey.generate()
        digest = hashlib.sha256(body).hexdigest()
        header = dict(json.loads(head), body_sha256=digest, public_key=devicekey.public_text(forger),
                      signature=base64.b64encode(forger.sign(bundle.signed_message(digest))).decode())
        forged = tmp_path / "forged.wrb"
        forged.write_bytes(json.dumps(header).encode() + b"\n" + body)
        before, events = _state(b), _events(b)
        with pytest.raises(EventRefused, match=r"event .* \(timeline\.logged, device .*\) was changed"):
            bundle.import_(b, forged, signer=told(forged))
        assert _state(b) == before and _events(b) == events
    finally:
        a.close()
        b.close()


def test_a_bundle_that_does_not_continue_this_laptops_chains_is_refused_whole(tmp_path, clock, memory_keyring):
    a, b = _two_laptops(tmp_path, clock)
    try:
        with a.read() as session:
            head = session.scalar(select(func.max(JournalEvent.seq)).where(JournalEvent.device_id == a.device_id))
        out = tmp_path / "late.wrb"
        done = bundle.export(a, out, since={a.device_id: head - 1})
        assert done.events == 1
        before = _state(b)
        with pytest.raises(EventRefused, match=r"does not continue its device's chain here"):
            bundle.import_(b, out, signer=told(out))
        assert _state(b) == before
        full = tmp_path / "full.wrb"
        bundle.export(a, full)
        assert bundle.import_(b, full, signer=told(full)).events == head
        assert bundle.import_(b, full, signer=told(full)).events == 0              # again: nothing doubled
        assert apply_compare.differences(_state(a), _state(b)) == []
    finally:
        a.close()
        b.close()


def test_a_bundle_larger_than_allowed_is_refused_before_it_is_read(tmp_path, clock, memory_keyring, monkeypatch):
    a, b = _two_laptops(tmp_path, clock)
    try:
        out = tmp_path / "all.wrb"
        bundle.export(a, out)
        monkeypatch.setattr(bundle, "MAX_BUNDLE_BYTES", out.stat().st_size - 1)
        with pytest.raises(EventRefused, match="more than"):
            bundle.import_(b, out, signer=told(out))
    finally:
        a.close()
        b.close()


def test_bundle_commands(cli, tmp_path, clock, memory_keyring, db_path):
    a = Store.open(db_path, clock=clock)
    people.save(a, "Alice", "Alice", roles="incident_commander,administrator")
    incidents.open_incident(a, "Alice", title="Checkout errors", severity="SEV2")
    a.close()
    other = tmp_path / "other.db"
    Store.open(other, clock=clock).close()
    heads = tmp_path / "heads.json"
    code, out, _ = cli("--db", str(other), "bundle", "heads", "--out", str(heads), db=False)
    assert code == 0 and heads.stat().st_mode & 0o077 == 0
    code, out, _ = cli("bundle", "export", "--out", str(tmp_path / "x.wrb"), "--since", str(heads))
    assert code == 0 and "event(s)" in out
    fingerprint = told(tmp_path / "x.wrb")
    assert fingerprint in out                                  # what the exporter reads out
    code, _out, err = cli("--db", str(other), "bundle", "import", str(tmp_path / "x.wrb"), db=False)
    assert code == 1 and "does not know" in err and f"--signer {fingerprint}" in err
    code, out, _ = cli("--db", str(other), "bundle", "import", str(tmp_path / "x.wrb"),
                       "--signer", fingerprint.upper(), db=False)
    assert code == 0 and "Imported" in out
    raw = (tmp_path / "x.wrb").read_bytes()
    (tmp_path / "y.wrb").write_bytes(raw[:-5] + b"XXXX\n")
    code, _out, err = cli("--db", str(other), "bundle", "import", str(tmp_path / "y.wrb"), db=False)
    assert code == 1 and "refused" in err


def test_a_bundle_from_a_signer_this_laptop_does_not_know_is_refused_unless_told_its_fingerprint(
        tmp_path, clock, memory_keyring):
    """Anyone can sign a bundle with a key of their own: the signature alone proves
    nothing about who made it."""
    a, b = _two_laptops(tmp_path, clock)
    try:
        out = tmp_path / "all.wrb"
        exported = bundle.export(a, out)
        assert exported.fingerprint == told(out)
        before, events = _state(b), _events(b)
        with pytest.raises(bundle.BundleRefused, match="does not know") as refused:
            bundle.import_(b, out)
        assert exported.fingerprint in str(refused.value) and "Nothing was imported" in str(refused.value)
        # A fingerprint that is not the bundle's key: someone else made this bundle.
        wrong = "0000:1111:2222:3333"
        with pytest.raises(bundle.BundleRefused, match="not by the key 0000:1111:2222:3333"):
            bundle.import_(b, out, signer=wrong)
        assert _state(b) == before and _events(b) == events
        # Told the right fingerprint (read out with or without colons), it imports.
        assert bundle.import_(b, out, signer=exported.fingerprint.replace(":", "")).events > 0
        # From then on the laptop knows that device's key: no fingerprint needed.
        timeline.log(a, "Alice", _refs_ids(a)[0], "rollback started")
        again = tmp_path / "again.wrb"
        bundle.export(a, again, since=bundle.parse_heads(json.dumps(bundle.heads(b))))
        assert bundle.import_(b, again).events == 1
    finally:
        a.close()
        b.close()


def test_a_signer_trusted_by_name_needs_no_fingerprint(tmp_path, clock, memory_keyring):
    from warroom import devicekey
    from warroom.services import trust

    a, b = _two_laptops(tmp_path, clock)
    try:
        out = tmp_path / "all.wrb"
        bundle.export(a, out)
        people.save(b, "Bea", "Bea", roles="incident_commander,administrator")
        trust.trust(b, "Bea", devicekey.public_text(devicekey.load_or_make(a.device_id)), "Alice's laptop")
        assert bundle.import_(b, out).events > 0
    finally:
        a.close()
        b.close()


def _refs_ids(store) -> list:
    with store.read() as session:
        return [row.id for row in session.scalars(select(Incident))]
