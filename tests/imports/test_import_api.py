"""Importing documents through the API: every file type, every bad input, URLs and SSRF."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from tests.factories import add_member, new_user
from tests.fixture_files import (
    png_bytes,
    png_declaring_size,
    text_image,
    write_born_digital_pdf,
    write_encrypted_pdf,
    write_scanned_pdf,
)
from tests.imports.conftest import FUNSD_IMAGES, Importer


def _tiff_of(*texts: str) -> bytes:
    pages = [text_image(t).convert("L") for t in texts]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_images_tiffs_and_pdfs_become_tasks_with_pages_and_words(
    importer: Importer, tmp_path: Path
) -> None:
    if not FUNSD_IMAGES.exists():
        pytest.skip(f"FUNSD is missing at {FUNSD_IMAGES}")
    born_digital, scanned = tmp_path / "invoice.pdf", tmp_path / "scan.pdf"
    write_born_digital_pdf(born_digital)
    write_scanned_pdf(scanned, tmp_path / "scan.png", "Scanned claim form")
    job = importer.run(
        [
            ("form.png", (FUNSD_IMAGES / "0000971160.png").read_bytes()),
            ("pages.tiff", _tiff_of("First page", "Second page", "Third page")),
            ("invoice.pdf", born_digital.read_bytes()),
            ("scan.pdf", scanned.read_bytes()),
        ]
    )
    assert job["status"] == "succeeded" and job["errors"] == [], job
    assert job["done"] == job["total"] == 4
    tasks = {t["title"]: t for t in importer.tasks()}
    assert set(tasks) == {"form.png", "pages.tiff", "invoice.pdf", "scan.pdf"}
    form_words = tasks["form.png"]["pages"][0]["words"]
    assert len(form_words) > 80
    assert {"Date:", "QUALITY"} <= {w["text"] for w in form_words}
    assert [p["index"] for p in tasks["pages.tiff"]["pages"]] == [0, 1, 2]
    assert "Third" in {w["text"] for w in tasks["pages.tiff"]["pages"][2]["words"]}
    invoice = tasks["invoice.pdf"]["pages"]
    assert len(invoice) == 2 and invoice[0]["words_source"] == "text_layer"
    texts = [w["text"] for w in invoice[0]["words"]]
    assert texts[:3] == ["Invoice", "number", "INV-2041"]
    scan = tasks["scan.pdf"]["pages"][0]
    assert scan["words_source"] == "ocr" and "Scanned" in {w["text"] for w in scan["words"]}
    for task in tasks.values():
        for page in task["pages"]:
            assert page["width"] > 0 and page["height"] > 0 and page["image_url"]
            image = importer.admin.get(page["image_url"])
            assert image.status_code == 200
            assert Image.open(io.BytesIO(image.content)).size == (page["width"], page["height"])


def test_bad_files_are_reported_one_by_one_while_the_rest_imports(
    importer: Importer, tmp_path: Path
) -> None:
    born_digital, encrypted = tmp_path / "ok.pdf", tmp_path / "locked.pdf"
    write_born_digital_pdf(born_digital)
    write_encrypted_pdf(encrypted)
    good = png_bytes(text_image("Good page"))
    job = importer.run(
        [
            ("good.png", good),
            ("corrupt.png", good[:40] + b"\x00garbage" * 20),
            ("truncated.pdf", born_digital.read_bytes()[:400]),
            ("locked.pdf", encrypted.read_bytes()),
            ("empty.png", b""),
            ("bomb.png", png_declaring_size(40_000, 40_000)),
            ("notes.png", b"just some text, not an image"),
            (
                "batch.zip",
                _zip(
                    {
                        "../../etc/evil.png": good,
                        "inner/ok.png": png_bytes(text_image("Zipped page")),
                        "huge.png": b"\x00" * 30_000_000,
                    }
                ),
            ),
        ]
    )
    assert job["status"] == "succeeded"
    errors = importer.errors(job)
    assert "corrupt" in errors["corrupt.png"] or "readable" in errors["corrupt.png"]
    assert "truncated.pdf" in errors["truncated.pdf"]
    assert "password" in errors["locked.pdf"] or "encrypted" in errors["locked.pdf"]
    assert errors["empty.png"] == "empty.png is empty (0 bytes)"
    assert "MP" in errors["bomb.png"] and "cap" in errors["bomb.png"]
    assert "plain text" in errors["notes.png"]
    assert "outside the archive" in errors["batch.zip/../../etc/evil.png"]
    assert "ratio" in errors["batch.zip/huge.png"] or "bomb" in errors["batch.zip/huge.png"]
    tasks = {t["title"]: t for t in importer.tasks()}
    # A member's title is its own path; its archive is kept in the task's data (issue 13/11).
    assert sorted(tasks) == ["good.png", "inner/ok.png"]
    assert tasks["inner/ok.png"]["data"]["archive"] == "batch.zip"
    assert "archive" not in tasks["good.png"]["data"]
    assert job["failed"] == 8 and job["done"] == 2


def test_duplicates_are_reported_by_sha256_and_skipped_on_request(importer: Importer) -> None:
    page = png_bytes(text_image("Same page"))
    first = importer.run([("a.png", page)], options={"ocr": False})
    assert first["errors"] == []
    again = importer.run([("a-copy.png", page)], options={"ocr": False})
    assert len(again["result"]["task_ids"]) == 1
    items = importer.admin.get(f"/api/jobs/{again['id']}?all_items=true").json()["items"]
    assert items[0]["result"]["duplicate_of"] == first["result"]["task_ids"][0]
    skipped = importer.run([("a-third.png", page)], options={"ocr": False, "skip_duplicates": True})
    assert skipped["errors"][0]["status"] == "skipped"
    assert "duplicate of task" in skipped["errors"][0]["error"]
    assert len(importer.tasks()) == 2


@pytest.mark.parametrize("app_client", [{"max_upload_mb": 1}], indirect=True)
def test_an_oversized_upload_is_refused_with_413_naming_the_file(importer: Importer) -> None:
    response = importer.start([("big.png", b"\x89PNG" + b"\x00" * (2 * 2**20))])
    assert response.status_code == 413
    assert response.json()["detail"].startswith("big.png: larger than the 1 MB upload cap")
    assert importer.tasks() == []


def test_ocr_can_be_turned_off_and_run_again_later(importer: Importer) -> None:
    job = importer.run(
        [("later.png", png_bytes(text_image("Read me later")))], options={"ocr": False}
    )
    task = importer.tasks()[0]
    assert task["pages"][0]["ocr_status"] == "skipped" and task["pages"][0]["words"] == []
    rerun = importer.admin.post(f"/api/tasks/{task['id']}/ocr", json={"page": 0})
    assert rerun.status_code == 202
    assert importer.wait(rerun.json()["job_id"])["status"] == "succeeded"
    page = importer.admin.get(f"/api/tasks/{task['id']}/pages/0").json()
    assert page["ocr_status"] == "done" and "later" in {w["text"] for w in page["words"]}
    assert job["status"] == "succeeded"
    bad = importer.admin.post(f"/api/tasks/{task['id']}/ocr", json={"ocr_servers": ["nope"]})
    assert bad.status_code == 400 and "unknown OCR server(s): nope" in bad.json()["detail"]


def test_file_names_cannot_inject_markup_or_paths(importer: Importer) -> None:
    importer.run(
        [("../<script>alert(1)</script>.png", png_bytes(text_image("x")))], options={"ocr": False}
    )
    title = importer.tasks()[0]["title"]
    assert "<" not in title and "/" not in title


def test_only_managers_may_import(importer: Importer) -> None:
    annotator = new_user(importer.admin)
    add_member(importer.admin, importer.project_id, annotator, "annotator")
    response = annotator.post(
        f"/api/projects/{importer.project_id}/import",
        files=[("files", ("a.png", png_bytes(text_image("x"))))],
    )
    assert response.status_code == 403


def test_a_malformed_json_task_list_is_refused(importer: Importer) -> None:
    url = f"/api/projects/{importer.project_id}/import"
    client, token = importer.admin.client, importer.admin.headers
    response = client.post(
        url, content=b'[{"image": ', headers={**token, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    wrong = client.post(url, content=b"plain", headers={**token, "Content-Type": "text/plain"})
    assert wrong.status_code == 400


def test_a_funsd_folder_imports_as_pre_annotated_tasks(importer: Importer) -> None:
    funsd = FUNSD_IMAGES.parent
    if not funsd.exists():
        pytest.skip(f"FUNSD is missing at {funsd}")
    names = ["0000971160", "0000989556"]
    members = {f"funsd/images/{n}.png": (funsd / "images" / f"{n}.png").read_bytes() for n in names}
    members.update(
        {
            f"funsd/annotations/{n}.json": (funsd / "annotations" / f"{n}.json").read_bytes()
            for n in names
        }
    )
    job = importer.run([("funsd.zip", _zip(members))], options={"ocr": False})
    assert job["errors"] == [] and job["done"] == 2, job
    for task in importer.tasks():
        stem = Path(task["title"]).stem
        gold = json.loads((funsd / "annotations" / f"{stem}.json").read_text())["form"]
        regions = task["annotations"][0]["regions"]
        assert task["status"] == "submitted"
        assert len(regions) == len(gold)
        assert {r["label"] for r in regions} <= {"question", "answer", "header", "other"}
        assert task["pages"][0]["word_count"] > 0
