"""Creating and starting jobs, and reading their progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.db import session_scope
from visualner.errors import NotFound, PermissionDenied
from visualner.jobs.models import Job, JobItem
from visualner.jobs.queue import JobQueue
from visualner.projects.access import Capability, project_access


def create_job(
    session: Session,
    *,
    kind: str,
    user: User | None,
    project_id: int | None,
    params: dict[str, Any] | None = None,
) -> Job:
    """Store a queued job (``start_job`` commits and enqueues it)."""
    job = Job(
        kind=kind,
        project_id=project_id,
        params=params or {},
        created_by_id=user.id if user else None,
    )
    session.add(job)
    session.flush()
    return job


@overload
def start_job(queue: JobQueue, create: Callable[[Session], Job]) -> int: ...


@overload
def start_job(queue: JobQueue, create: Callable[[Session], Job | None]) -> int | None: ...


def start_job(queue: JobQueue, create: Callable[[Session], Job | None]) -> int | None:
    """Create a job in its own write transaction, then enqueue it once that has committed.

    ``create`` checks access and builds the job (with ``create_job``) inside the transaction,
    or returns None when there is nothing to start (the retrain hook); when it raises, nothing
    is stored or enqueued. Enqueueing only after the commit means a worker never picks up a
    job whose row it cannot see yet. Returns the job's id.
    """
    with session_scope(queue.ctx.database.write) as session:
        job = create(session)
        job_id = job.id if job is not None else None
    if job_id is not None:
        queue.enqueue(job_id)
    return job_id


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


def cancel_job(queue: JobQueue, *, user: User, job_id: int) -> Job:
    """Cancel a queued or running job (its project's managers, or for a job without a project
    its creator or an admin); returns the job as it is afterwards. A running job stops at its
    next item; a finished one is left as it ended."""
    with queue.ctx.database.read() as session:
        job = visible_job(session, user=user, job_id=job_id)
        if job.project_id is not None:
            project_access(
                session, user=user, project_id=job.project_id, capability=Capability.MANAGE
            )
        elif not user.is_admin and job.created_by_id != user.id:
            raise PermissionDenied("only its creator or an admin may cancel this job")
    queue.cancel(job_id)
    with queue.ctx.database.read() as session:
        return visible_job(session, user=user, job_id=job_id)
