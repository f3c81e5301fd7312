"""Opening the database: checks, backup, migrations, pragmas, transactions.

A file that is not a War room database, a damaged one, or one written by a newer
version is refused with a message and left untouched. An older one is copied
aside before it is upgraded.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from warroom import __version__, devicekey
from warroom.clock import Clock, SystemClock
from warroom.errors import StoreDamaged, StoreError
from warroom.identity import skips_checks
from warroom.ids import uuid7
from warroom.journal import GENESIS, canonical_json, event_hash, event_header
from warroom.paths import create_private_file, make_private_dir
from warroom import changes
from warroom.store import faults
from warroom.store.faults import BUSY_TIMEOUT_S
from warroom.store.models import Device, JournalEvent, Meta
from warroom.store.plain import Plain

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger(__name__)

_DEVICE = Device.__table__.c
_JOURNAL = JournalEvent.__table__.c
#: A journal event's columns, as :meth:`Tx.record` gives them.
_EVENT_COLUMNS = ("id", "device_id", "seq", "at", "actor", "incident_id", "kind", "payload", "prev_hash", "hash")

#: ``PRAGMA application_id`` of a War room database ("WRM1").
APPLICATION_ID = 0x57524D31
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SLOW_MS = 200


#: The newest schema revision. Kept here so that opening an up-to-date database
#: needs no Alembic import (a tenth of a second at every start); a test checks it
#: against the migration scripts.
SCHEMA_HEAD = "0025"


def alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "warroom.store:migrations")
    return cfg


def head_revision() -> str:
    return SCHEMA_HEAD


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _describe(path: Path) -> str | None:
    """Check an existing file without changing it; return its schema revision.

    None means "empty: make a new database here"."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file. Give a file name with --db or WARROOM_DB.")
    with path.open("rb") as fh:
        magic = fh.read(len(_SQLITE_MAGIC))
    if magic != _SQLITE_MAGIC:
        raise StoreError(
            f"{path} is not a War room database (it is not an SQLite file). "
            "Choose another file with --db or WARROOM_DB; this one was left untouched."
        )
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revision = None
            if "alembic_version" in tables:
                row = con.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            con.close()
    except sqlite3.Error as exc:
        # A read-only folder, a lock or damage: each says so (only damage calls for a backup).
        raise faults.translate(exc, path) or faults.damaged(path, str(exc)) from None
    if app_id != APPLICATION_ID:
        if not tables:
            return None
        raise StoreError(
            f"{path} is an SQLite database of another program, not of War room. "
            "Choose another file with --db or WARROOM_DB; this one was left untouched."
        )
    if revision is None:
        raise faults.damaged(path, "it has no schema version")
    if revision != SCHEMA_HEAD and revision not in known_revisions():
        raise StoreError(
            f"{path} was written by a newer version of War room (schema {revision}); this is version "
            f"{__version__}. Update War room to open it; the file was left untouched."
        )
    return revision


def backup_copy(path: Path, label: str, clock: Clock) -> Path:
    """Copy the database aside with SQLite's online backup (consistent, WAL included)."""
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.backup-{label}-{stamp}")
    try:
        create_private_file(target)          # owner-only, like the database it copies
    except OSError as exc:
        raise faults.os_fault(exc, target) from None
    with faults.guard(target, fallback=f"Cannot copy {path} aside to {target}"):
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    return target


def _make_engine(path: Path, busy_s: float = BUSY_TIMEOUT_S) -> Engine:
    engine = create_engine(
        f"sqlite+pysqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": busy_s},
        pool_size=4,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_s * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # Writers take the write lock at BEGIN, so two programs on one file queue up
        # instead of failing when a read transaction tries to upgrade.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

    return engine


class Tx:
    """One write transaction: the session, the actor, one time, and the journal."""

    def __init__(self, store: Store, session: Session, actor: str) -> None:
        self.store = store
        self.session = session
        self.actor = actor
        #: This machine's time (the store's clock): leases, retries and rates run on it.
        self.real_now: datetime = store.real_clock.now()
        #: The time this transaction stamps on rows and events: the real one, or the
        #: simulated clock of the exercise it touches (see :meth:`use_clock`).
        self.now: datetime = store.clock.now() if store.clock_name else self.real_now
        #: Which clock stamps this transaction's events: None for the real one, else its
        #: name, written into each event's payload as ``"clock"``.
        self.clock_name: str | None = store.clock_name
        self._events: list[dict[str, Any]] = []
        self._head: tuple[int, str] | None = None
        #: The (device, seq) of every event recorded, and the kinds of change they make.
        self.written: list[tuple[uuid.UUID, int]] = []
        self.changes = changes.Change.NONE
        #: Set by the permission check (``warroom.services.access.require``): a change
        #: nobody was checked for is never journaled, so no caller can skip the gate.
        self.checked = False
        self._plain: Plain | None = None

    @property
    def plain(self) -> Plain:
        """This transaction's connection, for plain SQL (:mod:`warroom.store.plain`)."""
        if self._plain is None:
            self._plain = Plain(self.session)
        return self._plain

    def use_clock(self, now: datetime, name: str) -> None:
        """Stamp this transaction with another clock from here on (an exercise's
        simulated one): ``tx.now`` becomes ``now`` and every event recorded after
        this says ``"clock": name`` in its payload (hashed with it, so it travels
        and verifies like the rest of the event). Set by the permission check when
        the incident it checks runs on its own clock, never by a service itself."""
        if self.clock_name is not None:
            # The first stamp holds for the whole transaction (a view's clock, or the
            # first incident checked): one transaction, one time.
            if self.clock_name != name:
                raise RuntimeError(f"a transaction stamped by the {self.clock_name} clock cannot switch to {name}")
            return
        self.now = now
        self.clock_name = name

    def record(self, kind: str, payload: dict[str, Any], *, incident_id: uuid.UUID | None = None,
               at: datetime | None = None) -> uuid.UUID:
        """Append one journal event; it is written with the rest of the transaction."""
        if self.clock_name is not None:
            payload = {**payload, "clock": self.clock_name}
        if not self.checked and not skips_checks(self.actor):
            raise RuntimeError(f"{kind}: a change was about to be journaled without a permission check")
        if self._head is None:
            db = self.plain
            row = db.execute("SELECT last_seq, last_hash FROM device WHERE id = ?",
                             (db.to_db(_DEVICE.id)(self.store.device_id),)).fetchone()
            assert row is not None
            self._head = (row[0], row[1])
        seq, prev = self._head
        seq += 1
        event_id = uuid7()
        when = at or self.now
        header = event_header(id=event_id, device_id=self.store.device_id, seq=seq, at=when, actor=self.actor,
                              incident_id=incident_id, kind=kind)
        payload_text = canonical_json(payload)
        digest = event_hash(prev, header, payload_text)
        self._events.append({
            "id": event_id, "device_id": self.store.device_id, "seq": seq, "at": when, "actor": self.actor,
            "incident_id": incident_id, "kind": kind, "payload": payload_text, "prev_hash": prev, "hash": digest,
        })
        self._head = (seq, digest)
        self.written.append((self.store.device_id, seq))
        self.changes |= changes.change_of(kind)
        return event_id

    def _may_sign(self, db: Plain, key: Ed25519PrivateKey, signed_seq: int, signature: str | None,
                  public_key: str | None) -> bool:
        """Sign the new head only over a chain that still holds the last signed one: a
        chain rewritten by hand is never laundered by the next honest write."""
        if signature is None:
            return True
        row = db.execute("SELECT hash FROM journal_event WHERE device_id = ? AND seq = ?",
                         (db.to_db(_JOURNAL.device_id)(self.store.device_id), signed_seq)).fetchone()
        signed_hash = row[0] if row is not None else None
        if (public_key == devicekey.public_text(key) and signed_hash is not None
                and devicekey.checkpoint_valid(public_key, signature, self.store.device_id, signed_seq, signed_hash)):
            return True
        log.warning("the journal no longer matches its last signature: not signing over it "
                    "(run warroom-cli verify)")
        return False

    def flush_journal(self) -> None:
        if not self._events:
            return
        self.session.flush()
        db = self.plain
        device_id = db.to_db(_DEVICE.id)(self.store.device_id)
        signed: tuple[int, str, str] | None = None
        key = self.store.device_key()
        if key is not None:
            signed_seq, signature, public_key = db.execute(
                "SELECT signed_seq, signature, public_key FROM device WHERE id = ?", (device_id,)).fetchone()
            if self._may_sign(db, key, signed_seq, signature, public_key):
                first = self._events[0]["seq"]
                if signature is not None and signed_seq < first - 1:
                    # Events were written since the last signature without one: the key was not
                    # at hand, or they were added outside War room. Signing now covers them, so
                    # the journal says so, and the check names them.
                    self.record("journal.signed_late", {"from_seq": signed_seq + 1, "to_seq": first - 1})
                seq, digest = self._head  # type: ignore[misc]
                signed = (seq, devicekey.public_text(key),
                          devicekey.sign_checkpoint(key, self.store.device_id, seq, digest))
        convert = [db.to_db(_JOURNAL[name]) for name in _EVENT_COLUMNS]
        db.insert(JournalEvent.__table__, _EVENT_COLUMNS,
                  (tuple(to(event[name]) for to, name in zip(convert, _EVENT_COLUMNS)) for event in self._events))
        seq, digest = self._head  # type: ignore[misc]
        if signed is None:
            db.execute("UPDATE device SET last_seq = ?, last_hash = ? WHERE id = ?", (seq, digest, device_id))
        else:
            db.execute("UPDATE device SET last_seq = ?, last_hash = ?, signed_seq = ?, public_key = ?, signature = ? "
                       "WHERE id = ?", (seq, digest, *signed, device_id))
        self._events.clear()


class Store:
    """An open War room database."""

    def __init__(self, path: Path, engine: Engine, clock: Clock, device_id: uuid.UUID, *,
                 busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.path = path
        #: How long a write waits for another program's write lock (seconds).
        self.busy_timeout_s = busy_timeout_s
        self.engine = engine
        self.clock = clock
        self._real_clock: Clock | None = None
        #: None, or the name of the clock that stamps this view's writes (see :meth:`under_clock`).
        self.clock_name: str | None = None
        #: Called with each write transaction of this view before it commits (see :meth:`joined`).
        self.before_commit: Callable[[Tx], None] | None = None
        self.device_id = device_id
        self._write_engine = engine.execution_options(immediate=True)
        self._device_key: Ed25519PrivateKey | None = None
        #: False for a store that must never touch the keyring (a scratch copy, a benchmark).
        self.signs = True

    @property
    def real_clock(self) -> Clock:
        """This machine's clock; ``clock`` differs from it only in a view made by :meth:`under_clock`."""
        return self._real_clock or self.clock

    def under_clock(self, clock: Clock, name: str) -> Store:
        """This database written through another clock: every transaction of the view
        stamps ``clock``'s time and says ``name`` in its events (an exercise's incident
        declared at its simulated start). The view shares the connection; close the
        original, not the view."""
        view = copy.copy(self)
        view._real_clock = self.real_clock
        view.clock = clock
        view.clock_name = name
        return view

    def joined(self, before_commit: Callable[[Tx], None]) -> Store:
        """This database with ``before_commit(tx)`` run inside each write transaction
        of the view, just before it commits: a change of one's own made in the same
        transaction as a service's (an exercise inject marked fired with its effect,
        so it fires exactly once). Raising there rolls the whole transaction back."""
        view = copy.copy(self)
        view.before_commit = before_commit
        return view

    def device_key(self) -> Ed25519PrivateKey | None:
        """The key that signs this device's chain head, or None when it cannot be had
        without asking someone (then the journal is signed at a later write)."""
        if self._device_key is None and self.signs:
            self._device_key = devicekey.for_writes(self.device_id)
        return self._device_key

    # -- opening -----------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, clock: Clock | None = None, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Store:
        """``busy_timeout_s``: how long a write waits for another program's write lock."""
        path = Path(path).expanduser()
        with faults.guard(path, busy_timeout_s, fallback=f"Cannot open {path}"):
            return cls._open(path, clock or SystemClock(), busy_timeout_s)

    @classmethod
    def _open(cls, path: Path, clock: Clock, busy_timeout_s: float) -> Store:
        revision = _describe(path)
        head = head_revision()
        is_new = revision is None
        if is_new:
            try:
                make_private_dir(path.parent)
                create_private_file(path)    # owner-only: SQLite gives its -wal and -shm the same mode
            except OSError as exc:
                raise faults.os_fault(exc, path) from None
        elif revision != head:
            copy = backup_copy(path, revision, clock)
            log.info("database %s copied to %s before upgrading from %s to %s", path, copy, revision, head)
        engine = _make_engine(path, busy_timeout_s)
        try:
            device_id = cls._prepare(engine, clock, is_new, revision != head)
        except BaseException:
            engine.dispose()
            raise
        store = cls(path, engine, clock, device_id, busy_timeout_s=busy_timeout_s)
        if revision is not None and revision != head:
            store.sign_head()
        return store

    def sign_head(self) -> bool:
        """Sign this device's chain head now, if the key is at hand without asking anybody
        (after an upgrade from a version that did not sign). Returns whether it did."""
        key = devicekey.existing(self.device_id) if self.signs else None
        if key is None:
            return False
        with self._write_engine.begin() as conn:
            row = conn.execute(select(Device.last_seq, Device.last_hash, Device.signature)
                               .where(Device.id == self.device_id)).one()
            if row.signature is not None:   # signed before: a lagging signature is caught up by a write
                return False
            conn.execute(update(Device).where(Device.id == self.device_id).values(
                signed_seq=row.last_seq, public_key=devicekey.public_text(key),
                signature=devicekey.sign_checkpoint(key, self.device_id, row.last_seq, row.last_hash)))
        return True

    @staticmethod
    def _prepare(engine: Engine, clock: Clock, is_new: bool, migrate: bool) -> uuid.UUID:
        if not (is_new or migrate):
            # The usual case: read the device id without taking the write lock, so
            # read-only commands are not held up by a writer.
            with engine.connect() as conn:
                value = conn.execute(select(Meta.value).where(Meta.key == "device_id")).scalar()
                conn.rollback()
            if value is None:
                raise StoreDamaged("This War room database has lost its device record; restore it from a backup.")
            return uuid.UUID(value)
        with engine.connect() as conn:
            # Batch migrations rebuild tables by dropping them: with foreign keys on, a
            # drop cascades into child tables. Off for the upgrade (outside the
            # transaction, where SQLite allows it), checked before the commit.
            raw = conn.connection.driver_connection  # autocommit: no SQLAlchemy transaction yet
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.execution_options(immediate=True).begin():
                    if is_new:
                        conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
                    if migrate:
                        from alembic import command

                        cfg = alembic_config()
                        cfg.attributes["connection"] = conn
                        command.upgrade(cfg, "head")
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(f"Upgrading the database would break {len(broken)} references; "
                                             "nothing was changed. Please report this.")
                    value = conn.execute(select(Meta.value).where(Meta.key == "device_id")).scalar()
                    if value is not None:
                        return uuid.UUID(value)
                    return Store._make_device(conn, clock)
            finally:
                raw.execute("PRAGMA foreign_keys=ON")

    @staticmethod
    def _make_device(conn, clock: Clock) -> uuid.UUID:
        """A new database: make this device, once, and start its chain."""
        device_id = uuid7()
        now = clock.now()
        label = socket.gethostname() or "this device"
        conn.execute(insert(Meta), [{"key": "device_id", "value": str(device_id)},
                                    {"key": "next_incident_number", "value": "1"}])
        conn.execute(insert(Device).values(id=device_id, label=label, created_at=now, is_local=True,
                                           last_seq=0, last_hash=GENESIS))
        payload = {"app_version": __version__, "device_label": label, "schema": head_revision()}
        event_id = uuid7()
        header = event_header(id=event_id, device_id=device_id, seq=1, at=now, actor="system",
                              incident_id=None, kind="database.created")
        text = canonical_json(payload)
        digest = event_hash(GENESIS, header, text)
        conn.execute(insert(JournalEvent).values(id=event_id, device_id=device_id, seq=1, at=now,
                                                 actor="system", incident_id=None, kind="database.created",
                                                 payload=text, prev_hash=GENESIS, hash=digest))
        conn.execute(update(Device).where(Device.id == device_id).values(last_seq=1, last_hash=digest))
        return device_id

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------

    def _faults(self) -> contextlib.AbstractContextManager[None]:
        """SQLite errors inside become the fault they mean (read-only, full, busy,
        damaged: :mod:`warroom.store.faults`); other errors pass through."""
        return faults.guard(self.path, self.busy_timeout_s)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction (a consistent snapshot)."""
        with self._faults(), Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextlib.contextmanager
    def write(self, actor: str, *, warn_ms: float | None = _SLOW_MS) -> Iterator[Tx]:
        """A write transaction: everything in it, journal included, commits or nothing does.
        One that takes longer than ``warn_ms`` is logged (bulk loads pass None)."""
        started = time.perf_counter()
        with self._faults(), Session(self._write_engine, expire_on_commit=False) as session:
            with session.begin():
                tx = Tx(self, session, actor)
                yield tx
                if self.before_commit is not None:
                    self.before_commit(tx)
                tx.flush_journal()
            changes.committed(tx.changes, tx.written)
        elapsed = (time.perf_counter() - started) * 1000
        if warn_ms is not None and elapsed > warn_ms:
            log.warning("a write transaction took %.0f ms", elapsed)

    def data_version(self) -> tuple[int, ...]:
        """Cheap fingerprint that changes whenever any device's chain grows."""
        with self._faults(), self.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT last_seq FROM device ORDER BY id").all()
            conn.rollback()
        return tuple(r[0] for r in rows)

    def rebuild_search_index(self) -> None:
        """Rebuild full-text search (after a VACUUM, which may renumber rowids)."""
        with self._faults(), self.engine.execution_options(immediate=True).begin() as conn:
            conn.exec_driver_sql("INSERT INTO timeline_fts(timeline_fts) VALUES ('rebuild')")
