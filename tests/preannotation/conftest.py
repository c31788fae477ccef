"""A project built from FUNSD forms: words as OCR words, gold entities as submitted work."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.datasets import FUNSD_TRAINING
from tests.factories import ApiUser, admin_user, new_project, wait_for_job
from visualner.annotations.schemas import AnnotationBody
from visualner.annotations.service import store_new_annotation, validate_annotation
from visualner.app import create_app
from visualner.auth.models import User
from visualner.db import session_scope
from visualner.model.funsd import parse_funsd
from visualner.model.tagger import LabeledPage
from visualner.projects.config import parse_label_config
from visualner.projects.models import Project
from visualner.runtime import Services
from visualner.tasks.models import Task
from visualner.tasks.service import NewPage, create_task

FORMS = 12


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def load_forms(count: int) -> list[LabeledPage]:
    """The first ``count`` FUNSD training forms by name; skips the test without the data."""
    folder = FUNSD_TRAINING / "annotations"
    if not folder.is_dir():
        pytest.skip(f"FUNSD is not at {FUNSD_TRAINING}")
    pages = []
    for path in sorted(folder.glob("*.json"))[:count]:
        raw = json.loads(path.read_text(encoding="utf-8"))
        width, height = png_size(FUNSD_TRAINING / "images" / f"{path.stem}.png")
        pages.append(parse_funsd(raw, width=width, height=height, name=path.stem))
    return pages


@pytest.fixture(scope="session")
def funsd_forms() -> list[LabeledPage]:
    return load_forms(FORMS)


def form_task(
    session: Session,
    services: Services,
    *,
    project_id: int,
    form: LabeledPage,
    title: str,
    images: bool,
    words_source: str = "",
) -> Task:
    """A one-page task with the form's words (and its FUNSD scan in the blob store, with
    ``images``, as an import would store it)."""
    scan = FUNSD_TRAINING / "images" / f"{form.name}.png"
    return create_task(
        session,
        project_id=project_id,
        title=title,
        data={"image": title},
        pages=[
            NewPage(
                width=form.page.width,
                height=form.page.height,
                words=form.page.words,
                words_source=words_source,
                image_sha256=services.blobs.put_file(scan) if images else None,
            )
        ],
    )


def add_labeled_tasks(
    services: Services,
    project_id: int,
    forms: list[LabeledPage],
    *,
    submit: bool = True,
    images: bool = False,
) -> list[int]:
    """One task per form with its words (and scan, with ``images``); its gold entities and
    links as the admin's annotation."""
    task_ids = []
    with session_scope(services.database.write) as session:
        project = session.get(Project, project_id)
        assert project is not None
        config = parse_label_config(project.label_config)
        admin = session.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        for form in forms:
            task = form_task(
                session,
                services,
                project_id=project_id,
                form=form,
                title=f"{form.name}.png",
                images=images,
                words_source="ocr",
            )
            body = AnnotationBody(
                regions=[
                    {
                        "id": f"r{k}",
                        "page": 0,
                        "label": entity.label,
                        "tokens": list(entity.word_indices),
                        "text": " ".join(form.page.words[i].text for i in entity.word_indices),
                    }
                    for k, entity in enumerate(form.entities)
                ],
                relations=[
                    {"from_id": f"r{a}", "to_id": f"r{b}", "label": "answers"}
                    for a, b in form.links
                ],
                status="submitted" if submit else "draft",
            )
            validate_annotation(session, task=task, body=body, config=config)
            store_new_annotation(session, task_id=task.id, user_id=admin.id, body=body)
            task_ids.append(task.id)
    return task_ids


def add_unlabeled_tasks(
    services: Services, project_id: int, forms: list[LabeledPage], *, images: bool = False
) -> list[int]:
    with session_scope(services.database.write) as session:
        return [
            form_task(
                session,
                services,
                project_id=project_id,
                form=form,
                title=f"new-{form.name}.png",
                images=images,
            ).id
            for form in forms
        ]


@dataclass
class ModelProject:
    """An app with its in-process worker and a FUNSD project on it."""

    client: TestClient
    admin: ApiUser
    services: Services
    project_id: int

    def train(self) -> dict[str, Any]:
        response = self.admin.post(f"/api/projects/{self.project_id}/models/train")
        assert response.status_code == 202, response.text
        job = wait_for_job(self.admin, response.json()["job_id"])
        assert job["status"] == "succeeded", job
        return job

    def preannotate(self, **body: Any) -> dict[str, Any]:
        response = self.admin.post(f"/api/projects/{self.project_id}/preannotate", json=body)
        assert response.status_code == 202, response.text
        job = wait_for_job(self.admin, response.json()["job_id"])
        assert job["status"] == "succeeded", job
        return job


@pytest.fixture
def worker_client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path / "data", sqlite_url, run_worker_in_process=True, worker_threads=1
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def model_project(worker_client: TestClient) -> ModelProject:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    project_id = new_project(admin, title="FUNSD forms")["id"]
    services: Services = worker_client.app.state.services  # type: ignore[attr-defined]
    return ModelProject(worker_client, admin, services, project_id)
