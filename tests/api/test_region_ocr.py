"""Re-OCR of a drawn region: the words inside are read again and replace the old ones."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.datasets import FUNSD_TRAINING
from tests.factories import ApiUser, add_member, admin_user, new_project, new_user
from visualner.db import session_scope
from visualner.ocr.engines.evaluation import funsd_gold_words
from visualner.ocr.engines.reading_order import order_words_by_geometry
from visualner.runtime import Services
from visualner.tasks.service import NewPage, create_task

FORM = "0000971160"
#: The form's "Date: 9/3/92" line (page pixels).
DATE_BOX = [470.0, 255.0, 610.0, 290.0]


def _services(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def _inside(word: dict[str, Any], box: list[float]) -> bool:
    x = (word["bbox"][0] + word["bbox"][2]) / 2
    y = (word["bbox"][1] + word["bbox"][3]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


@pytest.fixture
def form_task(client: TestClient) -> tuple[ApiUser, int]:
    """The FUNSD form with its gold words, the ones in the date line misread as "XXXX"."""
    image = FUNSD_TRAINING / "images" / f"{FORM}.png"
    if not image.exists():
        pytest.skip(f"FUNSD is not at {FUNSD_TRAINING}")
    admin = admin_user(client, ADMIN_PASSWORD)
    project_id = new_project(admin)["id"]
    words = order_words_by_geometry(
        funsd_gold_words(FUNSD_TRAINING / "annotations" / f"{FORM}.json")
    )
    box = tuple(DATE_BOX)
    garbled = [
        replace(w, text="XXXX")
        if box[0] <= (w.bbox[0] + w.bbox[2]) / 2 <= box[2]
        and box[1] <= (w.bbox[1] + w.bbox[3]) / 2 <= box[3]
        else w
        for w in words
    ]
    services = _services(client)
    with session_scope(services.database.write) as session:
        task = create_task(
            session,
            project_id=project_id,
            title=f"{FORM}.png",
            data={"image": f"{FORM}.png"},
            pages=[
                NewPage(
                    width=762,
                    height=1000,
                    words=garbled,
                    words_source="ocr",
                    ocr_engine="test",
                    image_sha256=services.blobs.put_file(image),
                )
            ],
        )
        return admin, task.id


def test_region_ocr_replaces_the_misread_words_and_maps_the_others(
    client: TestClient, form_task: tuple[ApiUser, int]
) -> None:
    admin, task_id = form_task
    before = admin.get(f"/api/tasks/{task_id}/pages/0").json()["words"]

    response = admin.post(f"/api/tasks/{task_id}/pages/0/ocr-region", json={"bbox": DATE_BOX})

    assert response.status_code == 200, response.text
    body = response.json()
    inside = [w["text"] for w in body["words"] if _inside(w, DATE_BOX)]
    assert {"Date:", "3/", "92"} <= set(inside)
    assert "XXXX" not in {w["text"] for w in body["words"]}
    assert body["replaced"] == sum(1 for w in before if _inside(w, DATE_BOX))
    assert body["added"] == len(inside)
    assert body["engine"].startswith("built-in: rapidocr")
    for old, new in zip(before, body["word_map"], strict=True):
        if _inside(old, DATE_BOX):
            assert new is None
        else:
            assert body["words"][new]["text"] == old["text"]
            assert body["words"][new]["bbox"] == old["bbox"]
    stored = admin.get(f"/api/tasks/{task_id}/pages/0").json()["words"]
    assert [w["text"] for w in stored] == [w["text"] for w in body["words"]]


@pytest.mark.parametrize(
    ("url_page", "body", "status", "field"),
    [
        (0, {"bbox": [10, 10, 12, 300]}, 400, "bbox"),
        (0, {"bbox": [900, 10, 1200, 300]}, 400, "bbox"),
        (0, {"bbox": [10, 10, 300]}, 422, None),
        (0, {"bbox": DATE_BOX, "scale": 9}, 422, None),
        (0, {"bbox": DATE_BOX, "ocr_server": "nowhere"}, 400, None),
        (3, {"bbox": DATE_BOX}, 404, None),
    ],
)
def test_region_ocr_refuses_bad_requests_precisely(
    client: TestClient,
    form_task: tuple[ApiUser, int],
    url_page: int,
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    admin, task_id = form_task

    response = admin.post(f"/api/tasks/{task_id}/pages/{url_page}/ocr-region", json=body)

    assert response.status_code == status, response.text
    if field:
        assert json.dumps(response.json()).count(field) >= 1


def test_region_ocr_needs_the_annotate_role(
    client: TestClient, form_task: tuple[ApiUser, int]
) -> None:
    admin, task_id = form_task
    outsider = new_user(admin)

    response = outsider.post(f"/api/tasks/{task_id}/pages/0/ocr-region", json={"bbox": DATE_BOX})

    assert response.status_code in (403, 404)


def test_region_ocr_is_refused_while_another_annotator_labels_words_on_the_page(
    client: TestClient, form_task: tuple[ApiUser, int]
) -> None:
    admin, task_id = form_task
    project_id = admin.get(f"/api/tasks/{task_id}").json()["project_id"]
    colleague = new_user(admin)
    add_member(admin, project_id, colleague, "annotator")
    saved = colleague.post(
        f"/api/tasks/{task_id}/annotations",
        json={"regions": [{"id": "r1", "page": 0, "label": "question", "tokens": [0]}]},
    )
    assert saved.status_code == 201, saved.text

    response = admin.post(f"/api/tasks/{task_id}/pages/0/ocr-region", json={"bbox": DATE_BOX})

    assert response.status_code == 409
    assert "another annotator" in response.json()["detail"]
