"""Job errors say precisely what is wrong with the input, never the server's internals, and a
refused input stores nothing (issue 12, item 7)."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import ApiUser, admin_user, import_files, new_project, new_task
from tests.fixture_files import handmade_pdf, png_bytes, text_image
from visualner.runtime import Services

#: what an error must never show: exception reprs, Python types, SQL
INTERNALS = re.compile(r"Error\(|NoneType|Traceback|\bSELECT\b|\bINSERT\b|\[SQL|internal error")


def _errors(job: dict[str, Any]) -> dict[str, str]:
    errors = {e["name"]: e["error"] for e in job["errors"]}
    for error in errors.values():
        assert not INTERNALS.search(error), error
    return errors


def _task_count(user: ApiUser, project_id: int) -> int:
    count: int = user.get(f"/api/projects/{project_id}/tasks").json()["total"]
    return count


def _page(**changes: Any) -> dict[str, Any]:
    return {"width": 600, "height": 200, "image": None, **changes}


@pytest.fixture
def manager(worker_client: TestClient) -> tuple[ApiUser, int]:
    admin = admin_user(worker_client, ADMIN_PASSWORD)
    return admin, new_project(admin)["id"]


def test_page_sizes_and_words_are_checked_with_precise_messages(
    manager: tuple[ApiUser, int],
) -> None:
    admin, project_id = manager
    pages = [
        _page(width=-5),
        _page(width=0),
        _page(width=10**12),
        _page(width=True),
        {"width": 600, "image": None},
        _page(words=[{"text": "a", "bbox": None}]),
        "not a page",
    ]
    tasks = [{"data": {"n": n}, "pages": [page]} for n, page in enumerate(pages)]
    job = import_files(admin, project_id, [("tasks.json", orjson.dumps(tasks))])
    assert (job["done"], job["failed"]) == (0, len(pages)), job
    errors = _errors(job)
    bounds = "must be a whole number of pixels from 1 to 1,000,000"
    assert errors["tasks.json[0]"] == f"tasks.json[0].pages[0].width {bounds}, not -5"
    assert errors["tasks.json[1]"] == f"tasks.json[1].pages[0].width {bounds}, not 0"
    assert errors["tasks.json[2]"] == f"tasks.json[2].pages[0].width {bounds}, not 1000000000000"
    assert errors["tasks.json[3]"] == f"tasks.json[3].pages[0].width {bounds}, not true"
    assert errors["tasks.json[4]"] == f"tasks.json[4].pages[0].height {bounds}, not nothing"
    assert errors["tasks.json[5]"].startswith(
        "tasks.json[5].pages[0].words: each word needs a 'text' and a 'bbox' of four numbers"
    )
    assert errors["tasks.json[6]"] == "tasks.json[6].pages[0] must be an object"
    assert _task_count(admin, project_id) == 0


def test_an_unexpected_failure_names_where_it_is_logged_not_what_it_was(
    manager: tuple[ApiUser, int],
) -> None:
    admin, project_id = manager
    form = {"form": [{"id": 0, "text": "Date", "label": "question", "box": 5, "words": []}]}
    job = import_files(
        admin,
        project_id,
        [("f1.png", png_bytes(text_image("Date"))), ("f1.json", orjson.dumps(form))],
    )
    assert (job["done"], job["failed"]) == (0, 1), job
    [error] = _errors(job).values()
    assert re.fullmatch(
        r"an unexpected error on the server stopped this \(logged as job \d+, item \d+\)", error
    ), error
    assert _task_count(admin, project_id) == 0


def test_empty_archives_and_lists_fail_with_a_message(manager: tuple[ApiUser, int]) -> None:
    admin, project_id = manager
    job = import_files(
        admin,
        project_id,
        [
            ("empty.zip", b"PK\x05\x06" + bytes(18)),
            ("empty.json", b"[]"),
            ("none.json", b'{"tasks": []}'),
        ],
    )
    assert (job["done"], job["failed"]) == (0, 3), job
    assert _errors(job) == {
        "empty.zip": "empty.zip holds no files to import",
        "empty.json": "empty.json is an empty list: no tasks to import",
        "none.json": "none.json is an empty list: no tasks to import",
    }
    body = admin.post(f"/api/projects/{project_id}/import", json=[])
    assert body.status_code == 400
    assert body.json()["detail"] == "the body is an empty list: no tasks to import"


def test_a_truncated_scan_paired_with_a_funsd_form_is_refused(
    manager: tuple[ApiUser, int],
) -> None:
    admin, project_id = manager
    form = {
        "form": [
            {
                "id": 0,
                "text": "Date",
                "label": "question",
                "box": [20, 80, 120, 120],
                "words": [{"text": "Date", "box": [20, 80, 120, 120]}],
                "linking": [],
            }
        ]
    }
    scan = png_bytes(text_image("Date"))
    job = import_files(
        admin, project_id, [("f1.png", scan[:-400]), ("f1.json", orjson.dumps(form))]
    )
    assert (job["done"], job["failed"]) == (0, 1), job
    [error] = _errors(job).values()
    assert "f1.png could not be decoded" in error and "truncated" in error
    assert _task_count(admin, project_id) == 0


@pytest.mark.parametrize("media_box", [b"0 0 0 0", b"0 0 -200 -200", b"0 0 200 0"])
def test_pdf_pages_without_area_are_refused(manager: tuple[ApiUser, int], media_box: bytes) -> None:
    admin, project_id = manager
    pdf = handmade_pdf(b"0 0 1 1 re f", media_box=media_box)
    job = import_files(admin, project_id, [("flat.pdf", pdf)])
    assert (job["done"], job["failed"]) == (0, 1), job
    [error] = _errors(job).values()
    assert error.startswith("page 1 of flat.pdf has a page size of ")
    assert "a page must be wider and taller than 0" in error
    assert _task_count(admin, project_id) == 0


def test_ocr_on_a_task_without_page_images_is_refused_before_a_job(
    manager: tuple[ApiUser, int],
) -> None:
    admin, project_id = manager
    services: Services = admin.client.app.state.services  # type: ignore[attr-defined]
    task_id = new_task(services, project_id, pages=0)
    response = admin.post(f"/api/tasks/{task_id}/ocr", json={})
    assert response.status_code == 400, response.text
    assert response.json()["detail"].startswith(f"task {task_id} has no page image to read")
