"""JSON task lists with document URLs: downloads, pre-annotations, and SSRF refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixture_files import png_bytes, text_image
from tests.imports.conftest import Importer

ALLOW_LOOPBACK = {"url_allowlist": ["127.0.0.1"]}


@pytest.mark.parametrize("app_client", [ALLOW_LOOPBACK], indirect=True)
def test_tasks_download_their_documents_and_keep_predictions_and_annotations(
    importer: Importer, file_server: tuple[str, Path]
) -> None:
    base, folder = file_server
    image = text_image("Policy number 12345", size=(800, 200))
    (folder / "claim.png").write_bytes(png_bytes(image))
    label_studio_prediction = {
        "model_version": "ls-model-3",
        "score": 0.8,
        "result": [
            {
                "id": "p1",
                "type": "rectanglelabels",
                "from_name": "label",
                "to_name": "image",
                "value": {
                    "x": 0,
                    "y": 0,
                    "width": 100,
                    "height": 100,
                    "rectanglelabels": ["question"],
                },
            },
            {
                "id": "p1",
                "type": "textarea",
                "from_name": "transcription",
                "to_name": "image",
                "value": {"x": 0, "y": 0, "width": 100, "height": 100, "text": ["Policy 12345"]},
            },
        ],
    }
    native_annotation = {
        "regions": [
            {"id": "a", "page": 0, "label": "answer", "bbox": [10, 10, 50, 50], "text": "typed"}
        ]
    }
    job = importer.run(
        json_body=[
            {
                "data": {"image": f"{base}/claim.png", "meta": {"batch": "Q3"}},
                "predictions": [label_studio_prediction],
                "annotations": [native_annotation],
            }
        ]
    )
    assert job["errors"] == [] and job["done"] == 1, job
    task = importer.tasks()[0]
    assert task["title"] == "claim.png"
    assert task["data"]["meta"] == {"batch": "Q3"}
    prediction = task["predictions"][0]
    assert prediction["model_version"] == "ls-model-3"
    region = prediction["regions"][0]
    assert region["label"] == "question" and region["text"] == "Policy 12345"
    assert region["bbox"] == [0.0, 0.0, 800.0, 200.0]
    assert len(region["tokens"]) == len(task["pages"][0]["words"]) > 0
    assert task["annotations"][0]["regions"][0]["text"] == "typed"
    assert task["status"] == "submitted"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:9/a.png", "loopback"),
        ("http://localhost/a.png", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://169.254.10.1/a.png", "link-local"),
        ("http://10.1.2.3/a.png", "private"),
        ("http://[::ffff:192.168.0.1]/a.png", "private"),
        ("file:///etc/passwd", "http"),
        ("ftp://example.org/a.png", "http"),
    ],
)
def test_hostile_urls_are_refused_with_a_reason(importer: Importer, url: str, reason: str) -> None:
    job = importer.run(json_body=[{"image": url}])
    assert job["failed"] == 1
    error = job["errors"][0]["error"]
    assert reason in error, error
    assert importer.tasks() == []


@pytest.mark.parametrize("app_client", [ALLOW_LOOPBACK], indirect=True)
def test_a_redirect_to_a_blocked_address_is_refused(
    importer: Importer, file_server: tuple[str, Path]
) -> None:
    base, _ = file_server
    job = importer.run(json_body=[{"image": f"{base}/redirect-to/http://169.254.169.254/x"}])
    assert job["failed"] == 1
    assert "169.254.169.254" in job["errors"][0]["error"]


def test_tasks_without_a_document_url_are_reported(importer: Importer) -> None:
    job = importer.run(json_body=[{"text": "no image here"}, "not an object"])
    errors = list(importer.errors(job).values())
    assert "no document URL; put it in data.image" in errors[0]
    assert "a task must be an object" in errors[1]


@pytest.mark.parametrize("app_client", [ALLOW_LOOPBACK], indirect=True)
def test_fifty_tasks_with_their_own_images_store_fifty_pages_as_served(
    importer: Importer, file_server: tuple[str, Path]
) -> None:
    base, folder = file_server
    for number in range(50):
        page = text_image(f"Claim form {number}", size=(400, 120)).convert("1")
        (folder / f"scan-{number}.png").write_bytes(png_bytes(page))
    tasks = [{"data": {"image": f"{base}/scan-{number}.png"}} for number in range(50)]
    job = importer.run(json_body=tasks, options={"ocr": False})
    assert job["errors"] == [] and job["done"] == 50, job
    stored = importer.tasks()
    pages = {task["title"]: task["pages"][0] for task in stored}
    assert len({page["image_url"] for page in pages.values()}) == 50
    for title, page in pages.items():
        served = importer.admin.get(page["image_url"])
        assert served.content == (folder / title).read_bytes(), title
        assert (page["width"], page["height"]) == (400, 120)
