"""task numbers: each task's number in its project (the first task is 1)

Revision ID: 0013_task_numbers
Revises: 0012_annotation_reviews
Create Date: 2026-12-04 15:00:00.000000

Task ids are global, so a project's first task showed as "#7". ``tasks.number`` is given from
``projects.tasks_numbered`` when a task is added (never reused, so numbers stay put after
deletes); existing tasks are numbered in id order. Plain added columns: the tasks table is
not rebuilt, so the search triggers of 0005/0006 stay.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_task_numbers"
down_revision: str | None = "0012_annotation_reviews"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tasks", sa.Column("number", sa.Integer(), nullable=True))
    op.add_column(
        "projects",
        sa.Column("tasks_numbered", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        """
        UPDATE tasks SET number = (
            SELECT COUNT(*) FROM tasks AS earlier
            WHERE earlier.project_id = tasks.project_id AND earlier.id <= tasks.id
        )
        """
    )
    op.execute(
        """
        UPDATE projects SET tasks_numbered = COALESCE(
            (SELECT MAX(number) FROM tasks WHERE tasks.project_id = projects.id), 0
        )
        """
    )
    op.create_index("ix_tasks_project_id_number", "tasks", ["project_id", "number"])


def downgrade() -> None:
    op.drop_index("ix_tasks_project_id_number", table_name="tasks")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("tasks_numbered")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("number")
