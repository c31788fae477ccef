"""``visualner.client`` against the real app (its in-process worker runs the jobs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.fixture_files import png_bytes, text_image
from visualner.app import create_app
from visualner.client import ApiError, JobFailed, VersionConflict, VisualnerClient


@pytest.fixture
def vn(tmp_path: Path, database_url: str) -> Iterator[VisualnerClient]:
    settings = make_settings(
        tmp_path / "data", database_url, run_worker_in_process=True, worker_threads=1
    )
    with TestClient(create_app(settings)) as http:
        yield VisualnerClient.login("", "admin", ADMIN_PASSWORD, http=http)


def _scans(folder: Path, count: int) -> list[Path]:
    paths = []
    for number in range(count):
        path = folder / f"scan-{number}.png"
        path.write_bytes(png_bytes(text_image(f"Page {number}")))
        paths.append(path)
    return paths


def test_the_client_imports_lists_annotates_and_exports(
    vn: VisualnerClient, tmp_path: Path
) -> None:
    project = vn.create_project("Client", template="forms")
    assert any(p["id"] == project["id"] for p in vn.iter_projects(page_size=1))
    seen: list[tuple[int, int]] = []
    job_id = vn.import_files(project["id"], _scans(tmp_path, 3), options={"ocr": False})
    job = vn.wait_for_job(
        job_id, poll_s=0.05, on_progress=lambda j: seen.append((j["done"], j["total"]))
    )
    assert job["status"] == "succeeded"
    assert seen[-1] == (3, 3)
    tasks = list(vn.iter_tasks(project["id"], page_size=2))
    assert [t["title"] for t in tasks] == ["scan-0.png", "scan-1.png", "scan-2.png"]
    assert vn.page_image(tasks[0]["id"], 0).startswith(b"\x89PNG")
    assert vn.page(tasks[0]["id"], 0)["width"] > 0

    label = "question"
    body = {"regions": [{"id": "r1", "label": label, "bbox": [1, 1, 50, 20]}], "status": "draft"}
    saved = vn.create_annotation(tasks[0]["id"], body)
    updated = vn.update_annotation(
        saved["id"], {**body, "status": "submitted"}, version=saved["version"]
    )
    assert updated["version"] == saved["version"] + 1
    with pytest.raises(VersionConflict) as conflict:
        vn.update_annotation(saved["id"], body, version=saved["version"])
    assert conflict.value.status == 409
    assert vn.annotation_versions(saved["id"])[0]["version"] == saved["version"]

    exported = vn.export_to_file(project["id"], tmp_path / "out.json", format="json")
    rows = json.loads(exported.read_text())
    assert len(rows) == 3
    assert sum(len(r["annotations"]) for r in rows) == 1


def test_the_client_reports_refusals_and_failed_jobs(vn: VisualnerClient, tmp_path: Path) -> None:
    with pytest.raises(ApiError) as missing:
        vn.project(999_999)
    assert missing.value.status == 404
    project = vn.create_project("Failing", template="forms")
    broken = tmp_path / "notes.txt"
    broken.write_text("not a document")
    with pytest.raises(JobFailed) as failed:  # its only item failed: the job failed
        vn.wait_for_job(vn.import_files(project["id"], [broken]), poll_s=0.05)
    job = failed.value.job
    assert job["status"] == "failed"
    assert [e["name"] for e in job["errors"]] == ["notes.txt"]  # the bad file, reported
    assert "notes.txt" in str(failed.value)
    assert list(vn.iter_tasks(project["id"])) == []
    vn.delete_project(project["id"])
    with pytest.raises(ApiError) as gone:
        vn.import_files(project["id"], [broken])
    assert gone.value.status == 404


def test_members_are_managed_through_the_client(vn: VisualnerClient) -> None:
    project = vn.create_project("Team", template="forms")
    with pytest.raises(ApiError) as unknown:
        vn.set_member(project["id"], "nobody-here", "annotator")
    assert unknown.value.status in {400, 404, 422}
    assert [m["username"] for m in vn.members(project["id"])] == ["admin"]
