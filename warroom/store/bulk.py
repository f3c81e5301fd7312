"""Many rows into one table with one prepared statement, for a write of thousands of
rows (a publish's outbox) that the ORM would build an object for one by one.

Values go in as the database stores them, converted by each column's own type
(:func:`converter`, the conversion SQLAlchemy itself applies), so the rows are the
ones an ORM insert writes; a value every row shares is converted once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Connection

#: Parameter marks by DB-API paramstyle (positional ones: the rows are sequences).
_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _same(value: Any) -> Any:
    return value


def converter(conn: Connection, column: Column) -> Callable[[Any], Any]:
    """What ``column``'s type makes of a Python value to store it on this connection."""
    dialect = conn.dialect
    return column.type.dialect_impl(dialect).bind_processor(dialect) or _same


def insert_stored(conn: Connection, table: Table, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT ``rows`` (values of ``names``, in that order, already converted by
    :func:`converter`) into ``table``, in the connection's transaction."""
    quote = conn.dialect.identifier_preparer
    mark = _MARKS[conn.dialect.paramstyle]
    sql = (f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.quote(n) for n in names)}) "
           f"VALUES ({', '.join([mark] * len(names))})")
    params = list(rows)
    if params:
        conn.exec_driver_sql(sql, params)
