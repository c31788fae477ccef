"""Alembic environment: runs against the connection or URL handed over by ``visualner.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from visualner.db import make_disposable_engine
from visualner.schema import include_in_model_comparison, metadata

config = context.config


def _run(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        # Batch mode rebuilds a table by dropping it: with foreign keys on, that drop would
        # cascade into every table referring to it (SQLite's own ALTER TABLE recipe turns them
        # off). The pragma only takes effect outside a transaction.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_in_model_comparison,
    )
    with context.begin_transaction():
        context.run_migrations()
        if is_sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows with dangling references: {broken[:5]}")
    if is_sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_disposable_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
