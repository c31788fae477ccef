"""Builders for users, projects and tasks through the real API or services."""

from __future__ import annotations

import itertools
import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from visualner.auth.models import User
from visualner.db import session_scope
from visualner.imports.native_rows import prepare_native_task
from visualner.imports.task_rows import insert_task
from visualner.projects.config import LabelConfig
from visualner.runtime import Services
from visualner.tasks.service import NewPage, create_task
from visualner.words import Word

_counter = itertools.count(1)
ADMIN = "admin"


class ApiUser:
    """A user seen through the API with a personal token."""

    def __init__(self, client: TestClient, username: str, token: str) -> None:
        self.client = client
        self.username = username
        self.headers = {"Authorization": f"Token {token}"}

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, headers=self.headers, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.client.post(url, headers=self.headers, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.client.put(url, headers=self.headers, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Any:
        return self.client.patch(url, headers=self.headers, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.client.delete(url, headers=self.headers, **kwargs)


def login_token(client: TestClient, username: str, password: str) -> str:
    """Log in with the cookie, create an API token with it, and drop the cookie."""
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    csrf = response.json()["csrf_token"]
    created = client.post("/api/tokens", json={"name": "tests"}, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.text
    client.cookies.clear()
    return str(created.json()["key"])


def admin_user(client: TestClient, password: str) -> ApiUser:
    return ApiUser(client, ADMIN, login_token(client, ADMIN, password))


def new_user(admin: ApiUser, *, prefix: str = "user", is_admin: bool = False) -> ApiUser:
    username = f"{prefix}{next(_counter)}"
    password = f"pw-{username}-long"
    response = admin.post(
        "/api/users", json={"username": username, "password": password, "is_admin": is_admin}
    )
    assert response.status_code == 201, response.text
    return ApiUser(admin.client, username, login_token(admin.client, username, password))


def new_project(owner: ApiUser, *, title: str = "Forms", template: str = "forms") -> dict[str, Any]:
    response = owner.post("/api/projects", json={"title": title, "template": template})
    assert response.status_code == 201, response.text
    project: dict[str, Any] = response.json()
    return project


def add_member(manager: ApiUser, project_id: int, member: ApiUser, role: str) -> None:
    response = manager.post(
        f"/api/projects/{project_id}/members", json={"username": member.username, "role": role}
    )
    assert response.status_code == 200, response.text


def sample_words(count: int = 6) -> list[Word]:
    return [
        Word(
            text=f"word{i}",
            bbox=(
                10.0 + 60 * (i % 10),
                20.0 + 30 * (i // 10),
                60.0 + 60 * (i % 10),
                40.0 + 30 * (i // 10),
            ),
            confidence=0.9,
            line=i // 10,
            block=0,
        )
        for i in range(count)
    ]


def new_task(
    services: Services,
    project_id: int,
    *,
    pages: int = 1,
    words_per_page: int = 6,
    title: str = "doc.png",
) -> int:
    """A task with pages and words, stored through the task service."""
    with session_scope(services.database.write) as session:
        task = create_task(
            session,
            project_id=project_id,
            title=title,
            data={"image": title},
            pages=[
                NewPage(
                    width=800,
                    height=1000,
                    words=sample_words(words_per_page),
                    words_source="ocr",
                    ocr_engine="test-fixture",
                )
                for _ in range(pages)
            ],
        )
        return task.id


def store_native_task(
    session: Session,
    *,
    project_id: int,
    raw_task: dict[str, Any],
    config: LabelConfig,
    where: str = "task",
) -> int:
    """Store a task of our JSON export as it was exported, to rebuild a project's state:
    checked and bulk-inserted as the import job does, but authors matched by username and
    review statuses kept (an import makes them the importer's and drops reviews), and page
    types taken from the JSON. Returns the task's id."""
    media_types = {
        page["image"]["sha256"]: page["image"].get("mime") or "image/png"
        for page in raw_task.get("pages") or []
        if page.get("image")
    }
    prepared = prepare_native_task(
        raw_task,
        config=config,
        importing_user_id=None,
        image_media_types=media_types,
        where=where,
    )
    for row, raw in zip(prepared.annotations, raw_task.get("annotations") or [], strict=True):
        author = raw.get("user")
        row["user_id"] = (
            session.scalar(select(User.id).where(User.username == author)) if author else None
        )
        row["imported_from"] = ""
        row["review_status"] = str(raw.get("review_status") or "")
    return insert_task(session, project_id=project_id, import_job_id=None, task=prepared)


def project_page_image(services: Services, project_id: int, content: bytes) -> str:
    """Store ``content`` as the page image of a new task of the project, so that JSON
    imports into the project may name it; returns its sha256."""
    sha = services.blobs.put_bytes(content)
    with session_scope(services.database.write) as session:
        create_task(
            session,
            project_id=project_id,
            title="page image",
            data={"image": "page.png"},
            pages=[NewPage(width=600, height=200, image_sha256=sha)],
        )
    return sha


def wait_for_job(user: ApiUser, job_id: int, timeout_s: float = 60) -> dict[str, Any]:
    """The job once it has finished (succeeded, failed or cancelled)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = user.get(f"/api/jobs/{job_id}").json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout_s}s")


def import_files(user: ApiUser, project_id: int, files: list[tuple[str, bytes]]) -> dict[str, Any]:
    """Upload files to the project's import without OCR and wait for the job; the job."""
    started = user.post(
        f"/api/projects/{project_id}/import",
        files=[("files", file) for file in files],
        data={"options": '{"ocr": false}'},
    )
    assert started.status_code == 202, started.text
    return wait_for_job(user, started.json()["job_id"])
