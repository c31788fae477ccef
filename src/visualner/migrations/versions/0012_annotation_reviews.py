"""annotation reviews: accept / reject with a comment; ground truth; who saved a version

Revision ID: 0012_annotation_reviews
Revises: 0011_ocr_server_health
Create Date: 2026-12-04 14:30:00.000000

A new table and two plain columns on ``annotations`` (``op.add_column``, no rebuilt table, so
the search-index and annotator triggers of 0005/0006 stay).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import id_column, id_primary_key, references, timestamp

revision: str = "0012_annotation_reviews"
down_revision: str | None = "0011_ocr_server_health"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "annotations",
        sa.Column("ground_truth", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("annotations", sa.Column("edited_by_id", sa.Integer(), nullable=True))
    op.create_table(
        "annotation_reviews",
        id_column(),
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        timestamp("created_at"),
        references("annotation_reviews", "annotation_id", "annotations", ondelete="CASCADE"),
        references("annotation_reviews", "task_id", "tasks", ondelete="CASCADE"),
        references("annotation_reviews", "reviewer_id", "users", ondelete="SET NULL"),
        id_primary_key("annotation_reviews"),
    )
    op.create_index(
        op.f("ix_annotation_reviews_annotation_id"), "annotation_reviews", ["annotation_id"]
    )
    op.create_index(op.f("ix_annotation_reviews_task_id"), "annotation_reviews", ["task_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_annotation_reviews_task_id"), table_name="annotation_reviews")
    op.drop_index(op.f("ix_annotation_reviews_annotation_id"), table_name="annotation_reviews")
    op.drop_table("annotation_reviews")
    with op.batch_alter_table("annotations") as batch:
        batch.drop_column("edited_by_id")
        batch.drop_column("ground_truth")
