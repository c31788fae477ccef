"""``visualner storage add|list|sync`` and the Python client's storage methods, against the
real SeaweedFS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import obstore
import pytest
from fastapi.testclient import TestClient

from tests.cli.test_cli import run_cli
from tests.conftest import ADMIN_PASSWORD
from tests.fixture_files import png_bytes, text_image
from tests.s3_server import ACCESS_KEY_ID, BUCKET, SECRET_ACCESS_KEY, S3Server
from tests.storages.conftest import cloud_app, endpoint_host_port
from visualner.client import ApiError, VisualnerClient


@pytest.fixture
def vn(tmp_path: Path, sqlite_url: str, s3_server: S3Server) -> Iterator[VisualnerClient]:
    with cloud_app(tmp_path, sqlite_url, s3_server) as http:
        assert isinstance(http, TestClient)
        yield VisualnerClient.login("", "admin", ADMIN_PASSWORD, http=http)


def test_the_client_adds_syncs_changes_and_removes_a_storage(
    vn: VisualnerClient, s3_server: S3Server
) -> None:
    prefix = f"client-{uuid.uuid4().hex[:12]}"
    obstore.put(s3_server.store(prefix), "one.png", png_bytes(text_image("Client sync")))
    project = vn.create_project("Cloud", template="forms")
    storage = vn.add_storage(
        project["id"],
        "source",
        BUCKET,
        prefix=prefix,
        endpoint_url=s3_server.endpoint_url,
        access_key_id=ACCESS_KEY_ID,
        secret_access_key=SECRET_ACCESS_KEY,
        import_options={"ocr": False},
    )
    assert storage["has_credentials"] is True
    job = vn.wait_for_job(vn.sync_storage(project["id"], storage["id"]), poll_s=0.1)
    assert job["result"]["tasks_created"] == 1
    assert [t["title"] for t in vn.iter_tasks(project["id"])] == ["one.png"]
    changed = vn.update_storage(project["id"], storage["id"], glob="*.pdf")
    assert changed["glob"] == "*.pdf"
    assert [s["objects_imported"] for s in vn.storages(project["id"])] == [1]
    with pytest.raises(ApiError) as refused:
        vn.add_storage(project["id"], "source", BUCKET, endpoint_url="http://127.0.0.1:1")
    assert refused.value.status == 400
    vn.delete_storage(project["id"], storage["id"])
    assert vn.storages(project["id"]) == []


def test_the_cli_adds_lists_and_syncs_a_storage(tmp_path: Path, s3_server: S3Server) -> None:
    prefix = f"cli-{uuid.uuid4().hex[:12]}"
    obstore.put(s3_server.store(prefix), "scan.png", png_bytes(text_image("CLI sync")))
    env = {
        "VISUALNER_STORAGE_ENDPOINT_ALLOWLIST": endpoint_host_port(s3_server),
        "VISUALNER_SECRET_KEY": "cli-test-secret-" + "y" * 32,
    }
    assert (
        run_cli(
            "user", "create", "olga", "--password", "long-password", data_dir=tmp_path, **env
        ).returncode
        == 0
    )
    created = run_cli("project", "create", "Cloud", "--owner", "olga", data_dir=tmp_path, **env)
    project_id = created.stdout.strip()
    added = run_cli(
        "storage", "add", project_id, "--bucket", BUCKET, "--prefix", prefix,
        "--endpoint", s3_server.endpoint_url, "--access-key-id", ACCESS_KEY_ID,
        "--secret-access-key", SECRET_ACCESS_KEY, "--no-ocr",
        data_dir=tmp_path, **env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    storage_id = added.stdout.strip()
    synced = run_cli("storage", "sync", project_id, storage_id, data_dir=tmp_path, **env)
    assert synced.returncode == 0, synced.stderr
    assert "1 tasks created; objects: 1 new, 0 changed, 0 unchanged, 0 deleted" in synced.stdout
    listed = run_cli("storage", "list", project_id, data_dir=tmp_path, **env)
    assert listed.stdout.split("\t")[:3] == [storage_id, "source", f"s3://{BUCKET}/{prefix}"]
    assert "1 imported" in listed.stdout
    assert SECRET_ACCESS_KEY not in listed.stdout

    blocked = run_cli(
        "storage", "add", project_id, "--bucket", BUCKET, "--endpoint", "http://127.0.0.1:1",
        data_dir=tmp_path, **env,
    )  # fmt: skip
    assert blocked.returncode == 1
    assert "VISUALNER_STORAGE_ENDPOINT_ALLOWLIST" in blocked.stderr
