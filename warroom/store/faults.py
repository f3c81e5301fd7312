"""What went wrong with the database file, in words a person can act on.

SQLite reports a read-only file, a read-only folder, a full disk, a lock held by
another program and a damaged file as different error codes; each becomes its own
:class:`~warroom.errors.StoreError` with its own advice. Only damage suggests a
backup: restoring an old copy over a good file that merely could not be written
would lose what was written since.
"""

from __future__ import annotations

import contextlib
import errno
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from warroom.errors import StoreBusy, StoreDamaged, StoreError, StoreFull, StoreReadOnly

#: How long a write waits for another program's write lock before giving up (seconds).
BUSY_TIMEOUT_S = 10.0

_UNDECODABLE = re.compile(r"Could not decode to UTF-8 column '([^']{0,80})'")


def _sqlite_error(exc: BaseException) -> sqlite3.Error | None:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return orig if isinstance(orig, sqlite3.Error) else None


def _seconds(value: float) -> str:
    return f"{value:g} s"


def translate(exc: BaseException, path: Path, busy_s: float = BUSY_TIMEOUT_S) -> StoreError | None:
    """The fault behind an SQLite error, or None for one that is not about the file
    (a constraint, a mistake in a query): those are not the user's to fix."""
    err = _sqlite_error(exc)
    if err is None:
        return None
    code = getattr(err, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(err)
    folder = path.parent
    if primary == sqlite3.SQLITE_READONLY:
        if code in (sqlite3.SQLITE_READONLY_DIRECTORY, sqlite3.SQLITE_READONLY_CANTINIT):
            return read_only_folder(path)
        return StoreReadOnly(
            f"{path} is read-only: War room can read it but cannot save changes to it (or to its -wal and -shm "
            f"files beside it). Nothing is damaged and nothing was changed. Make the file writable for your "
            f"user (or open a copy you may write with --db) and try again.")
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreBusy(
            f"{path} is busy: another War room or warroom-cli is writing to it and did not finish within "
            f"{_seconds(busy_s)}. Nothing was changed; try again in a moment.")
    if primary == sqlite3.SQLITE_FULL:
        return StoreFull(
            f"There is no room left for {path}: the disk holding it is full (or the database reached its size "
            f"limit). The last change was not saved; everything saved before it is intact. Free some space "
            f"on that disk and try again.")
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return damaged(path, text)
    if primary is None and _UNDECODABLE.search(text):
        column = _UNDECODABLE.search(text).group(1)       # type: ignore[union-attr]
        # Never the text itself: it is what is broken, and may hold anything (terminal escapes).
        return damaged(path, f"column {column!r} holds text that is not valid UTF-8")
    if primary == sqlite3.SQLITE_CANTOPEN:
        return StoreReadOnly(
            f"Cannot open {path}: the file, or the folder {folder}, cannot be read or written by your user "
            f"(or the folder is gone). Nothing was changed. Check both, or choose another file with --db.")
    if primary == sqlite3.SQLITE_IOERR:
        return StoreError(
            f"The disk reported an error while reading or writing {path} ({text}). The change was not saved. "
            f"Check that the disk is still there and healthy, then try again.")
    if primary == sqlite3.SQLITE_PERM:
        return StoreReadOnly(f"{path} may not be written here ({text}). Nothing was changed.")
    return None


def read_only_folder(path: Path) -> StoreReadOnly:
    return StoreReadOnly(
        f"The folder {path.parent} is read-only: SQLite cannot make the {path.name}-wal and {path.name}-shm "
        f"files it needs beside the database. Nothing is damaged and nothing was changed. Make the folder "
        f"writable for your user, or move the database to a folder you may write, and try again.")


def damaged(path: Path, what: str) -> StoreDamaged:
    return StoreDamaged(
        f"{path} is damaged ({what}). War room did not change it. `warroom-cli verify --integrity` shows "
        f"what is damaged; restore the file from a backup (War room keeps a copy beside it before every "
        f"upgrade, {path.name}.backup-…) or choose another file with --db.", detail=what)


def os_fault(exc: OSError, path: Path) -> StoreError:
    """A file War room makes beside the database (a new database, a backup copy)."""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return read_only_folder(path)
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return StoreFull(f"There is no room left on the disk for {path}. Nothing was changed. Free some space "
                         f"on that disk and try again.")
    return StoreError(f"Cannot create {path}: {exc.strerror or exc}. Choose another place with --db or "
                      "WARROOM_DB.")


@contextlib.contextmanager
def guard(path: Path, busy_s: float = BUSY_TIMEOUT_S, *, fallback: str | None = None) -> Iterator[None]:
    """Turn an SQLite error raised inside into its fault. Errors that are no fault of
    the file pass through unchanged, or, with ``fallback``, as a StoreError saying it."""
    try:
        yield
    except (DBAPIError, sqlite3.Error) as exc:
        fault = translate(exc, path, busy_s)
        if fault is not None:
            raise fault from None
        if fallback is not None:
            err = _sqlite_error(exc)
            raise StoreError(f"{fallback}: {err if err is not None else exc}") from None
        raise
