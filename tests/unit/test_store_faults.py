"""Each fault of the database file is made for real and named for what it is: a
read-only file, a read-only folder, a full disk, a lock held by another program,
a damaged file. Only damage mentions a backup. What War room writes is owner-only."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event, select

from warroom.errors import StoreBusy, StoreDamaged, StoreFull
from warroom.identity import SYSTEM
from warroom.store import Store
from warroom.store.models import JournalEvent

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and users are POSIX")

# A write by the program itself, in a fresh process; prints what happened as JSON.
_WRITE = """
import json, sys
from warroom.identity import SYSTEM
from warroom.store import Store
try:
    store = Store.open(sys.argv[1])
    store.signs = False
    with store.write(SYSTEM) as tx:
        tx.record("test.written", {"n": 1})
    store.close()
    print(json.dumps({"ok": True}))
except Exception as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
"""


def _bound_by_file_modes() -> None:
    """Run in the child before it starts: root without these capabilities is bound by
    file modes like anybody else (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
    dropped from the bounding set, so the program it runs never has them)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):
        if libc.prctl(24, cap, 0, 0, 0) != 0:       # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _write_in_a_child_bound_by_file_modes(db: Path) -> dict:
    """Attempt a write in a fresh process that file modes bind: this user's, or, when
    the tests run as root (whom chmod does not stop), root without its overrides."""
    kwargs: dict = {}
    if os.geteuid() == 0:
        if not sys.platform.startswith("linux"):
            pytest.skip("running as root outside Linux: a read-only mode cannot be made to bind")
        kwargs["preexec_fn"] = _bound_by_file_modes
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(db.parent)}
    done = subprocess.run([sys.executable, "-c", _WRITE, str(db)], capture_output=True, text=True, env=env,
                          timeout=60, **kwargs)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _new_db(folder: Path) -> Path:
    db = folder / "data" / "warroom.db"
    store = Store.open(db)
    store.signs = False
    store.close()
    return db


@posix_only
def test_a_read_only_file_is_named_and_left_as_it_is(tmp_path):
    db = _new_db(tmp_path)
    before = db.read_bytes()
    os.chmod(db, 0o444)
    result = _write_in_a_child_bound_by_file_modes(db)
    assert result.get("error") == "StoreReadOnly", result
    message = result["message"]
    assert f"{db} is read-only" in message and "Make the file writable" in message
    assert "backup" not in message and "damaged" not in message.replace("Nothing is damaged", "")
    assert db.read_bytes() == before


@posix_only
def test_a_read_only_folder_is_named_not_the_file(tmp_path):
    db = _new_db(tmp_path)
    os.chmod(db.parent, 0o555)         # SQLite cannot make warroom.db-wal and -shm here
    try:
        result = _write_in_a_child_bound_by_file_modes(db)
    finally:
        os.chmod(db.parent, 0o700)
    assert result.get("error") == "StoreReadOnly", result
    message = result["message"]
    assert f"The folder {db.parent} is read-only" in message and "warroom.db-wal" in message
    assert "backup" not in message


@posix_only
def test_the_same_child_writes_a_writable_file(tmp_path):
    """The control for the two above: what stops the child is the mode, nothing else."""
    db = _new_db(tmp_path)
    assert _write_in_a_child_bound_by_file_modes(db) == {"ok": True}


def test_a_full_disk_says_so_and_keeps_what_was_saved(store, db_path):
    with store.write(SYSTEM) as tx:
        tx.record("test.before", {"n": 1})
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        conn.rollback()

    def limit(dbapi_conn, _record):   # the database may not grow: as on a disk with no room left
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    event.listen(store.engine, "connect", limit)
    store.engine.dispose()
    with pytest.raises(StoreFull) as caught:
        with store.write(SYSTEM) as tx:
            tx.record("test.too_big", {"text": "x" * 400_000})
    message = str(caught.value)
    assert "There is no room left" in message and "Free some space" in message
    assert "everything saved before it is intact" in message and "backup" not in message
    event.remove(store.engine, "connect", limit)
    store.engine.dispose()
    with store.read() as session:
        kinds = list(session.scalars(select(JournalEvent.kind)))
    assert "test.before" in kinds and "test.too_big" not in kinds
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_a_lock_held_by_another_program_says_who_and_to_try_again(db_path, clock):
    Store.open(db_path, clock=clock).close()
    store = Store.open(db_path, clock=clock, busy_timeout_s=0.2)
    other = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")          # another program holds the write lock
        with pytest.raises(StoreBusy) as caught:
            with store.write(SYSTEM) as tx:
                tx.record("test.blocked", {})
        message = str(caught.value)
        assert "another War room or warroom-cli is writing" in message and "try again" in message
        assert "0.2 s" in message and "backup" not in message
        with store.read() as session:          # reading goes on meanwhile
            assert session.scalar(select(JournalEvent.seq).limit(1)) == 1
        other.execute("ROLLBACK")
        with store.write(SYSTEM) as tx:
            tx.record("test.after", {})
    finally:
        other.close()
        store.close()


def _overwrite_page(path: Path, page: int, offset: int = 100) -> None:
    with sqlite3.connect(path) as con:
        size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * size + offset)
        fh.write(b"\xde\xad\xbe\xef" * 200)


def _root_page(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    finally:
        con.close()


def test_a_damaged_file_is_the_one_fault_that_mentions_a_backup(db_path, clock):
    Store.open(db_path, clock=clock).close()
    _overwrite_page(db_path, 1)                 # the schema itself
    before = db_path.read_bytes()
    with pytest.raises(StoreDamaged) as caught:
        Store.open(db_path, clock=clock)
    message = str(caught.value)
    assert "is damaged (database disk image is malformed)" in message and "restore the file from a backup" in message
    assert "verify --integrity" in message
    assert db_path.read_bytes() == before


# -- verify on a damaged file --------------------------------------------------------

@pytest.fixture
def demo_db(cli, db_path):
    code, _, err = cli("demo")
    assert code == 0, err
    return db_path


def test_verify_names_the_damaged_pages_without_a_traceback(cli, demo_db):
    _overwrite_page(demo_db, _root_page(demo_db, "journal_event"))
    for args in (("verify",), ("verify", "--integrity")):
        code, out, err = cli(*args)
        assert code == 1, err
        assert "Traceback" not in out + err and "Unexpected error" not in err
        assert "first bad: storage: the journal and the tables cannot be read (database disk image is malformed)" in out
        assert "SQLite: On tree page" in out                     # SQLite's own integrity check
        assert "table journal_event cannot be read" in out


def test_verify_names_undecodable_values_by_table_row_and_column_never_their_bytes(cli, demo_db):
    con = sqlite3.connect(demo_db)
    # Text that is not UTF-8 (with a terminal escape in it), and JSON that does not parse.
    con.execute("UPDATE timeline_entry SET text = CAST(x'41ff1b5b33316d' AS TEXT) WHERE rowid = 3")
    con.execute("UPDATE incident SET components = '[\"Checkout' WHERE rowid = 1")
    con.commit()
    con.close()
    code, out, err = cli("verify", "--integrity")
    assert code == 1, err
    assert "table timeline_entry, row 3, column text: text that is not valid UTF-8" in out
    assert "table incident, row 1, column components: JSON that does not parse" in out
    assert "\x1b" not in out + err and "\ufffd" not in out + err and "Traceback" not in out + err
    code, out, _ = cli("--json", "verify")
    report = json.loads(out)
    assert report["ok"] is False and any("column text" in p for p in report["problems"])


def test_verify_examines_a_file_too_damaged_to_open(cli, demo_db):
    _overwrite_page(demo_db, 1)
    code, out, err = cli("verify")
    assert code == 1, err
    assert "the database cannot be opened (database disk image is malformed)" in out
    assert "Traceback" not in out + err


def test_an_intact_file_passes_the_deep_check(cli, demo_db):
    code, out, err = cli("verify", "--integrity")
    assert code == 0, out + err
    assert "Journal intact" in out


# -- owner-only files --------------------------------------------------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_the_database_its_wal_and_shm_and_its_new_folders_are_owner_only(tmp_path, clock):
    db = tmp_path / "new" / "deeper" / "warroom.db"
    store = Store.open(db, clock=clock)
    try:
        with store.write(SYSTEM) as tx:
            tx.record("test.written", {})
        for name in ("warroom.db", "warroom.db-wal", "warroom.db-shm"):
            assert _mode(db.with_name(name)) == 0o600, name
        assert _mode(db.parent) == 0o700 and _mode(db.parent.parent) == 0o700
    finally:
        store.close()


@posix_only
def test_backups_logs_exports_archives_and_key_files_are_owner_only(tmp_path, clock, cli, db_path, monkeypatch):
    import logging

    from warroom import logs, secrets
    from warroom.store.db import backup_copy

    code, _, err = cli("demo")
    assert code == 0, err
    assert _mode(backup_copy(db_path, "0011", clock)) == 0o600

    folder = tmp_path / "logs"
    path = logs.setup(directory=folder)
    try:
        assert path is not None and _mode(path) == 0o600 and _mode(folder) == 0o700
        handler = logging.getLogger().handlers[-1]
        logging.getLogger("warroom.test").warning("a line before the log is rotated")
        handler.doRollover()                                 # type: ignore[attr-defined]
        logging.getLogger("warroom.test").warning("a line after it")
        assert _mode(path) == 0o600 and _mode(path.with_name("warroom.log.1")) == 0o600
    finally:
        logs.setup(directory=tmp_path / "logs-after")

    out = tmp_path / "exports" / "inc.md"
    code, _, err = cli("export", "INC-1", "--format", "markdown", "--out", str(out), "--as", "Dana Okafor")
    assert code == 0, err
    assert _mode(out) == 0o600 and _mode(out.parent) == 0o700
    out.write_text("an older export")
    os.chmod(out, 0o644)
    code, _, err = cli("export", "INC-1", "--out", str(out), "--as", "Dana Okafor")   # replaced: owner-only again
    assert code == 0, err
    assert _mode(out) == 0o600

    key = tmp_path / "keys" / "signing.pem"
    secrets.write_private_file(key, b"(encrypted)")
    assert _mode(key) == 0o600 and _mode(key.parent) == 0o700


@posix_only
def test_an_archive_is_owner_only(tmp_path, cli, memory_keyring):
    code, _, err = cli("demo")
    assert code == 0, err
    out = tmp_path / "INC-1.warroom.zip"
    code, _, err = cli("audit", "export", "INC-1", "--out", str(out), "--as", "Dana Okafor")
    assert code == 0, err
    assert _mode(out) == 0o600
