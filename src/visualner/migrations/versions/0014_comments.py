"""comments on tasks and on regions, resolved or open

Revision ID: 0014_comments
Revises: 0013_task_numbers
Create Date: 2026-12-04 14:50:00.000000

A new table only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import visualner.db

revision: str = "0014_comments"
down_revision: str | None = "0013_task_numbers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("annotation_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", visualner.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", visualner.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_comments_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["annotation_id"],
            ["annotations.id"],
            name=op.f("fk_comments_annotation_id_annotations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_comments_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index("ix_comments_task_id_resolved_at", "comments", ["task_id", "resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_comments_task_id_resolved_at", table_name="comments")
    op.drop_table("comments")
