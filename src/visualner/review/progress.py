"""Progress per annotator: what they submitted, what reviewers accepted and sent back, how
many regions their submitted annotations hold per task, and the median active time they
spent on one (measured by the labeling page)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation
from visualner.auth.usernames import usernames
from visualner.review.models import AnnotationReview, ReviewAction
from visualner.tasks.models import Task


@dataclass
class AnnotatorProgress:
    annotator: str
    tasks: int = 0
    submitted: int = 0
    accepted: int = 0
    to_correct: int = 0
    rejections: int = 0
    regions: int = 0
    active_ms: list[int] = field(default_factory=list)

    @property
    def regions_per_task(self) -> float | None:
        return self.regions / self.submitted if self.submitted else None

    @property
    def median_active_s(self) -> float | None:
        """Over the submitted annotations whose time was measured."""
        return statistics.median(self.active_ms) / 1000 if self.active_ms else None


def project_progress(session: Session, *, project_id: int) -> list[AnnotatorProgress]:
    """One row per annotator of the project's tasks, by name."""
    in_project = Task.project_id == project_id
    rows = session.execute(
        select(
            Annotation.user_id,
            Annotation.status,
            Annotation.review_status,
            Annotation.result,
            Annotation.active_ms,
        )
        .join(Task, Task.id == Annotation.task_id)
        .where(in_project, Annotation.user_id.is_not(None))
    ).all()
    rejections = dict(
        session.execute(
            select(Annotation.user_id, func.count())
            .join(AnnotationReview, AnnotationReview.annotation_id == Annotation.id)
            .join(Task, Task.id == Annotation.task_id)
            .where(in_project, AnnotationReview.action == ReviewAction.REJECT.value)
            .group_by(Annotation.user_id)
        ).all()
    )
    names = usernames(session, [user_id for user_id, *_ in rows])
    by_user: dict[int, AnnotatorProgress] = {}
    for user_id, status, review, result, active_ms in rows:
        progress = by_user.setdefault(user_id, AnnotatorProgress(names.get(user_id, "?")))
        progress.tasks += 1
        if status == "submitted":
            progress.submitted += 1
            progress.regions += len((result or {}).get("regions", []))
            if active_ms:
                progress.active_ms.append(active_ms)
        if review == "accepted":
            progress.accepted += 1
        elif review == "rejected" and status != "submitted":
            progress.to_correct += 1
    for user_id, progress in by_user.items():
        progress.rejections = int(rejections.get(user_id, 0))
    return sorted(by_user.values(), key=lambda p: p.annotator)
