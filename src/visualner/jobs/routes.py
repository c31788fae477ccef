"""Job progress and per-item errors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status

from visualner.deps import CurrentUser, IdPath, ServicesDep, SessionDep
from visualner.jobs import service
from visualner.jobs.models import Job
from visualner.jobs.service import job_items, visible_job

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
    job_id: IdPath,
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
def cancel_job(job_id: IdPath, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """Cancel a queued or running job (project managers; the creator or an admin for a job
    without a project)."""
    return job_json(service.cancel_job(services.queue, user=user, job_id=job_id))
