"""The one way to start a job and the one way to save an annotation, called as services."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_PASSWORD
from tests.factories import add_member, admin_user, new_project, new_task, new_user
from visualner.annotations.models import Annotation, AnnotationVersion
from visualner.annotations.schemas import AnnotationBody
from visualner.annotations.service import save_annotation
from visualner.auth.models import User
from visualner.auth.usernames import usernames
from visualner.errors import Conflict, InvalidInput, PermissionDenied
from visualner.jobs.models import Job
from visualner.jobs.queue import JobQueue
from visualner.jobs.service import create_job, start_job
from visualner.runtime import Services
from visualner.tasks.models import Task


class WatchedQueue(JobQueue):
    """The real queue, noting what another connection sees of each job as it is enqueued."""

    seen: list[tuple[int, str | None]]

    def enqueue(self, job_id: int) -> None:
        with self.ctx.database.read() as session:
            status = session.scalar(select(Job.status).where(Job.id == job_id))
        self.seen.append((job_id, status))
        super().enqueue(job_id)


def _services(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def _watched_queue(services: Services) -> WatchedQueue:
    queue = WatchedQueue(services.job_context, services.registry)
    queue.seen = []
    return queue


def _admin(services: Services) -> User:
    with services.database.read() as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    return admin


def test_a_started_job_is_committed_before_it_is_enqueued(client: TestClient) -> None:
    queue = _watched_queue(_services(client))

    job_id = start_job(
        queue, lambda session: create_job(session, kind="export", user=None, project_id=None)
    )

    assert queue.seen == [(job_id, "queued")]
    assert queue.huey.pending_count() == 1


def test_a_job_whose_creator_refuses_is_neither_stored_nor_enqueued(client: TestClient) -> None:
    services = _services(client)
    queue = _watched_queue(services)

    def refuse(session: Session) -> Job:
        create_job(session, kind="export", user=None, project_id=None)
        raise PermissionDenied("only managers may start this")

    with pytest.raises(PermissionDenied):
        start_job(queue, refuse)
    with services.database.read() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0
    assert queue.seen == [] and queue.huey.pending_count() == 0


def test_a_creator_with_nothing_to_start_enqueues_nothing(client: TestClient) -> None:
    queue = _watched_queue(_services(client))
    assert start_job(queue, lambda session: None) is None
    assert queue.seen == [] and queue.huey.pending_count() == 0


def test_save_annotation_creates_then_versions_and_keeps_the_history(client: TestClient) -> None:
    services = _services(client)
    project = new_project(admin_user(client, ADMIN_PASSWORD))
    task_id = new_task(services, project["id"])
    admin = _admin(services)
    region = {"id": "q1", "label": "question", "tokens": [0, 1]}

    first = save_annotation(
        services.database,
        user=admin,
        body=AnnotationBody(regions=[region], status="draft"),
        task_id=task_id,
    )
    second = save_annotation(
        services.database,
        user=admin,
        body=AnnotationBody(regions=[region, {**region, "id": "a1", "tokens": [2]}]),
        annotation_id=first.annotation.id,
        based_on_version=1,
    )

    assert (first.annotation.version, first.submitted) == (1, False)
    assert (second.annotation.version, second.submitted) == (2, True)
    assert second.usernames == {admin.id: "admin"} and second.project_id == project["id"]
    with services.database.read() as session:
        kept = session.scalars(select(AnnotationVersion.version)).all()
        task = session.get(Task, task_id)
        assert kept == [1] and task is not None and task.status == "submitted"


def test_a_refused_or_stale_save_writes_nothing(client: TestClient) -> None:
    services = _services(client)
    project = new_project(admin_user(client, ADMIN_PASSWORD))
    task_id = new_task(services, project["id"])
    admin = _admin(services)
    with pytest.raises(InvalidInput, match="is not in the project's config"):
        save_annotation(
            services.database,
            user=admin,
            body=AnnotationBody(regions=[{"id": "r", "label": "PERSON", "tokens": [0]}]),
            task_id=task_id,
        )
    with services.database.read() as session:
        assert session.scalar(select(func.count()).select_from(Annotation)) == 0

    saved = save_annotation(services.database, user=admin, body=AnnotationBody(), task_id=task_id)
    with pytest.raises(Conflict, match="changed by someone else"):
        save_annotation(
            services.database,
            user=admin,
            body=AnnotationBody(regions=[{"id": "r", "label": "question", "tokens": [0]}]),
            annotation_id=saved.annotation.id,
            based_on_version=7,
        )
    with services.database.read() as session:
        stored = session.get(Annotation, saved.annotation.id)
        assert stored is not None and (stored.version, stored.result["regions"]) == (1, [])


def test_save_annotation_needs_exactly_one_target(client: TestClient) -> None:
    services = _services(client)
    admin = _admin(services)
    for targets in ({}, {"task_id": 1, "annotation_id": 1}):
        with pytest.raises(ValueError, match="exactly one of task_id and annotation_id"):
            save_annotation(services.database, user=admin, body=AnnotationBody(), **targets)
    with pytest.raises(ValueError, match="the version it was based on"):
        save_annotation(services.database, user=admin, body=AnnotationBody(), annotation_id=1)


def test_usernames_are_looked_up_once_and_skip_unknown_ids(client: TestClient) -> None:
    services = _services(client)
    admin = _admin(services)
    with services.database.read() as session:
        assert usernames(session, [admin.id, None, admin.id, 10_000]) == {admin.id: "admin"}
        assert usernames(session, [None]) == {}


def test_a_manager_cancels_a_queued_job_and_an_annotator_may_not(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    project = new_project(admin)
    annotator = new_user(admin)
    add_member(admin, project["id"], annotator, "annotator")
    started = admin.post(f"/api/projects/{project['id']}/exports", json={"format": "json"})
    assert started.status_code == 202, started.text
    cancel_url = f"/api/jobs/{started.json()['job_id']}/cancel"

    refused = annotator.post(cancel_url)
    cancelled = admin.post(cancel_url)
    again = admin.post(cancel_url)

    assert refused.status_code == 403
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    assert again.json()["status"] == "cancelled"
