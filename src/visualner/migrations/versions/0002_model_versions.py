"""model versions: every trained pre-annotation model of a project

Revision ID: 0002_model_versions
Revises: 0001_initial_schema
Create Date: 2026-11-27 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import id_column, id_primary_key, references, timestamp

revision: str = "0002_model_versions"
down_revision: str | None = "0001_initial_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        id_column(),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("artifact_sha256", sa.String(length=64), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("features_version", sa.Integer(), nullable=False),
        sa.Column("training_hash", sa.String(length=64), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("train_tasks", sa.Integer(), nullable=False),
        sa.Column("train_pages", sa.Integer(), nullable=False),
        sa.Column("held_out_tasks", sa.Integer(), nullable=False),
        sa.Column("submitted_tasks", sa.Integer(), nullable=False),
        sa.Column("train_seconds", sa.Float(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        timestamp("created_at"),
        references("model_versions", "created_by_id", "users", ondelete="SET NULL"),
        references("model_versions", "project_id", "projects", ondelete="CASCADE"),
        id_primary_key("model_versions"),
        sa.UniqueConstraint("project_id", "version", name=op.f("uq_model_versions_project_id")),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_model_versions_artifact_sha256"), ["artifact_sha256"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_model_versions_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_versions_project_id"))
        batch_op.drop_index(batch_op.f("ix_model_versions_artifact_sha256"))

    op.drop_table("model_versions")
