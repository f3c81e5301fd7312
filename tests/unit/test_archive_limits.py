"""Archives from strangers: read with bounded memory, refused with the limit named,
and trusted only when this database trusts whoever signed them.

The hostile archives are made here, in temporary folders, with zipfile alone (see
tests/helpers/archives.py). Peak memory is measured in a child process, as a bound
far below the size of the bomb, not as a timing."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import archives
from tests.helpers.team import team
from warroom import devicekey
from warroom.app import open_store
from warroom.errors import InputError, NotFound, NotPermitted
from warroom.identity import SYSTEM
from warroom.services import audit, incidents, timeline, trust
from warroom.store.models import JournalEvent

#: The bound on a child's peak memory while it verifies a hostile archive; the bomb is 1 GiB.
PEAK_BOUND = 200 << 20


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A 1 MB zip holding a 1 GiB manifest.json of spaces (made once for the module)."""
    return archives.bomb(tmp_path_factory.mktemp("bomb") / "bomb.zip")


@pytest.fixture
def exported(db_path, clock, memory_keyring, tmp_path):
    """A database with the cast and an incident, its archive signed by its own key, and
    a forger's re-signed copy with one fact changed."""
    store = open_store(db_path, clock=clock)
    team(store)
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1")
    timeline.log(store, "Dana", inc.id, "Rolled back release 2.4.1", kind="action")
    good = tmp_path / "good.zip"
    audit.export(store, "Dana", inc.ref, good)
    store.close()
    forged = tmp_path / "forged.zip"
    forger_key = archives.resign(good, forged, change=(b"2.4.1", b"9.9.9"))
    return good, forged, forger_key


# -- bounded memory --------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_directory_with_little_memory(bomb, tmp_path):
    assert bomb.stat().st_size < 2 << 20              # ~1000:1
    report = audit.verify(bomb)
    assert not report.ok and report.problems == [
        "refused: 'manifest.json' is 1 GiB uncompressed; the limit for a manifest is 8 MiB"]
    code, output, peak = archives.verify_peak_rss(bomb, "--db", str(tmp_path / "none.db"))
    assert code == 1 and "the limit for a manifest is 8 MiB" in output and "Traceback" not in output
    assert peak < PEAK_BOUND, f"verifying the bomb peaked at {peak >> 20} MB"


def test_a_header_that_lies_about_the_size_stops_at_what_it_claims(bomb, tmp_path):
    liar = archives.lie_about_size(bomb, tmp_path / "liar.zip", "manifest.json", 1000)
    with zipfile.ZipFile(liar) as z:
        assert z.getinfo("manifest.json").file_size == 1000       # passes the directory's checks
    report = audit.verify(liar)
    assert not report.ok
    assert report.problems[0].startswith("manifest.json: damaged, or its headers do not match its data")
    code, output, peak = archives.verify_peak_rss(liar, "--db", str(tmp_path / "none.db"))
    assert code == 1 and "manifest.json: damaged" in output
    assert peak < PEAK_BOUND, f"verifying the lying archive peaked at {peak >> 20} MB"


def test_a_file_that_expands_too_much_is_refused(tmp_path):
    dense = archives.bomb(tmp_path / "dense.zip", size=64 << 20, name="timeline.json", fill=b"\0")
    report = audit.verify(dense)
    assert len(report.problems) == 1 and "'timeline.json' expands" in report.problems[0]
    assert f"the limit is {audit.MAX_RATIO}:1" in report.problems[0]


def test_the_limits_are_named(tmp_path):
    big = archives.bomb(tmp_path / "big.zip", size=audit.MAX_MEMBER_BYTES + 1, name="journal.jsonl", fill=b"x")
    assert audit.verify(big).problems == [
        "refused: 'journal.jsonl' is 256 MiB uncompressed; the limit for a file is 256 MiB"]
    sig = archives.bomb(tmp_path / "sig.zip", size=4096, name="manifest.sig")
    assert "the limit for a signature is 1 KiB" in audit.verify(sig).problems[0]


def test_too_many_members_are_refused_before_the_directory_is_parsed(tmp_path):
    many = archives.many_members(tmp_path / "many.zip", audit.MAX_MEMBERS + 1)
    assert audit.verify(many).problems == ["refused: the archive holds 10,001 files; the limit is 10,000"]
    # The end record may lie about the count: zipfile then parses the directory, and the count holds.
    data = bytearray(many.read_bytes())
    struct.pack_into("<HH", data, len(data) - 22 + 8, 5, 5)
    liar = tmp_path / "few.zip"
    liar.write_bytes(bytes(data))
    assert audit.verify(liar).problems == ["refused: the archive holds 10,001 files; the limit is 10,000"]


@pytest.mark.parametrize("name, why", [
    ("../incident.json", "a '..'"),
    ("updates/../../etc/cron.d/x", "a '..'"),
    ("/etc/passwd", "an absolute path"),
    ("C:/Windows/evil.json", "a drive letter"),
    ("updates\\evil.json", "a backslash"),
    ("updates//x.json", "empty path part"),
    ("evil\x1b[31m.json", "a control character"),
])
def test_a_name_an_archive_cannot_hold_is_refused(tmp_path, name, why):
    path = archives.with_names(tmp_path / "names.zip", ["incident.json", name])
    problems = audit.verify(path).problems
    assert len(problems) == 1 and problems[0].startswith("refused: the archive holds a file named"), problems
    assert why in problems[0] and "\x1b" not in problems[0]          # shown escaped, never as a terminal code


def test_a_name_twice_is_refused(tmp_path):
    path = archives.with_names(tmp_path / "twice.zip", ["incident.json", "manifest.json", "incident.json"])
    assert audit.verify(path).problems == ["refused: the archive holds 'incident.json' twice"]


def test_zip64_records_are_refused(exported, tmp_path):
    good, _, _ = exported
    data = good.read_bytes()
    end = data[-22:]
    entries, size, offset = struct.unpack_from("<HLL", end, 10)
    # A ZIP64 end record claiming 2**40 members in an exabyte of directory, its locator, and a
    # classic end record pointing at it: the "trust the ZIP64 fields" trick.
    zip64_end = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 2 ** 40, 2 ** 40, 2 ** 60, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(data) - 22, 1)
    classic = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    tricked = tmp_path / "zip64.zip"
    tricked.write_bytes(data[:-22] + zip64_end + locator + classic)
    problems = audit.verify(tricked).problems
    assert len(problems) == 1 and "uses ZIP64 records" in problems[0]


def test_what_is_not_an_archive_gets_a_message_never_a_traceback(exported, tmp_path, cli):
    good, _, _ = exported
    data = good.read_bytes()
    cases = {"empty.zip": b"", "text.zip": b"not a zip at all\n", "pdf.zip": b"%PDF-1.7\n" + b"\0" * 5000}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    for cut in range(0, len(data), max(1, len(data) // 61)):      # truncated anywhere
        (tmp_path / f"cut{cut}.zip").write_bytes(data[:cut])
    (tmp_path / "junk-after.zip").write_bytes(data + b"\0" * 100)
    (tmp_path / "junk-before.zip").write_bytes(b"MZ" * 50 + data)
    paths = [p for p in tmp_path.glob("*.zip") if p not in (good, tmp_path / "forged.zip")]
    for path in paths + [tmp_path / "missing.zip", tmp_path]:
        report = audit.verify(path)
        assert not report.ok and report.problems, path
    code, out, err = cli("audit", "verify", str(tmp_path / "text.zip"))
    assert code == 1 and "not a zip archive" in out and "Traceback" not in out + err
    code, out, err = cli("audit", "verify", str(tmp_path / "missing.zip"))
    assert code == 1 and "cannot be read" in out


def test_an_archive_too_large_to_verify_is_not_written(db_path, clock, memory_keyring, tmp_path, monkeypatch):
    store = open_store(db_path, clock=clock)
    inc = incidents.open_incident(store, "Dana", title="Checkout failing", severity="SEV1")
    monkeypatch.setattr(audit, "MAX_MEMBER_BYTES", 100)
    with pytest.raises(InputError, match="too large for one archive"):
        audit.export(store, "Dana", inc.ref, tmp_path / "big.zip")
    assert not (tmp_path / "big.zip").exists()
    store.close()


# -- a signer must be trusted ------------------------------------------------------------


def test_a_re_signed_archive_verifies_only_once_its_signer_is_trusted(exported, cli, db_path, tmp_path):
    good, forged, forger_key = exported
    fp = devicekey.fingerprint(forger_key)
    code, out, _ = cli("audit", "verify", str(good))
    assert code == 0 and "signed by this database's own key" in out
    code, out, _ = cli("audit", "verify", str(forged))
    assert code == 1 and f"signed by the key {fp}" in out and "not trusted" in out
    assert f"warroom-cli audit trust {forger_key} --name NAME" in out
    # A viewer may not trust anyone; legal may.
    assert cli("audit", "trust", forger_key, "--name", "Legal", "--as", "Vic Viewer")[0] == 3
    assert cli("audit", "verify", str(forged))[0] == 1
    code, out, _ = cli("audit", "trust", forger_key, "--name", "Legal", "--as", "Lea Braun")
    assert code == 0 and fp in out
    code, out, _ = cli("audit", "verify", str(forged), "--json")
    assert code == 0 and json.loads(out)["trusted_as"] == 'the trusted signer "Legal"'
    code, out, _ = cli("audit", "trusted", "--json")
    listed = json.loads(out)["trusted"]
    assert [(t["name"], t["fingerprint"], t["added_by"]) for t in listed] == [("Legal", fp, "Lea Braun")]
    # Distrusted by its fingerprint: refused again.
    assert cli("audit", "distrust", fp, "--as", "admin")[0] == 0
    code, out, _ = cli("audit", "verify", str(forged))
    assert code == 1 and fp in out
    store = open_store(db_path)
    with store.read() as session:
        kinds = [(e.kind, e.actor) for e in session.scalars(
            select(JournalEvent).where(JournalEvent.kind.in_(("key.trusted", "key.distrusted")))
            .order_by(JournalEvent.seq))]
    store.close()
    assert kinds == [("key.trusted", "Lea Braun"), ("key.distrusted", "admin")]


def test_the_key_given_is_trusted_for_that_check_alone(exported, cli, tmp_path):
    good, forged, forger_key = exported
    key_file = tmp_path / "legal.pub"
    key_file.write_text(forger_key + "\n", encoding="utf-8")
    assert cli("audit", "verify", str(forged), "--key", forger_key, db=False)[0] == 0
    assert cli("audit", "verify", str(forged), "--key", str(key_file))[0] == 0
    code, out, _ = cli("audit", "verify", str(forged), db=False)
    assert code == 1 and "without a database only a key given" in out
    # Given a key, only that key is accepted: not even this database's own.
    code, out, _ = cli("audit", "verify", str(good), "--key", forger_key)
    assert code == 1 and "not by the key given" in out


def test_trusting_refuses_what_it_cannot_use(exported, db_path, clock):
    _, _, forger_key = exported
    store = open_store(db_path, clock=clock)
    try:
        with pytest.raises(InputError, match="32 bytes"):
            trust.trust(store, "admin", "not a key", "Legal")
        with pytest.raises(InputError, match="1 to 200 characters"):
            trust.trust(store, "admin", forger_key, "   ")
        with pytest.raises(InputError, match="own key"):
            trust.trust(store, "admin", audit.own_public_key(store), "Me")
        with pytest.raises(NotPermitted, match="Only a legal reviewer or an administrator may trust"):
            trust.trust(store, "Ravi Shah", forger_key, "Legal")
        assert trust.why_not_trust(store, "Ravi Shah") and trust.why_not_trust(store, "Lea Braun") is None
        trust.trust(store, "admin", forger_key, "Legal")
        renamed = trust.trust(store, "admin", forger_key, "Legal's laptop")
        assert [s.name for s in trust.trusted(store)] == ["Legal's laptop"] and renamed.added_by == "admin"
        with pytest.raises(NotFound, match="audit trusted"):
            trust.distrust(store, "admin", "0000:0000:0000:0000")
        trust.distrust(store, "admin", forger_key)
        assert trust.trusted(store) == []
        assert trust.signers(store).own == audit.own_public_key(store)
    finally:
        store.close()


def test_verify_reads_the_trusted_list_without_writing_the_database(exported, cli, db_path):
    good, forged, forger_key = exported
    store = open_store(db_path)
    trust.trust(store, SYSTEM, forger_key, "Legal")
    store.close()
    before = db_path.read_bytes()
    assert cli("audit", "verify", str(forged))[0] == 0
    assert db_path.read_bytes() == before
    # A file that is not a War room database is named, not used.
    other = db_path.with_name("other.db")
    other.write_bytes(b"SQLite format 3\0" + b"\0" * 100)
    code, _, err = cli("audit", "verify", str(forged), "--db", str(other), db=False)
    assert code == 2 and "other.db" in err
