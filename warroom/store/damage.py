"""Where a database file is damaged: SQLite's own integrity check, then every value
that cannot be decoded (text that is not UTF-8, JSON that does not parse).

Each finding names the table, the rowid and the column, never the stored bytes:
they are what is broken, and printed to a terminal they could be anything. The
file is opened read-only and read with its text as raw bytes, so nothing here
fails on the damage it is looking for.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import JSON

from warroom.store.models import Base

#: Columns that hold JSON text although their type does not say so.
_JSON_TEXT = {("journal_event", "payload")}


def _printable(value: str | bytes, limit: int = 200) -> str:
    """Plain text for a terminal: no control characters, no escapes, bounded."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = "".join(ch if ch.isprintable() else "?" for ch in value)
    return text if len(text) <= limit else text[:limit] + "…"


def _json_columns() -> set[tuple[str, str]]:
    found = {(table.name, column.name) for table in Base.metadata.tables.values()
             for column in table.columns if isinstance(column.type, JSON)}
    return found | _JSON_TEXT


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def scan(path: Path, *, limit: int = 100) -> list[str]:
    """What is damaged in the database at ``path``, at most ``limit`` findings of
    each kind; an empty list when SQLite and the decoder find nothing."""
    try:
        con = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return [f"the file cannot be opened to examine it ({_printable(str(exc))})"]
    con.text_factory = bytes
    try:
        return _integrity(con, limit) + _undecodable(con, limit)
    finally:
        con.close()


def _integrity(con: sqlite3.Connection, limit: int) -> list[str]:
    try:
        rows = [_name(row[0]) for row in con.execute(f"PRAGMA integrity_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [f"SQLite's integrity check could not run ({_printable(str(exc))})"]
    if rows == ["ok"]:
        return []
    # One finding a line (SQLite may put several in one row), its own headings left out.
    lines = [_printable(line) for row in rows for line in row.splitlines()
             if line.strip() and not line.startswith("*** in database")]
    shown = [f"SQLite: {line}" for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"… and {len(lines) - limit} more findings of SQLite's integrity check")
    return shown


def _undecodable(con: sqlite3.Connection, limit: int) -> list[str]:
    try:
        tables = [(_name(row[0]), b"WITHOUT ROWID" in (row[1] or b"").upper()) for row in con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
    except sqlite3.DatabaseError as exc:
        return [f"the list of tables cannot be read ({_printable(str(exc))})"]
    json_columns = _json_columns()
    found: list[str] = []
    more = 0
    for table, without_rowid in tables:
        try:
            columns = [_name(row[1]) for row in con.execute(f"PRAGMA table_info({_quoted(table)})")]
        except sqlite3.DatabaseError as exc:
            found.append(f"table {_printable(table)}: its columns cannot be read ({_printable(str(exc))})")
            continue
        if not columns:
            continue
        select = ", ".join(f"{_quoted(c)}, typeof({_quoted(c)})" for c in columns)
        rowid = None
        # A table without rowids (full-text search's own) names its rows by position.
        key = "NULL" if without_rowid else "rowid"
        try:
            for n, row in enumerate(con.execute(f"SELECT {key}, {select} FROM {_quoted(table)}"), 1):
                rowid = row[0] if not without_rowid else f"#{n}"
                for i, column in enumerate(columns):
                    value, kind = row[1 + 2 * i], row[2 + 2 * i]
                    if kind != b"text":
                        continue
                    problem = _decode_problem(value, (table, column) in json_columns)
                    if problem is None:
                        continue
                    if len(found) < limit:
                        found.append(f"table {_printable(table)}, row {rowid}, column {_printable(column)}: "
                                     f"{problem}")
                    else:
                        more += 1
        except sqlite3.DatabaseError as exc:
            where = f"after row {rowid}" if rowid is not None else "from its first row"
            found.append(f"table {_printable(table)} cannot be read {where} ({_printable(str(exc))})")
    if more:
        found.append(f"… and {more} more values that cannot be decoded")
    return found


def _name(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _decode_problem(value: bytes, is_json: bool) -> str | None:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return "text that is not valid UTF-8"
    if is_json:
        try:
            json.loads(text)
        except ValueError:
            return "JSON that does not parse"
    return None
