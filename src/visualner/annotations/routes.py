"""Saving and reading annotations; a stale save answers 409."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, status

from visualner.annotations import service
from visualner.annotations.schemas import (
    AnnotationBody,
    AnnotationOut,
    AnnotationUpdate,
    AnnotationVersionOut,
)
from visualner.assignments.visibility import (
    annotation_access,
    own_annotations_only,
    task_access,
)
from visualner.auth.usernames import usernames
from visualner.deps import CallerReadsDep, CurrentUser, IdPath, ServicesDep, SessionDep
from visualner.errors import PermissionDenied
from visualner.preannotation.hooks import retrain_if_due, retrains_automatically
from visualner.projects.access import Capability
from visualner.storages.targets import write_to_targets_if_any
from visualner.tasks.presenters import annotation_json, people_of_annotations

router = APIRouter(prefix="/api", tags=["annotations"])


@router.post(
    "/tasks/{task_id}/annotations",
    response_model=AnnotationOut,
    status_code=status.HTTP_201_CREATED,
)
def create_annotation(
    task_id: IdPath,
    body: AnnotationBody,
    caller: CallerReadsDep,
    services: ServicesDep,
    background_tasks: BackgroundTasks,
) -> dict[str, object]:
    """Save a new annotation (``{regions, relations, choices, status}``); answers its
    ``id`` and ``version``."""
    saved = service.save_annotation(
        services.database, user=caller.user, body=body, task_id=task_id, reads=caller.session
    )
    return _answer(saved, services, background_tasks, caller.user)


def _answer(
    saved: service.SavedAnnotation,
    services: ServicesDep,
    background_tasks: BackgroundTasks,
    user: CurrentUser,
) -> dict[str, object]:
    """The saved annotation's JSON; a submitted one may be due to retrain the project's model
    and is written to the project's target storages (both started after the response, in
    their own transactions: the save never waits for them). Neither is started for a
    project without automatic retraining or target storages (the save read both)."""
    if saved.submitted and retrains_automatically(saved.project):
        background_tasks.add_task(
            retrain_if_due, services.queue, project_id=saved.project_id, user_id=user.id
        )
    if saved.submitted and saved.has_target_storages:
        background_tasks.add_task(
            write_to_targets_if_any, services.queue, task_id=saved.annotation.task_id
        )
    return annotation_json(saved.annotation, saved.usernames)


@router.get("/tasks/{task_id}/annotations", response_model=list[AnnotationOut])
def list_annotations(
    task_id: IdPath, user: CurrentUser, session: SessionDep
) -> list[dict[str, object]]:
    access = task_access(session, user=user, task_id=task_id).access
    annotations = own_annotations_only(
        access, service.annotations_of_task(session, task_id=task_id)
    )
    names = usernames(session, people_of_annotations(annotations))
    return [annotation_json(a, names) for a in annotations]


@router.get("/annotations/{annotation_id}", response_model=AnnotationOut)
def get_annotation(
    annotation_id: IdPath, user: CurrentUser, session: SessionDep
) -> dict[str, object]:
    annotation = service.get_annotation(session, annotation_id)
    annotation_access(session, user=user, annotation=annotation)
    return annotation_json(annotation, usernames(session, people_of_annotations([annotation])))


@router.put("/annotations/{annotation_id}", response_model=AnnotationOut)
def update_annotation(
    annotation_id: IdPath,
    body: AnnotationUpdate,
    caller: CallerReadsDep,
    services: ServicesDep,
    background_tasks: BackgroundTasks,
) -> dict[str, object]:
    """Save a new version. Send the ``version`` you started from; if someone saved in
    between, the answer is 409 and nothing is overwritten."""
    saved = service.save_annotation(
        services.database,
        user=caller.user,
        body=body,
        annotation_id=annotation_id,
        based_on_version=body.version,
        reads=caller.session,
    )
    return _answer(saved, services, background_tasks, caller.user)


@router.get("/annotations/{annotation_id}/versions", response_model=list[AnnotationVersionOut])
def list_versions(
    annotation_id: IdPath, user: CurrentUser, session: SessionDep
) -> list[AnnotationVersionOut]:
    """The earlier versions of an annotation, newest first."""
    annotation = service.get_annotation(session, annotation_id)
    annotation_access(session, user=user, annotation=annotation)
    versions = service.annotation_versions(session, annotation_id=annotation_id)
    names = usernames(session, (v.user_id for v in versions))
    return [
        AnnotationVersionOut(
            version=v.version,
            status=v.status,
            user=names.get(v.user_id) if v.user_id else None,
            created_at=v.created_at,
            region_count=len(v.result.get("regions", [])),
        )
        for v in versions
    ]


@router.delete("/annotations/{annotation_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_annotation(
    annotation_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    services: ServicesDep,
    background_tasks: BackgroundTasks,
) -> None:
    """Delete an annotation (its author, reviewers and managers); the task's file in the
    project's target storages is written again, or removed (after the response)."""
    annotation = service.get_annotation(session, annotation_id)
    found = task_access(
        session, user=user, task_id=annotation.task_id, capability=Capability.ANNOTATE
    )
    task, access = found.task, found.access
    if annotation.user_id != user.id and not access.can(Capability.REVIEW):
        raise PermissionDenied("only its author, a reviewer or a manager may delete this")
    session.delete(annotation)
    session.flush()
    service.refresh_task_status(session, task_id=task.id)
    background_tasks.add_task(write_to_targets_if_any, services.queue, task_id=task.id)
