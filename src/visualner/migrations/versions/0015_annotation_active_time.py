"""annotation active time: milliseconds of active work, summed over the saves

Revision ID: 0015_annotation_active_time
Revises: 0014_comments
Create Date: 2026-12-04 15:10:00.000000

A plain column added to ``annotations`` (no rebuilt table, so its triggers stay).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_annotation_active_time"
down_revision: str | None = "0014_comments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "annotations",
        sa.Column("active_ms", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    with op.batch_alter_table("annotations") as batch:
        batch.drop_column("active_ms")
