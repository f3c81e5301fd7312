"""Storage: the SQLite file, its schema and migrations, and write transactions."""

from warroom.store.db import Store, Tx

__all__ = ["Store", "Tx"]
