"""Project setting "fetch images on first view": nothing is downloaded at import; the first
view fetches the page, through the same SSRF checks as an import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixture_files import png_bytes, text_image
from tests.imports.conftest import REQUESTED, Importer

ALLOW_LOOPBACK = {"url_allowlist": ["127.0.0.1"]}


def lazy(importer: Importer) -> None:
    response = importer.admin.patch(
        f"/api/projects/{importer.project_id}",
        json={"settings": {"fetch_images_on_first_view": True}},
    )
    assert response.status_code == 200, response.text


def listed(importer: Importer) -> list[dict[str, Any]]:
    """The task list: it shows tasks without opening them (no first view)."""
    url = f"/api/projects/{importer.project_id}/tasks"
    items: list[dict[str, Any]] = importer.admin.get(url).json()["items"]
    return items


def box(x: float, width: float, *, size: tuple[int, int] | None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "b1",
        "type": "rectanglelabels",
        "from_name": "label",
        "to_name": "image",
        "value": {"x": x, "y": 25, "width": width, "height": 50, "rectanglelabels": ["answer"]},
    }
    if size is not None:
        item["original_width"], item["original_height"] = size
    return item


@pytest.mark.parametrize("app_client", [ALLOW_LOOPBACK], indirect=True)
def test_the_first_view_fetches_and_stores_the_page(
    importer: Importer, file_server: tuple[str, Path]
) -> None:
    base, folder = file_server
    lazy(importer)
    task = {
        "data": {"image": f"{base}/later.png"},  # not served yet: an import fetch would fail
        "annotations": [{"result": [box(10, 50, size=(400, 120))]}],
    }
    job = importer.run(json_body=[task], options={"ocr": False})
    assert job["errors"] == [] and job["done"] == 1, job
    (summary,) = listed(importer)
    assert summary["title"] == "later.png" and summary["page_count"] == 1
    assert REQUESTED.get(base, []) == []  # nothing fetched, not even ahead
    original = png_bytes(text_image("Fetched when opened", size=(400, 120)).convert("1"))
    (folder / "later.png").write_bytes(original)

    opened = importer.admin.get(f"/api/tasks/{summary['id']}").json()
    page = opened["pages"][0]
    assert (page["width"], page["height"]) == (400, 120)
    assert importer.admin.get(page["image_url"]).content == original
    assert opened["annotations"][0]["regions"][0]["bbox"] == [40.0, 30.0, 240.0, 90.0]
    assert opened["data"]["source"]["url"] == f"{base}/later.png"
    assert REQUESTED[base] == ["/later.png"]
    (folder / "later.png").unlink()  # stored: later views need the server no more
    again = importer.admin.get(f"/api/tasks/{summary['id']}").json()
    assert again["pages"][0]["image_url"] == page["image_url"]


def test_the_first_view_is_ssrf_checked(importer: Importer) -> None:
    lazy(importer)
    job = importer.run(json_body=[{"image": "http://127.0.0.1:9/a.png"}], options={"ocr": False})
    assert job["done"] == 1, job
    (summary,) = listed(importer)
    page = importer.admin.get(f"/api/tasks/{summary['id']}").json()["pages"][0]
    assert page["image_url"] is None
    assert "127.0.0.1 is a loopback address" in page["image_error"]


@pytest.mark.parametrize("app_client", [ALLOW_LOOPBACK], indirect=True)
def test_boxes_without_a_page_size_are_fetched_at_import(
    importer: Importer, file_server: tuple[str, Path]
) -> None:
    base, folder = file_server
    lazy(importer)
    (folder / "now.png").write_bytes(png_bytes(text_image("Needed now", size=(300, 100))))
    task = {
        "data": {"image": f"{base}/now.png"},
        "predictions": [{"result": [box(0, 100, size=None)]}],
    }
    job = importer.run(json_body=[task], options={"ocr": False})
    assert job["errors"] == [] and job["done"] == 1, job
    (folder / "now.png").unlink()
    (opened,) = importer.tasks()
    assert opened["pages"][0]["image_url"] is not None
    assert opened["predictions"][0]["regions"][0]["bbox"] == [0.0, 25.0, 300.0, 75.0]


def test_the_setting_must_be_true_or_false(importer: Importer) -> None:
    response = importer.admin.patch(
        f"/api/projects/{importer.project_id}",
        json={"settings": {"fetch_images_on_first_view": "yes"}},
    )
    assert response.status_code == 400
    assert "fetch_images_on_first_view must be true or false" in response.text
