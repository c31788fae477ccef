"""login failures: failed password checks, counted per account and per address

Revision ID: 0007_login_failures
Revises: 0006_task_annotators
Create Date: 2026-12-04 14:00:00.000000

The login throttle (``auth/throttle.py``) counts these rows, so every app process sees the
same count; a new table only, no rebuilt tables.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import id_column, id_primary_key, timestamp

revision: str = "0007_login_failures"
down_revision: str | None = "0006_task_annotators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        id_column(),
        sa.Column("account_hash", sa.String(length=64), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        timestamp("failed_at"),
        id_primary_key("login_failures"),
    )
    op.create_index(
        "ix_login_failures_account_hash_failed_at",
        "login_failures",
        ["account_hash", "failed_at"],
    )
    op.create_index(
        "ix_login_failures_address_hash_failed_at",
        "login_failures",
        ["address_hash", "failed_at"],
    )
    op.create_index(op.f("ix_login_failures_failed_at"), "login_failures", ["failed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_failed_at"), table_name="login_failures")
    op.drop_index("ix_login_failures_address_hash_failed_at", table_name="login_failures")
    op.drop_index("ix_login_failures_account_hash_failed_at", table_name="login_failures")
    op.drop_table("login_failures")
