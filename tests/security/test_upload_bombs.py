"""Small uploads that would take huge memory or time are refused with a clear message before
any pixel is decoded or drawn, and every byte of a request counts against its caps (issue 12,
item 3). The hostile files are made here, small, against lowered caps."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.factories import ApiUser, admin_user, import_files, new_project
from tests.fixture_files import handmade_pdf, pdf_drawing_image
from visualner.app import create_app

CAPS = {"max_image_pixels": 4_000_000, "max_page_decode_mb": 8, "max_pdf_page_objects": 2000}


@pytest.fixture
def capped(tmp_path: Path, sqlite_url: str) -> Iterator[tuple[ApiUser, int]]:
    """A manager and a project on an app with lowered caps and its worker running."""
    settings = make_settings(
        tmp_path / "data", sqlite_url, run_worker_in_process=True, worker_threads=1, **CAPS
    )
    with TestClient(create_app(settings)) as client:
        admin = admin_user(client, ADMIN_PASSWORD)
        yield admin, new_project(admin)["id"]


def _png(mode: str, size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_a_pdf_drawing_an_image_above_the_pixel_cap_is_refused(
    capped: tuple[ApiUser, int],
) -> None:
    admin, project_id = capped
    job = import_files(admin, project_id, [("poster.pdf", pdf_drawing_image(3000, 3000))])
    assert job["done"] == 0 and job["failed"] == 1, job
    error = job["errors"][0]["error"]
    assert "page 1 of poster.pdf holds a 3000×3000 image = 9 MP, above the 4 MP cap" in error


def test_a_small_png_that_decodes_above_the_memory_cap_is_refused(
    capped: tuple[ApiUser, int],
) -> None:
    admin, project_id = capped
    colour = _png("RGB", (1800, 1800))  # 3.2 MP, under the pixel cap; 12 MB decoded
    assert len(colour) < 100_000
    job = import_files(admin, project_id, [("colour.png", colour)])
    assert job["done"] == 0 and job["failed"] == 1, job
    assert (
        "takes 12 MB decoded, above the 8 MB cap (VISUALNER_MAX_PAGE_DECODE_MB)"
        in (job["errors"][0]["error"])
    )
    grey = import_files(admin, project_id, [("grey.png", _png("L", (1800, 1800)))])  # 3 MB decoded
    assert grey["done"] == 1, grey


def test_a_pdf_page_expanding_to_many_drawing_operations_is_refused(
    capped: tuple[ApiUser, int],
) -> None:
    admin, project_id = capped
    dense = handmade_pdf(b"0 0 1 1 re f\n" * 5000)
    assert len(dense) < 5000
    job = import_files(admin, project_id, [("dense.pdf", dense)])
    assert job["done"] == 0 and job["failed"] == 1, job
    assert (
        "page 1 of dense.pdf draws more than 2,000 objects and path segments, above the cap"
        in (job["errors"][0]["error"])
    )
    long_path = b"0 0 m\n" + b"1 1 l\n" * 3000 + b"S\n"  # one object
    job = import_files(admin, project_id, [("path.pdf", handmade_pdf(long_path))])
    assert "path.pdf draws more than 2,000 objects and path segments" in job["errors"][0]["error"]
    plain = import_files(admin, project_id, [("plain.pdf", handmade_pdf(b"0 0 1 1 re f\n" * 100))])
    assert plain["done"] == 1, plain


def test_form_fields_besides_the_files_count_against_the_request(
    capped: tuple[ApiUser, int],
) -> None:
    admin, project_id = capped
    fields = {f"padding{n}": "x" * 300_000 for n in range(5)}  # each under 1 MB
    response = admin.post(
        f"/api/projects/{project_id}/import",
        files=[("files", ("grey.png", _png("L", (100, 100))))],
        data=fields,
    )
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "too_large"
    assert "form fields besides 'files'" in response.json()["detail"]
    assert admin.get(f"/api/projects/{project_id}/tasks").json()["items"] == []
