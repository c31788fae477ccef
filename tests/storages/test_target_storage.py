"""Target storages: a submitted annotation is written to the bucket as its task's JSON (after
the save, by a job); a full export job can write its file to a target storage."""

from __future__ import annotations

import json
import time
from typing import Any

import obstore
from obstore.store import S3Store
from sqlalchemy import select

from tests.factories import add_member, new_project, new_task, new_user
from tests.storages.conftest import CloudProject
from visualner.db import session_scope
from visualner.jobs.models import Job
from visualner.runtime import Services
from visualner.storages.targets import TARGET_KIND


def _read_when_there(store: S3Store, key: str, timeout_s: float = 60) -> bytes:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            return bytes(obstore.get(store, key).bytes())
        except FileNotFoundError:
            time.sleep(0.2)
    raise AssertionError(f"{key} was not written in {timeout_s}s")


def _keys(store: S3Store) -> list[str]:
    return sorted(meta["path"] for batch in obstore.list(store) for meta in batch)


def _annotation(status: str) -> dict[str, Any]:
    return {
        "regions": [{"id": "r1", "label": "question", "bbox": [1, 1, 50, 20]}],
        "status": status,
    }


def test_a_submitted_annotation_is_written_to_the_target_storage(cloud: CloudProject) -> None:
    services: Services = cloud.admin.client.app.state.services  # type: ignore[attr-defined]
    cloud.add_storage("target", export_format="labelstudio")
    annotator = new_user(cloud.admin, prefix="annotator")
    add_member(cloud.admin, cloud.project_id, annotator, "annotator")
    drafted = new_task(services, cloud.project_id, title="draft.png")
    submitted = new_task(services, cloud.project_id, title="done.png")

    draft = annotator.post(f"/api/tasks/{drafted}/annotations", json=_annotation("draft"))
    assert draft.status_code == 201, draft.text
    saved = annotator.post(f"/api/tasks/{submitted}/annotations", json=_annotation("submitted"))
    assert saved.status_code == 201, saved.text

    written = json.loads(_read_when_there(cloud.bucket_store, f"task-{submitted}.json"))
    assert [t["id"] for t in written] == [submitted]
    labels = [
        r["value"]["rectanglelabels"]
        for a in written[0]["annotations"]
        for r in a["result"]
        if "rectanglelabels" in r["value"]
    ]
    assert labels == [["question"]]
    assert _keys(cloud.bucket_store) == [f"task-{submitted}.json"]  # never the draft task


def test_an_export_job_writes_its_file_to_a_target_storage(cloud: CloudProject) -> None:
    services: Services = cloud.admin.client.app.state.services  # type: ignore[attr-defined]
    target = cloud.add_storage("target")
    source = cloud.add_storage("source")
    task_id = new_task(services, cloud.project_id)
    saved = cloud.admin.post(f"/api/tasks/{task_id}/annotations", json=_annotation("submitted"))
    assert saved.status_code == 201
    url = f"/api/projects/{cloud.project_id}/exports"
    wrong = cloud.admin.post(url, json={"target_storage_id": source["id"]})
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "target_storage_id"
    other_project = new_project(cloud.admin)["id"]
    elsewhere = cloud.admin.post(
        f"/api/projects/{other_project}/storages", json=cloud.storage_body("target")
    ).json()
    assert cloud.admin.post(url, json={"target_storage_id": elsewhere["id"]}).status_code == 404
    reviewer = new_user(cloud.admin, prefix="reviewer")
    add_member(cloud.admin, cloud.project_id, reviewer, "reviewer")
    assert reviewer.post(url, json={"target_storage_id": target["id"]}).status_code == 403

    started = cloud.admin.post(url, json={"format": "json", "target_storage_id": target["id"]})
    assert started.status_code == 202, started.text
    job = cloud.wait(started.json()["job_id"])
    assert job["status"] == "succeeded", job
    key = job["result"]["storage_key"]
    assert key.startswith(cloud.prefix + "/") and key.endswith(".json")
    exported = json.loads(_read_when_there(cloud.bucket_store, key.split("/", 1)[1]))
    assert [t["id"] for t in exported] == [task_id]


def test_a_bucket_that_refuses_the_write_never_fails_the_save(cloud: CloudProject) -> None:
    services: Services = cloud.admin.client.app.state.services  # type: ignore[attr-defined]
    cloud.add_storage("target", secret_access_key="not-the-secret")
    task_id = new_task(services, cloud.project_id)
    saved = cloud.admin.post(f"/api/tasks/{task_id}/annotations", json=_annotation("submitted"))
    assert saved.status_code == 201, saved.text
    with session_scope(services.database.read) as session:
        job_id = session.scalar(select(Job.id).where(Job.kind == TARGET_KIND))
    assert job_id is not None
    job = cloud.wait(job_id)
    assert job["failed"] == 1
    assert f"cannot write task-{task_id}.json" in job["errors"][0]["error"]
    assert _keys(cloud.bucket_store) == []


def test_deleting_the_submitted_annotation_removes_the_tasks_file(cloud: CloudProject) -> None:
    services: Services = cloud.admin.client.app.state.services  # type: ignore[attr-defined]
    cloud.add_storage("target")
    task_id = new_task(services, cloud.project_id)
    saved = cloud.admin.post(f"/api/tasks/{task_id}/annotations", json=_annotation("submitted"))
    assert saved.status_code == 201, saved.text
    _read_when_there(cloud.bucket_store, f"task-{task_id}.json")
    assert cloud.admin.delete(f"/api/annotations/{saved.json()['id']}").status_code == 204
    deadline = time.monotonic() + 60
    while _keys(cloud.bucket_store) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _keys(cloud.bucket_store) == []


def test_a_reviewed_target_gets_the_task_once_a_reviewer_accepts_it(cloud: CloudProject) -> None:
    services: Services = cloud.admin.client.app.state.services  # type: ignore[attr-defined]
    cloud.add_storage("target", export_only="reviewed")
    annotator = new_user(cloud.admin, prefix="annotator")
    add_member(cloud.admin, cloud.project_id, annotator, "annotator")
    task_id = new_task(services, cloud.project_id)
    saved = annotator.post(f"/api/tasks/{task_id}/annotations", json=_annotation("submitted"))
    assert saved.status_code == 201, saved.text
    with session_scope(services.database.read) as session:
        first_job = session.scalar(select(Job.id).where(Job.kind == TARGET_KIND))
    assert first_job is not None
    assert cloud.wait(first_job)["result"]["written"] == []  # submitted, not yet accepted
    accepted = cloud.admin.post(
        f"/api/annotations/{saved.json()['id']}/review",
        json={"action": "accept", "version": saved.json()["version"]},
    )
    assert accepted.status_code == 200, accepted.text
    written = json.loads(_read_when_there(cloud.bucket_store, f"task-{task_id}.json"))
    assert [t["id"] for t in written] == [task_id]
