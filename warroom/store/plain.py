"""Plain SQL on a transaction's own connection, for the few statements run so often
that SQLAlchemy's cost per statement would be most of their time: the thousands of
outbox rows of one publish, the dispatcher's claim and record of each delivery,
the journal's event with every change.

Values cross as the database stores them, converted by each column's own type (the
conversions SQLAlchemy itself applies, :func:`converter` and :func:`reader`), so the
rows are the ones the ORM writes and reads. The statements are SQLite's (the store
is an SQLite file); they run in the session's transaction, on its connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

_converters: dict[tuple[str, str, Column], Callable[[Any], Any]] = {}
_readers: dict[tuple[str, str, Column], Callable[[Any], Any]] = {}


def _same(value: Any) -> Any:
    return value


def converter(conn: Connection, column: Column) -> Callable[[Any], Any]:
    """What ``column``'s type makes of a Python value to store it on this connection."""
    dialect = conn.dialect
    key = (dialect.name, dialect.driver, column)
    found = _converters.get(key)
    if found is None:
        found = _converters[key] = column.type.dialect_impl(dialect).bind_processor(dialect) or _same
    return found


def reader(conn: Connection, column: Column) -> Callable[[Any], Any]:
    """What ``column``'s type makes of a stored value when it reads it back."""
    dialect = conn.dialect
    key = (dialect.name, dialect.driver, column)
    found = _readers.get(key)
    if found is None:
        found = _readers[key] = column.type.dialect_impl(dialect).result_processor(dialect, None) or _same
    return found


class Plain:
    """A session's connection in its transaction, for plain SQL: ``?`` marks, values in stored
    form (:meth:`to_db`), results read back with :meth:`from_db`."""

    __slots__ = ("conn", "db")

    def __init__(self, session: Session) -> None:
        self.conn = session.connection()
        #: The DB-API connection, inside the session's transaction.
        self.db = self.conn.connection.driver_connection

    def to_db(self, column: Column) -> Callable[[Any], Any]:
        return converter(self.conn, column)

    def from_db(self, column: Column) -> Callable[[Any], Any]:
        return reader(self.conn, column)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; returns the DB-API cursor (rows in stored form)."""
        return self.db.execute(sql, params)

    def insert(self, table: Table, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """INSERT ``rows`` (values of ``names``, in that order, in stored form) into ``table``."""
        params = list(rows)
        if params:
            columns = ", ".join(f'"{name}"' for name in names)
            self.db.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({", ".join("?" * len(names))})',
                                params)
