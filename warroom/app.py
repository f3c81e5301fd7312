"""Opening War room's database the way both programs do: the store, then the
data a database must have (the shipped templates, once)."""

from __future__ import annotations

from pathlib import Path

from warroom import shipped
from warroom.clock import Clock
from warroom.store import Store


def open_store(path: str | Path, *, clock: Clock | None = None) -> Store:
    store = Store.open(path, clock=clock)
    try:
        if not shipped.current(store):   # a new database, or a release with new templates
            from warroom.services import templates  # the services load only then

            templates.ensure_defaults(store)
    except Exception:
        store.close()
        raise
    return store
