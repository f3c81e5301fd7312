"""Alembic environment: run on a connection handed in by :class:`warroom.store.Store`.

Batch mode for SQLite's limited ALTER TABLE; the whole upgrade runs in the one
transaction the store opened, so a failed migration leaves the file as it was.
"""

from alembic import context
from sqlalchemy import create_engine

from warroom.store.models import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:
    context.configure(
        connection=conn,
        target_metadata=Base.metadata,
        render_as_batch=True,
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=Base.metadata,
                      render_as_batch=True, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    _run(connection)
else:  # `alembic` on the command line, for developers writing a migration
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)
