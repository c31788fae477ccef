"""comments on tasks and on regions, resolved or open

Revision ID: 0014_comments
Revises: 0013_task_numbers
Create Date: 2026-12-04 14:50:00.000000

A new table only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import id_column, id_primary_key, references, timestamp

revision: str = "0014_comments"
down_revision: str | None = "0013_task_numbers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comments",
        id_column(),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.String(length=100), nullable=True),
        timestamp("resolved_at", nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        timestamp("created_at"),
        references("comments", "task_id", "tasks", ondelete="CASCADE"),
        references("comments", "author_id", "users", ondelete="SET NULL"),
        references("comments", "annotation_id", "annotations", ondelete="SET NULL"),
        references("comments", "resolved_by_id", "users", ondelete="SET NULL"),
        id_primary_key("comments"),
    )
    op.create_index("ix_comments_task_id_resolved_at", "comments", ["task_id", "resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_comments_task_id_resolved_at", table_name="comments")
    op.drop_table("comments")
