"""Source storages: a sync imports new objects, skips known ones by key + ETag, imports a
replaced object again and reports deleted ones (real SeaweedFS, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import obstore

from tests.fixture_files import png_bytes, text_image, write_born_digital_pdf
from tests.s3_server import S3Server
from tests.storages.conftest import CloudProject, cloud_app, cloud_project


def test_a_sync_imports_new_objects_skips_known_ones_and_reports_deleted_ones(
    cloud: CloudProject, tmp_path: Path
) -> None:
    pdf = tmp_path / "form.pdf"
    write_born_digital_pdf(pdf)
    bucket = cloud.bucket_store
    obstore.put(bucket, "scans/a.png", png_bytes(text_image("First scan")))
    obstore.put(bucket, "scans/form.pdf", pdf.read_bytes())
    obstore.put(bucket, "elsewhere/b.png", png_bytes(text_image("Not matched")))
    storage = cloud.add_storage(glob="scans/*", import_options={"ocr": False})

    first = cloud.sync(storage["id"])
    assert first["status"] == "succeeded", first
    assert first["result"]["tasks_created"] == 2
    assert first["result"]["objects_new"] == 2
    assert cloud.task_titles() == ["scans/a.png", "scans/form.pdf"]

    again = cloud.sync(storage["id"])
    assert again["status"] == "succeeded", again
    assert again["result"]["tasks_created"] == 0
    assert again["result"]["objects_unchanged"] == 2
    assert again["total"] == 0  # nothing was downloaded or planned
    assert len(cloud.task_titles()) == 2

    obstore.put(bucket, "scans/a.png", png_bytes(text_image("Replaced scan")))  # new ETag
    obstore.delete(bucket, "scans/form.pdf")
    third = cloud.sync(storage["id"])
    assert third["status"] == "succeeded", third
    assert third["result"]["objects_changed"] == ["scans/a.png"]
    assert third["result"]["objects_deleted"] == ["scans/form.pdf"]
    assert third["result"]["tasks_created"] == 1
    reported = {e["name"]: e for e in third["errors"]}
    assert reported["scans/form.pdf"]["status"] == "skipped"
    assert "deleted from the bucket" in reported["scans/form.pdf"]["error"]
    # the replaced object is a new task beside the old one; the deleted one's task stays
    assert cloud.task_titles() == ["scans/a.png", "scans/a.png", "scans/form.pdf"]

    listed = cloud.admin.get(f"/api/projects/{cloud.project_id}/storages").json()
    assert listed[0]["objects_imported"] == 1
    assert listed[0]["last_sync_job_id"] == third["id"]
    fourth = cloud.sync(storage["id"])
    assert fourth["result"]["objects_deleted"] == []  # reported once
    assert fourth["result"]["objects_unchanged"] == 1


def test_an_object_that_is_not_a_document_fails_alone(sqlite_cloud: CloudProject) -> None:
    bucket = sqlite_cloud.bucket_store
    obstore.put(bucket, "good.png", png_bytes(text_image("Good")))
    obstore.put(bucket, "notes.txt", b"just some text, not a page")
    storage = sqlite_cloud.add_storage(import_options={"ocr": False})
    job = sqlite_cloud.sync(storage["id"])
    assert job["status"] == "succeeded", job
    assert sqlite_cloud.task_titles() == ["good.png"]
    assert [e["name"] for e in job["errors"]] == ["notes.txt"]


def test_a_sync_that_cannot_reach_the_bucket_fails_with_the_reason(
    sqlite_cloud: CloudProject,
) -> None:
    storage = sqlite_cloud.add_storage(secret_access_key="wrong-secret")
    job = sqlite_cloud.sync(storage["id"])
    assert job["status"] == "failed"
    assert "the bucket cannot be listed" in job["error"]


def test_a_json_task_list_in_the_bucket_becomes_tasks(
    tmp_path: Path, sqlite_url: str, s3_server: S3Server
) -> None:
    """Its tasks' images are fetched by URL (presigned URLs of the same bucket here, on a
    loopback address the URL allow-list admits)."""
    with cloud_app(tmp_path, sqlite_url, s3_server, url_allowlist=["127.0.0.1"]) as client:
        cloud = cloud_project(client, s3_server)
        bucket = cloud.bucket_store
        urls = []
        for number in (1, 2):
            key = f"images/page-{number}.png"
            obstore.put(bucket, key, png_bytes(text_image(f"Listed page {number}")))
            urls.append(obstore.sign(bucket, "GET", key, timedelta(minutes=10)))
        tasks = [{"data": {"image": url, "note": f"task {n}"}} for n, url in enumerate(urls)]
        obstore.put(bucket, "lists/batch.json", json.dumps(tasks).encode())
        storage = cloud.add_storage(glob="lists/*.json", import_options={"ocr": False})
        job = cloud.sync(storage["id"])
        assert job["status"] == "succeeded", job
        assert job["result"]["tasks_created"] == 2
        assert job["result"]["objects_new"] == 1
        listed = cloud.admin.get(f"/api/projects/{cloud.project_id}/tasks").json()["items"]
        assert len(listed) == 2
        page = cloud.admin.get(f"/api/tasks/{listed[0]['id']}/pages/0/image")
        assert page.content.startswith(b"\x89PNG")


def test_synced_images_are_ocrd_as_the_import_options_say(sqlite_cloud: CloudProject) -> None:
    obstore.put(sqlite_cloud.bucket_store, "invoice.png", png_bytes(text_image("INVOICE 2048")))
    storage = sqlite_cloud.add_storage(import_options={"ocr": True})
    job = sqlite_cloud.sync(storage["id"])
    assert job["status"] == "succeeded", job
    listed = sqlite_cloud.admin.get(f"/api/projects/{sqlite_cloud.project_id}/tasks").json()
    page = sqlite_cloud.admin.get(f"/api/tasks/{listed['items'][0]['id']}/pages/0").json()
    assert "INVOICE" in [w["text"].upper() for w in page["words"]]


def test_narrowing_the_glob_reports_nothing_deleted(sqlite_cloud: CloudProject) -> None:
    bucket = sqlite_cloud.bucket_store
    obstore.put(bucket, "a.png", png_bytes(text_image("A")))
    obstore.put(bucket, "b.png", png_bytes(text_image("B")))
    storage = sqlite_cloud.add_storage(import_options={"ocr": False})
    assert sqlite_cloud.sync(storage["id"])["result"]["objects_new"] == 2
    url = f"/api/projects/{sqlite_cloud.project_id}/storages/{storage['id']}"
    assert sqlite_cloud.admin.patch(url, json={"glob": "a.*"}).status_code == 200
    job = sqlite_cloud.sync(storage["id"])
    assert job["result"]["objects_deleted"] == []
    assert job["result"]["objects_unchanged"] == 1
    obstore.delete(bucket, "b.png")
    assert sqlite_cloud.sync(storage["id"])["result"]["objects_deleted"] == ["b.png"]


def test_a_sync_takes_at_most_the_configured_number_of_objects(
    tmp_path: Path, sqlite_url: str, s3_server: S3Server
) -> None:
    """The rest wait for the next sync; an object over the upload cap is reported, every
    time, without taking a place in the batch."""
    overrides: dict[str, object] = {"storage_sync_max_objects": 2, "max_upload_mb": 1}
    with cloud_app(tmp_path, sqlite_url, s3_server, **overrides) as client:
        cloud = cloud_project(client, s3_server)
        obstore.put(cloud.bucket_store, "0-big.bin", b"\0" * (1024 * 1024 + 1))
        for name in ("a.png", "b.png", "c.png"):
            obstore.put(cloud.bucket_store, name, png_bytes(text_image(name)))
        storage = cloud.add_storage(import_options={"ocr": False})
        first = cloud.sync(storage["id"])
        assert (first["result"]["objects_new"], first["result"]["objects_remaining"]) == (2, 1)
        assert [e["name"] for e in first["errors"]] == ["0-big.bin"]
        assert "larger than the 1 MB upload cap" in first["errors"][0]["error"]
        second = cloud.sync(storage["id"])
        assert (second["result"]["objects_new"], second["result"]["objects_remaining"]) == (1, 0)
        assert [e["name"] for e in second["errors"]] == ["0-big.bin"]
        assert cloud.task_titles() == ["a.png", "b.png", "c.png"]
