"""one annotation per user per task: duplicates merged into one history, then a unique rule

A user who opened a task in two tabs could create two annotations of it. Each group of such
duplicates becomes one annotation: the one kept is the accepted one, else a submitted one,
else the most recently saved; every state of the others (their earlier versions and their
current state) is appended to its history, oldest first, before its own current state, so no
saved work is lost. Then ``(task_id, user_id)`` is made unique (annotations without an account
are exempt: NULLs never collide).

Revision ID: 0004_one_annotation_per_user
Revises: 0003_task_sort_indexes
Create Date: 2026-11-28 10:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import visualner.db

revision: str = "0004_one_annotation_per_user"
down_revision: str | None = "0003_task_sort_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANNOTATIONS = sa.table(
    "annotations",
    sa.column("id", sa.Integer),
    sa.column("task_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("version", sa.Integer),
    sa.column("result", sa.JSON),
    sa.column("review_status", sa.String),
    sa.column("updated_at", visualner.db.UTCDateTime),
)
VERSIONS = sa.table(
    "annotation_versions",
    sa.column("id", sa.Integer),
    sa.column("annotation_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("status", sa.String),
    sa.column("result", sa.JSON),
    sa.column("user_id", sa.Integer),
    sa.column("created_at", visualner.db.UTCDateTime),
)
TASKS = sa.table("tasks", sa.column("id", sa.Integer), sa.column("annotation_count", sa.Integer))


def _keeper_rank(row: Any) -> tuple[bool, bool, Any, int]:
    return (row.review_status == "accepted", row.status == "submitted", row.updated_at, row.id)


def _merge_group(conn: sa.Connection, task_id: int, user_id: int) -> None:
    rows = conn.execute(
        sa.select(ANNOTATIONS).where(
            ANNOTATIONS.c.task_id == task_id, ANNOTATIONS.c.user_id == user_id
        )
    ).all()
    keeper = max(rows, key=_keeper_rank)
    others = [row for row in rows if row.id != keeper.id]
    other_ids = [row.id for row in others]
    states = [
        {
            "status": v.status,
            "result": v.result,
            "user_id": v.user_id,
            "created_at": v.created_at,
            "order": (v.created_at, v.annotation_id, v.version),
        }
        for v in conn.execute(
            sa.select(VERSIONS).where(VERSIONS.c.annotation_id.in_(other_ids))
        ).all()
    ]
    states += [
        {
            "status": row.status,
            "result": row.result,
            "user_id": row.user_id,
            "created_at": row.updated_at,
            "order": (row.updated_at, row.id, row.version),
        }
        for row in others
    ]
    states.sort(key=lambda state: state["order"])
    if states:
        conn.execute(
            sa.insert(VERSIONS),
            [
                {
                    "annotation_id": keeper.id,
                    "version": keeper.version + offset,
                    "status": state["status"],
                    "result": state["result"],
                    "user_id": state["user_id"],
                    "created_at": state["created_at"],
                }
                for offset, state in enumerate(states)
            ],
        )
    conn.execute(sa.delete(VERSIONS).where(VERSIONS.c.annotation_id.in_(other_ids)))
    conn.execute(sa.delete(ANNOTATIONS).where(ANNOTATIONS.c.id.in_(other_ids)))
    conn.execute(
        sa.update(ANNOTATIONS)
        .where(ANNOTATIONS.c.id == keeper.id)
        .values(version=keeper.version + len(states))
    )
    count = (
        sa.select(sa.func.count())
        .select_from(ANNOTATIONS)
        .where(ANNOTATIONS.c.task_id == task_id)
        .scalar_subquery()
    )
    conn.execute(sa.update(TASKS).where(TASKS.c.id == task_id).values(annotation_count=count))


def upgrade() -> None:
    conn = op.get_bind()
    groups = conn.execute(
        sa.select(ANNOTATIONS.c.task_id, ANNOTATIONS.c.user_id)
        .where(ANNOTATIONS.c.user_id.is_not(None))
        .group_by(ANNOTATIONS.c.task_id, ANNOTATIONS.c.user_id)
        .having(sa.func.count() > 1)
    ).all()
    for task_id, user_id in groups:
        _merge_group(conn, task_id, user_id)
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_annotations_task_id"), ["task_id", "user_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_annotations_task_id"), type_="unique")
