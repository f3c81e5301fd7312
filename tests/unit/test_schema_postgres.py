"""One schema history on both engines: the laptop's SQLite file and the team's
PostgreSQL server are made by the same Alembic migrations (team sync relies on it)."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from tests.helpers import pg
from warroom.store.db import SCHEMA_HEAD, alembic_config
from warroom.store.models import Base


def _engine(cluster, dbname):
    return create_engine("postgresql+psycopg://", connect_args={
        "host": str(cluster.socket_dir), "user": pg.ADMIN, "dbname": dbname})


def _migrate(engine, direction: str, target: str) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        getattr(command, direction)(cfg, target)


def test_every_migration_runs_on_postgresql_and_matches_the_models(pg_cluster, pg_database):
    engine = _engine(pg_cluster, pg_database)
    try:
        _migrate(engine, "upgrade", "head")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == SCHEMA_HEAD
            differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                           Base.metadata)
        assert differences == []
        # Back down to nothing and up again: every downgrade works there too.
        _migrate(engine, "downgrade", "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        _migrate(engine, "upgrade", "head")
        assert "journal_event" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
