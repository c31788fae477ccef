"""Wire types of the job API shared by every route that starts a job."""

from __future__ import annotations

from pydantic import BaseModel


class JobStarted(BaseModel):
    """The id of a job just enqueued; follow it at ``/api/jobs/{id}``."""

    job_id: int
