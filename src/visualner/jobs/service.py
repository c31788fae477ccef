"""Creating jobs and reading their progress."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.errors import NotFound
from visualner.jobs.models import Job, JobItem
from visualner.projects.access import Capability, project_access


def create_job(
    session: Session,
    *,
    kind: str,
    user: User | None,
    project_id: int | None,
    params: dict[str, Any] | None = None,
) -> Job:
    """Store a queued job; the caller enqueues it after the transaction commits."""
    job = Job(
        kind=kind,
        project_id=project_id,
        params=params or {},
        created_by_id=user.id if user else None,
    )
    session.add(job)
    session.flush()
    return job


def visible_job(session: Session, *, user: User, job_id: int) -> Job:
    """A job the user may see: a job of a project they belong to, or their own."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    if job.project_id is not None:
        project_access(session, user=user, project_id=job.project_id, capability=Capability.VIEW)
    elif not user.is_admin and job.created_by_id != user.id:
        raise NotFound(f"no job {job_id}")
    return job


def job_items(
    session: Session, *, job_id: int, only_problems: bool = True, limit: int = 1000
) -> list[JobItem]:
    query = select(JobItem).where(JobItem.job_id == job_id)
    if only_problems:
        query = query.where(JobItem.status.in_(["failed", "skipped"]))
    return list(session.scalars(query.order_by(JobItem.position).limit(limit)))
