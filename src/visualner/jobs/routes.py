"""Job progress and per-item errors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status

from visualner.deps import CurrentUser, ServicesDep, SessionDep
from visualner.errors import PermissionDenied
from visualner.jobs.models import Job
from visualner.jobs.service import job_items, visible_job
from visualner.projects.access import Capability, project_access

router = APIRouter(prefix="/api", tags=["jobs"])


def job_json(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "project_id": job.project_id,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "failed": job.failed,
        "progress": round((job.done + job.failed) / job.total, 4) if job.total else 0.0,
        "error": job.error,
        "result": job.result,
        "params": job.params,
        "attempts": job.attempts,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@router.get("/jobs/{job_id}")
def get_job(
    job_id: int,
    user: CurrentUser,
    session: SessionDep,
    all_items: bool = Query(False, description="also list every item with its result"),
) -> dict[str, Any]:
    """Progress (done/total/failed) and the error of every failed or skipped item; with
    ``?all_items=true`` also every item and its result (e.g. the task it created)."""
    job = visible_job(session, user=user, job_id=job_id)
    payload = job_json(job)
    payload["errors"] = [
        {"position": item.position, "name": item.name, "status": item.status, "error": item.error}
        for item in job_items(session, job_id=job_id, only_problems=True)
    ]
    if all_items:
        payload["items"] = [
            {
                "position": item.position,
                "name": item.name,
                "status": item.status,
                "error": item.error,
                "result": item.result,
            }
            for item in job_items(session, job_id=job_id, only_problems=False)
        ]
    return payload


@router.post("/jobs/{job_id}/cancel", status_code=status.HTTP_202_ACCEPTED)
def cancel_job(
    job_id: int, user: CurrentUser, session: SessionDep, services: ServicesDep
) -> dict[str, Any]:
    job = visible_job(session, user=user, job_id=job_id)
    if job.project_id is not None:
        project_access(session, user=user, project_id=job.project_id, capability=Capability.MANAGE)
    elif not user.is_admin and job.created_by_id != user.id:
        raise PermissionDenied("only its creator or an admin may cancel this job")
    session.commit()
    services.queue.cancel(job_id)
    session.refresh(job)
    return job_json(job)
