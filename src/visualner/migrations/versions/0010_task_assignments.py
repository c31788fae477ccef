"""task assignments: a task's annotators and its reviewer

Revision ID: 0010_task_assignments
Revises: 0009_cloud_storages
Create Date: 2026-12-04 14:20:00.000000

A new table only (no rebuilt tables, so the search-index triggers of 0005/0006 stay).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import id_column, id_primary_key, references, timestamp

revision: str = "0010_task_assignments"
down_revision: str | None = "0009_cloud_storages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "task_assignments",
        id_column(),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        timestamp("assigned_at"),
        references("task_assignments", "project_id", "projects", ondelete="CASCADE"),
        references("task_assignments", "task_id", "tasks", ondelete="CASCADE"),
        references("task_assignments", "user_id", "users", ondelete="CASCADE"),
        id_primary_key("task_assignments"),
        sa.UniqueConstraint("task_id", "role", "user_id", name=op.f("uq_task_assignments_task_id")),
    )
    op.create_index(
        "ix_task_assignments_project_id_role_user_id_task_id",
        "task_assignments",
        ["project_id", "role", "user_id", "task_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_task_assignments_project_id_role_user_id_task_id", table_name="task_assignments"
    )
    op.drop_table("task_assignments")
