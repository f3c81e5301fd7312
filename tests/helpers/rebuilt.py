"""A second laptop made from one database's journal alone (what team sync and a
bundle carry), checked to hold the same rows before a test looks further."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.store import Store
from warroom.sync.apply import rebuild
from warroom.sync.apply_compare import differences, snapshot


@dataclass
class Rebuilt:
    #: The database rebuilt from the journal (open until the ``with`` ends).
    store: Store
    #: The original's rows, table by table (:func:`snapshot`).
    rows: dict[str, Any]
    #: How many events the rebuild applied.
    applied: int


@contextmanager
def rebuilt(store: Store, path: Path, clock) -> Iterator[Rebuilt]:
    """``with rebuilt(store, tmp_path / "other.db", clock) as other:`` — the rebuild has
    the same rows as ``store`` (asserted), and ``other.store`` is there to read."""
    other = Store.open(path, clock=clock)
    try:
        applied = rebuild(store, other)
        with store.read() as session:
            want = snapshot(session)
        with other.read() as session:
            got = snapshot(session)
        assert differences(want, got) == []
        yield Rebuilt(other, want, applied)
    finally:
        other.close()
