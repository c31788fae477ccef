"""Tasks for the labeling page, stored through the services (there is no file import yet).

``labeling_server`` runs its own server subprocess (its data dir is needed to store pages and
images next to it); ``build_services`` points at the same database and blob store once the
server has migrated them. Page images are generated with Pillow or taken from FUNSD.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.server_process import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    log_in_through_api,
    running_server,
)
from tests.datasets import FUNSD_DIR
from visualner.annotations.models import Prediction
from visualner.db import session_scope
from visualner.runtime import Services, build_services
from visualner.settings import Settings
from visualner.tasks.models import Task
from visualner.tasks.service import NewPage, create_task
from visualner.words import Word

FUNSD_FORM = "0000971160"


@dataclass
class LabelingServer:
    url: str
    services: Services


@dataclass
class Labeler:
    """A logged-in browser context on the labeling server, with helpers to prepare data."""

    server: LabelingServer
    context: BrowserContext
    csrf: str

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.context.request.fetch(
            path, method=method, data=body, headers={"X-CSRF-Token": self.csrf}
        )
        assert response.ok, f"{method} {path}: {response.status} {response.text()}"
        return response.json() if response.text() else None

    def new_project(self, template: str = "forms", *, label_config: str | None = None) -> int:
        body = {"title": "Labeling"}
        body.update({"label_config": label_config} if label_config else {"template": template})
        project = self.api("POST", "/api/projects", body)
        project_id: int = project["id"]
        return project_id

    def new_task(self, project_id: int, title: str, pages: Sequence[NewPage]) -> int:
        return store_task(self.server.services, project_id, title, pages)


def store_task(services: Services, project_id: int, title: str, pages: Sequence[NewPage]) -> int:
    with session_scope(services.database.write) as session:
        task = create_task(
            session, project_id=project_id, title=title, data={"image": ""}, pages=list(pages)
        )
        task_id: int = task.id
    return task_id


def add_prediction(
    services: Services, task_id: int, model_version: str, regions: list[dict[str, Any]]
) -> None:
    with session_scope(services.database.write) as session:
        session.add(
            Prediction(task_id=task_id, model_version=model_version, result={"regions": regions})
        )
        task = session.get(Task, task_id)
        assert task is not None
        task.prediction_count += 1


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def drawn_page(
    services: Services, width: int, height: int, words: list[Word], *, caption: str = ""
) -> NewPage:
    """A white page with each word's text printed in its box."""
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    if caption:
        draw.text((20, 8), caption, fill=90)
    for word in words:
        draw.text((word.bbox[0] + 2, word.bbox[1] + 2), word.text[:12], fill=30)
    sha = services.blobs.put_bytes(png_bytes(image))
    return NewPage(
        width, height, image_sha256=sha, image_mime="image/png", words=words, words_source="ocr"
    )


def grid_words(
    count: int, width: int, height: int, *, columns: int, texts: Sequence[str] = ()
) -> list[Word]:
    """``count`` words in lines of ``columns``, in reading order."""
    rows = -(-count // columns)
    cell_w = (width - 40) / columns
    cell_h = (height - 60) / rows
    words = []
    for i in range(count):
        row, col = divmod(i, columns)
        x0 = 20 + col * cell_w + 2
        y0 = 40 + row * cell_h + 2
        text = texts[i] if i < len(texts) else f"w{i}"
        words.append(
            Word(text, (x0, y0, x0 + cell_w * 0.82, y0 + cell_h * 0.7), 0.97, line=row, block=0)
        )
    return words


def funsd_page(services: Services) -> NewPage:
    """A real scanned form with FUNSD's words; each entity's words share a line id."""
    image_path = FUNSD_DIR / "training_data" / "images" / f"{FUNSD_FORM}.png"
    annotation_path = FUNSD_DIR / "training_data" / "annotations" / f"{FUNSD_FORM}.json"
    if not image_path.exists() or not annotation_path.exists():
        pytest.skip(f"the FUNSD form {FUNSD_FORM} is not in {FUNSD_DIR}")
    form = json.loads(annotation_path.read_text())["form"]
    words = [
        Word(raw["text"], tuple(float(v) for v in raw["box"]), 0.95, line=entity_index, block=0)  # type: ignore[arg-type]
        for entity_index, entity in enumerate(form)
        for raw in entity["words"]
    ]
    image_bytes = image_path.read_bytes()
    with Image.open(io.BytesIO(image_bytes)) as image:
        width, height = image.size
    sha = services.blobs.put_bytes(image_bytes)
    return NewPage(
        width, height, image_sha256=sha, image_mime="image/png", words=words, words_source="ocr"
    )


@pytest.fixture(scope="session")
def labeling_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelingServer]:
    data_dir = tmp_path_factory.mktemp("labeling-data")
    with running_server(data_dir) as url:
        services = build_services(Settings(data_dir=data_dir, environment="test"))
        try:
            yield LabelingServer(url=url, services=services)
        finally:
            services.database.dispose()


@pytest.fixture
def labeler(browser: Browser, labeling_server: LabelingServer) -> Iterator[Labeler]:
    context = browser.new_context(
        base_url=labeling_server.url, viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(5000)
    csrf = log_in_through_api(context, ADMIN_USERNAME, ADMIN_PASSWORD)
    yield Labeler(server=labeling_server, context=context, csrf=csrf)
    context.close()


@pytest.fixture
def lab_page(labeler: Labeler) -> Page:
    return labeler.context.new_page()


__all__ = [
    "ADMIN_PASSWORD",
    "FUNSD_DIR",
    "Labeler",
    "LabelingServer",
    "add_prediction",
    "drawn_page",
    "funsd_page",
    "grid_words",
    "lab_page",
    "labeler",
    "labeling_server",
    "store_task",
]
