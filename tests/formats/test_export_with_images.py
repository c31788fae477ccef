"""Exports with their page images: one zip whose image references are paths inside it, so
it opens without a login (issue 13 item 12)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.formats.conftest import FAKE_IMAGE, FixtureProject, zip_members
from visualner.cli.main import app as cli_app
from visualner.jobs.runner import run_job


def test_a_coco_export_with_images_holds_the_json_and_every_page_it_names(
    fixture_project: FixtureProject,
) -> None:
    response = fixture_project.admin.get(
        f"/api/projects/{fixture_project.project_id}/export",
        params={"format": "coco", "images": "true"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].endswith('-images.zip"')
    members = zip_members(response.content)
    coco = json.loads(members["coco.json"])
    names = [image["file_name"] for image in coco["images"]]
    assert names and all(name.startswith("images/task-") for name in names)
    assert set(members) == {"coco.json", *names}
    assert all(members[name] == FAKE_IMAGE for name in names)


@pytest.mark.parametrize(("format", "reference"), [("voc", "<path>images/"), ("funsd", "images/")])
def test_zip_formats_keep_their_members_next_to_the_images(
    fixture_project: FixtureProject, format: str, reference: str
) -> None:
    members = zip_members(fixture_project.export(format, images="true"))
    pages = [name for name in members if not name.startswith("images/")]
    images = [name for name in members if name.startswith("images/")]
    assert pages and images
    assert all(reference in members[name].decode() for name in pages if name != "labels.txt")
    if format == "funsd":
        for name in pages:
            assert json.loads(members[name])["image"] in images


def test_formats_that_name_no_images_refuse_the_option(fixture_project: FixtureProject) -> None:
    url = f"/api/projects/{fixture_project.project_id}/export"
    refused = fixture_project.admin.get(url, params={"format": "csv", "images": "true"})
    assert refused.status_code == 400
    assert refused.json()["field"] == "images"
    assert "only with funsd, layoutlm, coco, voc, not csv" in refused.json()["detail"]
    started = fixture_project.admin.post(
        f"/api/projects/{fixture_project.project_id}/exports",
        json={"format": "json", "images": True},
    )
    assert started.status_code == 400


def test_an_export_job_with_images_stores_the_zip(fixture_project: FixtureProject) -> None:
    project = fixture_project
    started = project.admin.post(
        f"/api/projects/{project.project_id}/exports",
        json={"format": "layoutlm", "images": True, "only": "all"},
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["job_id"]
    services = project.services
    run_job(services.job_context, services.registry, job_id, stale_after=timedelta(minutes=5))
    job = project.admin.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "succeeded", job
    download = project.admin.get(f"/api/jobs/{job_id}/download")
    members = zip_members(download.content)
    rows = [json.loads(line) for line in members["layoutlm.jsonl"].splitlines()]
    assert {row["image_path"] for row in rows} <= set(members)


def test_the_cli_writes_a_zip_with_inline_images(
    fixture_project: FixtureProject, tmp_path: Path
) -> None:
    settings = fixture_project.services.settings
    output = tmp_path / "coco.zip"
    project = str(fixture_project.project_id)
    result = CliRunner().invoke(
        cli_app,
        ["export", project, "-f", "coco", "-o", str(output), "--inline-images"],
        env={
            "VISUALNER_DATA_DIR": str(settings.data_dir),
            "VISUALNER_DATABASE_URL": settings.effective_database_url,
        },
    )
    assert result.exit_code == 0, result.output
    assert "with page images" in result.output
    members = zip_members(output.read_bytes())
    coco = json.loads(members["coco.json"])
    assert all(members[image["file_name"]] == FAKE_IMAGE for image in coco["images"])
