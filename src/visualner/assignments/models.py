"""Who works on a task: its annotators and its reviewer.

One row per (task, role, user). ``project_id`` repeats the task's project so "does this
project assign tasks?" and "this annotator's tasks" are each one index range, whatever the
size of the project.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, CreatedAt, IntPrimaryKey


class AssignmentRole(StrEnum):
    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"


class TaskAssignment(Base):
    __tablename__ = "task_assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "role", "user_id"),
        Index(
            "ix_task_assignments_project_id_role_user_id_task_id",
            "project_id",
            "role",
            "user_id",
            "task_id",
        ),
    )

    id: Mapped[IntPrimaryKey]
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    assigned_at: Mapped[CreatedAt]
