"""The DDL the migrations spell alike, written once: the ``id`` primary key, UTC timestamps,
foreign keys to a row ``id`` named as ``db.NAMING_CONVENTION`` names them, and the SQLite
triggers that keep derived data in step with a table.

Migrations that already ran must keep producing the same schema: a change here changes the
DDL of every migration using it (compare ``sqlite3 .schema`` and ``pg_dump -s`` of a fresh
``visualner migrate`` before and after).
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from alembic import op

from visualner.db import UTCDateTime

OnDelete = Literal["CASCADE", "SET NULL"]


def id_column() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer(), nullable=False)


def id_primary_key(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def references(
    table: str, column: str, target: str, *, ondelete: OnDelete
) -> sa.ForeignKeyConstraint:
    """``table.column`` refers to ``target.id``."""
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def create_sqlite_row_triggers(
    name: str, table: str, *, update_of: str, on_new: str, on_old: str
) -> None:
    """Three SQLite triggers on ``table``: ``on_new`` after an insert, ``on_old`` after a delete,
    both (old first) after an update of the ``update_of`` columns."""
    op.execute(f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN {on_new} END")
    op.execute(f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN {on_old} END")
    op.execute(
        f"CREATE TRIGGER {name}_update AFTER UPDATE OF {update_of} ON {table} "
        f"BEGIN {on_old} {on_new} END"
    )


def drop_sqlite_row_triggers(name: str) -> None:
    for event in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
