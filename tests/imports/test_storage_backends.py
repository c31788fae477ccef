"""Imports, page images, exports and downloads through the app, on local and S3 storage."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import obstore
import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, make_settings, s3_settings
from tests.factories import admin_user, new_project
from tests.fixture_files import png_bytes, text_image, write_born_digital_pdf
from tests.imports.conftest import Importer
from tests.s3_server import S3Server
from visualner.app import create_app
from visualner.documents.s3_blobstore import S3BlobStore


@pytest.fixture
def storage_app(
    tmp_path: Path, sqlite_url: str, storage_overrides: dict[str, object]
) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path / "data",
        sqlite_url,
        run_worker_in_process=True,
        worker_threads=1,
        **storage_overrides,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _importer(client: TestClient) -> Importer:
    admin = admin_user(client, ADMIN_PASSWORD)
    return Importer(admin=admin, project_id=new_project(admin)["id"])


def _persistent_files(data_dir: Path) -> list[str]:
    """What is left under the data directory besides the database, queue and key."""
    kept = {"visualner.db", "queue.db", "secret_key"}
    return sorted(
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*")
        if p.is_file() and not p.name.startswith(tuple(kept))
    )


def test_documents_go_through_storage_and_come_back_on_both_backends(
    storage_app: TestClient, tmp_path: Path, storage_overrides: dict[str, object]
) -> None:
    importer = _importer(storage_app)
    pdf = tmp_path / "two-pages.pdf"
    write_born_digital_pdf(pdf)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("scans/one.png", png_bytes(text_image("Zipped page")))
    job = importer.run(
        [("two-pages.pdf", pdf.read_bytes()), ("scans.zip", archive.getvalue())],
        options={"ocr": False},
    )
    assert job["status"] == "succeeded", job
    tasks = importer.tasks()
    assert sorted(len(t["pages"]) for t in tasks) == [1, 2]
    image = importer.admin.get(f"/api/tasks/{tasks[0]['id']}/pages/0/image")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.content.startswith(b"\x89PNG")
    etag = image.headers["etag"]
    again = storage_app.get(
        f"/api/tasks/{tasks[0]['id']}/pages/0/image",
        headers={**importer.admin.headers, "If-None-Match": etag},
    )
    assert again.status_code == 304

    export = importer.admin.post(f"/api/projects/{importer.project_id}/exports", json={})
    assert export.status_code == 202, export.text
    finished = importer.wait(export.json()["job_id"])
    assert finished["status"] == "succeeded", finished
    download = importer.admin.get(finished["result"]["download_url"])
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    exported = json.loads(download.content)
    assert len(exported) == 2

    data_dir = tmp_path / "data"
    if storage_overrides:  # S3: nothing stored under the data directory, scratch cleaned
        assert _persistent_files(data_dir) == []
        scratch = Path(str(storage_overrides["temp_dir"]))
        assert [p for p in scratch.rglob("*") if p.is_file()] == []
        store = storage_app.app.state.services.blobs
        assert isinstance(store, S3BlobStore)
        assert list(obstore.list(store.store, "staging/")) == []
        assert list(obstore.list(store.store, "tmp/")) == []
    else:
        assert any(p.startswith("blobs/") for p in _persistent_files(data_dir))


def test_page_images_can_be_served_by_presigned_urls(
    tmp_path: Path, sqlite_url: str, s3_server: S3Server
) -> None:
    settings = make_settings(
        tmp_path / "data",
        sqlite_url,
        run_worker_in_process=True,
        worker_threads=1,
        serve_blobs="presigned",
        presigned_url_expiry_s=60,
        temp_dir=tmp_path / "scratch",
        **s3_settings(s3_server),
    )
    with TestClient(create_app(settings)) as client:
        importer = _importer(client)
        png = png_bytes(text_image("Presigned"))
        assert importer.run([("page.png", png)], options={"ocr": False})["status"] == "succeeded"
        task_id = importer.tasks()[0]["id"]
        redirect = importer.admin.get(f"/api/tasks/{task_id}/pages/0/image", follow_redirects=False)
        assert redirect.status_code == 307
        assert redirect.headers["cache-control"] == "private, max-age=30"
        url = redirect.headers["location"]
        assert url.startswith(s3_server.endpoint_url)
        fetched = httpx.get(url)
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "image/png"
        assert fetched.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert httpx.get(url.split("?", 1)[0]).status_code == 403
        outsider = client.get(f"/api/tasks/{task_id}/pages/0/image", follow_redirects=False)
        assert outsider.status_code == 401
