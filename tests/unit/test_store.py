"""The database file: creation, pragmas, refusing what is not ours, migrations."""

from __future__ import annotations

import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from warroom.errors import StoreError
from warroom.store import Store
from warroom.store.db import APPLICATION_ID, SCHEMA_HEAD, alembic_config, backup_copy
from warroom.store.models import Base
from warroom.identity import SYSTEM


def test_new_database_has_the_designed_pragmas(store, db_path):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    con.close()


def test_device_id_is_made_once_per_database(db_path, clock):
    with Store.open(db_path, clock=clock) as first:
        device = first.device_id
    with Store.open(db_path, clock=clock) as again:
        assert again.device_id == device
    with Store.open(db_path.with_name("other.db"), clock=clock) as other:
        assert other.device_id != device
    assert device.version == 7


def _bytes(path):
    return path.read_bytes()


def test_refuses_a_file_that_is_not_sqlite(tmp_path, clock):
    path = tmp_path / "notes.db"
    path.write_text("just some text, not a database\n" * 100)
    before = _bytes(path)
    with pytest.raises(StoreError, match="not a War room database"):
        Store.open(path, clock=clock)
    assert _bytes(path) == before


def test_refuses_another_programs_sqlite_database(tmp_path, clock):
    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE songs (title TEXT)")
    con.commit()
    con.close()
    before = _bytes(path)
    with pytest.raises(StoreError, match="another program"):
        Store.open(path, clock=clock)
    assert _bytes(path) == before


def test_refuses_a_damaged_file(tmp_path, clock):
    path = tmp_path / "damaged.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff\x13" * 3000)
    before = _bytes(path)
    with pytest.raises(StoreError, match="damaged"):
        Store.open(path, clock=clock)
    assert _bytes(path) == before


def test_refuses_a_database_from_a_newer_version(db_path, clock):
    Store.open(db_path, clock=clock).close()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    con.commit()
    con.close()
    before = _bytes(db_path)
    with pytest.raises(StoreError, match="newer version of War room"):
        Store.open(db_path, clock=clock)
    assert _bytes(db_path) == before


def test_refuses_a_folder(tmp_path, clock):
    with pytest.raises(StoreError, match="folder"):
        Store.open(tmp_path, clock=clock)


def test_an_empty_file_becomes_a_database(tmp_path, clock):
    path = tmp_path / "empty.db"
    path.touch()
    with Store.open(path, clock=clock) as s:
        assert s.device_id


def test_revisions_form_one_linear_chain():
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1
    seen = []
    for rev in script.walk_revisions():
        assert not rev.is_merge_point
        seen.append(rev.revision)
    assert seen[-1] == "0001"  # walk_revisions runs newest first
    assert len(set(seen)) == len(seen)
    bases = script.get_bases()
    assert bases == ["0001"]
    assert heads == [SCHEMA_HEAD], "update SCHEMA_HEAD in warroom/store/db.py with each new migration"


def test_migrated_schema_matches_the_models(store):
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    # FTS5 shadow tables are SQLite's own and not in the models.
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("timeline_fts"))]
    assert diff == []


def test_backup_copy_is_a_consistent_database(store, db_path, clock):
    from warroom.services import incidents

    incidents.open_incident(store, "a", title="Copy me", severity="SEV3")
    copy = backup_copy(db_path, "0001", clock)
    assert copy.name.startswith("warroom.db.backup-0001-")
    con = sqlite3.connect(copy)
    assert con.execute("SELECT title FROM incident").fetchall() == [("Copy me",)]
    con.close()


def test_two_stores_on_one_file_write_in_turn(db_path, clock):
    """A window and the command line on one database share it safely."""
    from warroom.journal import verify
    from warroom.services import incidents, timeline

    a = Store.open(db_path, clock=clock)
    b = Store.open(db_path, clock=clock)
    inc = incidents.open_incident(a, "a", title="Shared", severity="SEV2")
    for i in range(20):
        timeline.log(a if i % 2 else b, "x", inc.id, f"entry {i}")
    with a.read() as session:
        report = verify(session)
    assert report.ok and report.events == 1 + 1 + 20
    a.close()
    b.close()


EXPECTED_TRIGGERS = {
    "timeline_fts_ai", "timeline_fts_ad", "timeline_fts_au", "timeline_count_ai", "timeline_count_ad",
    "timeline_count_au", "journal_event_no_update", "journal_event_no_delete",
}


def test_migrations_leave_the_triggers_in_place(store, db_path):
    """Batch migrations rebuild tables and drop their triggers: a migration must recreate them."""
    con = sqlite3.connect(db_path)
    triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    assert triggers == EXPECTED_TRIGGERS


def test_reading_does_not_wait_for_a_writer(db_path, clock):
    """A read-only command opens while another program holds the write lock."""
    Store.open(db_path, clock=clock).close()
    writer = sqlite3.connect(db_path, timeout=0.1)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with Store.open(db_path, clock=clock) as s:
            from warroom.services import incidents

            assert incidents.list_incidents(s, viewer=SYSTEM) == []
    finally:
        writer.rollback()
        writer.close()


def test_foreign_keys_are_on_for_every_connection(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
