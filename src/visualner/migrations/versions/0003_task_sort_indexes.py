"""task sort indexes: the task list sorted by title, update date or page count stays fast

Revision ID: 0003_task_sort_indexes
Revises: 0002_model_versions
Create Date: 2026-11-25 05:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_task_sort_indexes"
down_revision: str | None = "0002_model_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_INDEXES = {
    "ix_tasks_project_id_title_id": ["project_id", "title", "id"],
    "ix_tasks_project_id_updated_at_id": ["project_id", "updated_at", "id"],
    "ix_tasks_project_id_page_count_id": ["project_id", "page_count", "id"],
}


def upgrade() -> None:
    for name, columns in SORT_INDEXES.items():
        op.create_index(name, "tasks", columns, unique=False)


def downgrade() -> None:
    for name in SORT_INDEXES:
        op.drop_index(name, table_name="tasks")
