"""What the search index keeps beside the full-text tables: an annotation's labels and choices.

One row per (annotation, label) with the texts of that label's regions, and one per chosen
value. Database triggers (migrations 0005_search_index, 0016_annotation_terms_project) write
these rows from ``annotations.result`` in the same transaction as every insert, update or
delete of an annotation, whoever writes it (API saves, imports, renames), so
``label:``/``choice:`` never read annotation JSON at query time. An update rewrites only the
rows whose label, choice or text changed.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from visualner.db import Base, IntPrimaryKey


class AnnotationTerm(Base):
    __tablename__ = "annotation_terms"
    __table_args__ = (
        Index(
            "ix_annotation_terms_project_id_kind_name_task_id",
            "project_id",
            "kind",
            "name",
            "task_id",
        ),
    )

    id: Mapped[IntPrimaryKey]
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotations.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    #: the task's project (a trigger follows a task that changes project): a term of one
    #: project is one index range, counted without reading ``tasks``; no foreign key, so
    #: the column was added without rebuilding the table and its triggers
    project_id: Mapped[int]
    #: ``label`` or ``choice``
    kind: Mapped[str] = mapped_column(String(10))
    #: the label or the chosen value, as stored in the annotation
    name: Mapped[str] = mapped_column(String(200))
    #: the texts of the label's regions, one per line ('' for a choice)
    text: Mapped[str] = mapped_column(Text, default="")
