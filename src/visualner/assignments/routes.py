"""Assigning tasks to annotators and a reviewer (managers)."""

from __future__ import annotations

from fastapi import APIRouter

from visualner.assignments import service
from visualner.assignments.schemas import AssignIn, AssignmentsOut
from visualner.deps import CurrentUser, IdPath, SessionDep
from visualner.projects.access import Capability, project_access
from visualner.tasks.selection import selected_task_ids

router = APIRouter(prefix="/api", tags=["assignments"])


@router.post("/projects/{project_id}/assignments", response_model=AssignmentsOut)
def assign(
    project_id: IdPath, body: AssignIn, user: CurrentUser, session: SessionDep
) -> AssignmentsOut:
    """Set the annotators and/or the reviewer of the selected tasks (managers); with
    ``distribute``, spread the selection's unassigned tasks evenly over the annotators."""
    access = project_access(session, user=user, project_id=project_id, capability=Capability.MANAGE)
    task_ids = selected_task_ids(session, project=access.project, selection=body)
    if body.distribute:
        outcome = service.distribute_tasks(
            session,
            project=access.project,
            task_ids=task_ids,
            annotators=body.annotators or [],
            reviewer=body.reviewer,
            limit=body.limit,
        )
    else:
        outcome = service.assign_tasks(
            session,
            project=access.project,
            task_ids=task_ids,
            annotators=body.annotators,
            reviewer=body.reviewer,
            set_reviewer="reviewer" in body.model_fields_set,
        )
    return AssignmentsOut(
        tasks=outcome.tasks, annotators=outcome.annotators, reviewer=outcome.reviewer
    )
