"""task annotators: who annotated a task, kept by triggers, so the list sorts by it

Revision ID: 0006_task_annotators
Revises: 0005_search_index
Create Date: 2026-12-04 11:40:00.000000

``tasks.annotators`` holds the usernames of the task's annotations' authors, sorted and
joined by ", "; triggers on ``annotations`` rewrite it in the transaction of every insert,
delete or change of author (a renamed user shows under the new name from the task's next
save on).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import create_sqlite_row_triggers, drop_sqlite_row_triggers

revision: str = "0006_task_annotators"
down_revision: str | None = "0005_search_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_NAMES = """
UPDATE tasks SET annotators = coalesce((
  SELECT group_concat(username, ', ') FROM (
    SELECT DISTINCT users.username AS username FROM annotations
    JOIN users ON users.id = annotations.user_id
    WHERE annotations.task_id = {task_id} ORDER BY users.username)), '')
WHERE id = {task_id}
"""
PG_NAMES = """
UPDATE tasks SET annotators = coalesce((
  SELECT string_agg(DISTINCT users.username, ', ' ORDER BY users.username) FROM annotations
  JOIN users ON users.id = annotations.user_id WHERE annotations.task_id = {task_id}), '')
WHERE id = {task_id}
"""
PG_FUNCTION = """
CREATE FUNCTION tasks_annotators_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {old};
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    {new};
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tasks_annotators AFTER INSERT OR DELETE OR UPDATE OF user_id, task_id
  ON annotations FOR EACH ROW EXECUTE FUNCTION tasks_annotators_refresh();
"""


def upgrade() -> None:
    op.add_column("tasks", sa.Column("annotators", sa.Text(), nullable=False, server_default=""))
    op.create_index(
        "ix_tasks_project_id_annotators_id", "tasks", ["project_id", "annotators", "id"]
    )
    if op.get_bind().dialect.name == "sqlite":
        new = SQLITE_NAMES.format(task_id="new.task_id") + ";"
        old = SQLITE_NAMES.format(task_id="old.task_id") + ";"
        create_sqlite_row_triggers(
            "tasks_annotators", "annotations", update_of="user_id, task_id", on_new=new, on_old=old
        )
        op.execute(SQLITE_NAMES.format(task_id="tasks.id"))
    else:
        op.execute(
            PG_FUNCTION.format(
                old=PG_NAMES.format(task_id="OLD.task_id"),
                new=PG_NAMES.format(task_id="NEW.task_id"),
            )
        )
        op.execute(PG_NAMES.format(task_id="tasks.id"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        drop_sqlite_row_triggers("tasks_annotators")
    else:
        op.execute("DROP TRIGGER IF EXISTS tasks_annotators ON annotations")
        op.execute("DROP FUNCTION IF EXISTS tasks_annotators_refresh()")
    op.drop_index("ix_tasks_project_id_annotators_id", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("annotators")
