"""A small project every format test exports: 2 tasks, 3 pages, token regions, a free box,
a relation, a choice, an edited annotation (history), a draft and a prediction.

Timestamps are pinned after the fact so exports are byte-for-byte reproducible (goldens).
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.conftest import ADMIN_PASSWORD, empty_postgres, make_settings
from tests.factories import ApiUser, admin_user, sample_words
from visualner.annotations.models import Annotation, AnnotationVersion, Prediction
from visualner.app import create_app
from visualner.db import session_scope
from visualner.runtime import Services
from visualner.tasks.models import Task
from visualner.tasks.service import NewPage, create_task

GOLDEN_DIR = Path(__file__).parent / "golden"
PINNED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
FAKE_IMAGE = b"not really a PNG, but the blob store does not mind"
LABEL_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Labels name="label" toName="image">
    <Label value="question"/>
    <Label value="answer"/>
    <Label value="header"/>
  </Labels>
  <RectangleLabels name="box" toName="image">
    <Label value="LOGO"/>
  </RectangleLabels>
  <TextArea name="transcription" toName="image" perRegion="true" editable="true"/>
  <Relations>
    <Relation value="answers"/>
  </Relations>
  <Choices name="document_type" toName="image">
    <Choice value="form"/>
    <Choice value="letter"/>
  </Choices>
</View>"""
SUBMITTED_REGIONS: list[dict[str, Any]] = [
    {"id": "q1", "page": 0, "label": "question", "tokens": [0, 1], "text": "word0 word1"},
    {"id": "a1", "page": 0, "label": "answer", "tokens": [2], "text": "word2"},
    {"id": "logo", "page": 1, "label": "LOGO", "bbox": [20, 20, 220, 90], "text": ""},
    {
        "id": "h1",
        "page": 1,
        "label": "header",
        "tokens": [3, 4],
        "bbox": [190, 20, 300, 40],
        "text": "Word3 Word4",
    },
]


@dataclass
class FixtureProject:
    client: TestClient
    admin: ApiUser
    services: Services
    project_id: int
    task_ids: list[int]

    def export(self, format: str, **params: Any) -> bytes:
        response = self.admin.get(
            f"/api/projects/{self.project_id}/export", params={"format": format, **params}
        )
        assert response.status_code == 200, response.text
        return bytes(response.content)


def build_fixture_project(client: TestClient) -> FixtureProject:
    admin = admin_user(client, ADMIN_PASSWORD)
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    created = admin.post(
        "/api/projects", json={"title": "Export fixture", "label_config": LABEL_CONFIG}
    )
    assert created.status_code == 201, created.text
    project_id = created.json()["id"]
    sha = services.blobs.put_bytes(FAKE_IMAGE)
    task_ids = []
    with session_scope(services.database.write) as session:
        for title, page_count in (("letter.pdf", 2), ("form.png", 1)):
            task = create_task(
                session,
                project_id=project_id,
                title=title,
                data={"image": title, "meta": {"batch": 7}},
                pages=[
                    NewPage(
                        width=800,
                        height=1000,
                        image_sha256=sha,
                        words=sample_words(6),
                        words_source="ocr",
                        ocr_engine="test-fixture",
                    )
                    for _ in range(page_count)
                ],
            )
            task_ids.append(task.id)
    first, second = task_ids
    body = {
        "regions": SUBMITTED_REGIONS[:2],
        "relations": [],
        "choices": {},
        "status": "submitted",
    }
    saved = admin.post(f"/api/tasks/{first}/annotations", json=body)
    assert saved.status_code == 201, saved.text
    edited = admin.put(
        f"/api/annotations/{saved.json()['id']}",
        json={
            "regions": SUBMITTED_REGIONS,
            "relations": [{"from_id": "q1", "to_id": "a1", "label": "answers"}],
            "choices": {"document_type": ["form"]},
            "status": "submitted",
            "version": 1,
        },
    )
    assert edited.status_code == 200, edited.text
    draft = admin.post(
        f"/api/tasks/{second}/annotations",
        json={
            "regions": [{"id": "d1", "page": 0, "label": "answer", "tokens": [5]}],
            "status": "draft",
        },
    )
    assert draft.status_code == 201, draft.text
    with session_scope(services.database.write) as session:
        session.add(
            Prediction(
                task_id=second,
                model_version="crf@3",
                score=0.75,
                result={
                    "regions": [
                        {
                            "id": "p1",
                            "page": 0,
                            "label": "question",
                            "tokens": [0, 1, 2],
                            "text": "word0 word1 word2",
                            "origin": "crf@3",
                            "score": 0.8,
                        }
                    ],
                    "relations": [],
                    "choices": {},
                },
            )
        )
        session.execute(update(Task).values(created_at=PINNED, updated_at=PINNED))
        session.execute(update(Annotation).values(created_at=PINNED, updated_at=PINNED))
        session.execute(update(AnnotationVersion).values(created_at=PINNED))
        session.execute(update(Prediction).values(created_at=PINNED))
    return FixtureProject(client, admin, services, project_id, task_ids)


def _app_on(
    engine: str, request: pytest.FixtureRequest, data_dir: Path, sqlite_template: Path
) -> TestClient:
    data_dir.mkdir(parents=True)
    if engine == "sqlite":
        database = data_dir / "visualner.db"
        shutil.copy(sqlite_template, database)
        url = f"sqlite:///{database}"
    else:
        url = request.getfixturevalue("postgres_url")
        empty_postgres(url)
    return TestClient(create_app(make_settings(data_dir, url)))


@pytest.fixture(scope="module")
def fixture_project(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[FixtureProject]:
    """The fixture project on SQLite, shared by a module's tests, which only read it
    (what a format writes does not depend on the engine)."""
    data_dir = tmp_path_factory.mktemp("export-fixture") / "data"
    with _app_on("sqlite", request, data_dir, sqlite_template) as client:
        yield build_fixture_project(client)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine_project(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[FixtureProject]:
    """The fixture project once on SQLite and once on PostgreSQL, shared by a module's tests
    (logins are slow: argon2); a test that changes it puts it back."""
    data_dir = tmp_path_factory.mktemp(f"export-{request.param}") / "data"
    with _app_on(request.param, request, data_dir, sqlite_template) as client:
        yield build_fixture_project(client)


def zip_members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def readable(format: str, content: bytes) -> str:
    """An export as text that diffs well: zips listed member by member, JSON indented."""
    if content[:2] == b"PK":
        parts = []
        for name, member in zip_members(content).items():
            text = member.decode()
            if name.endswith(".json"):
                text = json.dumps(json.loads(text), indent=1, ensure_ascii=False)
            parts.append(f"=== {name}\n{text.rstrip()}\n")
        return "".join(parts)
    if format in {"json", "labelstudio", "coco"}:
        return json.dumps(json.loads(content), indent=1, ensure_ascii=False) + "\n"
    return content.decode()
