"""Opening War room's database the way both programs do: the store, then the
data a database must have (the shipped templates, once)."""

from __future__ import annotations

from pathlib import Path

from warroom.clock import Clock
from warroom.store import Store


def open_store(path: str | Path, *, clock: Clock | None = None) -> Store:
    from warroom.services import templates  # the services load with a store, not when the window starts

    store = Store.open(path, clock=clock)
    try:
        templates.ensure_defaults(store)
    except Exception:
        store.close()
        raise
    return store
