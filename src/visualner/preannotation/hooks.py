"""Calls other domains make into pre-annotation: retraining after newly submitted work.

``retrain_if_due`` is meant to run after an annotation is saved as submitted (as a FastAPI
background task, so after the save has committed). It opens its own short transaction.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.db import session_scope
from visualner.jobs.models import Job
from visualner.jobs.queue import JobQueue
from visualner.jobs.service import start_job
from visualner.preannotation.examples import MIN_TASKS
from visualner.preannotation.models import ModelVersion
from visualner.preannotation.service import (
    TRAIN_KIND,
    count_submitted_tasks,
    create_train_job,
    model_settings,
    pending_job,
)
from visualner.projects.models import Project

log = logging.getLogger(__name__)


def retrains_automatically(project: Project) -> bool:
    """Does the project retrain its model every ``model_retrain_every`` submitted tasks? A
    submitted save starts ``retrain_if_due`` only then."""
    return int(model_settings(project)["model_retrain_every"] or 0) > 0


def retrain_if_due(queue: JobQueue, *, project_id: int, user_id: int | None) -> int | None:
    """Start a training job when ``model_retrain_every`` tasks were submitted since the last
    one (counting from the last training job, finished or not); returns the job id."""
    with session_scope(queue.ctx.database.read) as session:
        project = session.get(Project, project_id)
        if project is None or not retrains_automatically(project):
            return None  # the common case decides without taking the write lock

    def create(session: Session) -> Job | None:
        project = session.get(Project, project_id)
        if project is None:
            return None
        every = int(model_settings(project)["model_retrain_every"] or 0)
        if every <= 0 or pending_job(session, project_id=project_id, kind=TRAIN_KIND):
            return None
        submitted = count_submitted_tasks(session, project_id=project_id)
        trained_on = session.scalar(
            select(func.max(ModelVersion.submitted_tasks)).where(
                ModelVersion.project_id == project_id
            )
        )
        last_job = session.scalar(
            select(Job.params)
            .where(Job.project_id == project_id, Job.kind == TRAIN_KIND)
            .order_by(Job.id.desc())
            .limit(1)
        )
        baseline = max(int(trained_on or 0), int((last_job or {}).get("submitted_tasks", 0)))
        if submitted < MIN_TASKS or submitted - baseline < every:
            return None
        user = session.get(User, user_id) if user_id else None
        job = create_train_job(session, project=project, user=user, reason="auto")
        log.info(
            "project %s: %d tasks submitted, retraining in job %s", project_id, submitted, job.id
        )
        return job

    return start_job(queue, create)
