"""An app whose projects may use the test SeaweedFS as a cloud storage (its loopback
endpoint allow-listed), with in-process workers, and helpers to use a storage."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from obstore.store import S3Store

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.factories import ApiUser, admin_user, new_project
from tests.imports.conftest import Importer
from tests.s3_server import ACCESS_KEY_ID, BUCKET, SECRET_ACCESS_KEY, S3Server
from visualner.app import create_app


def endpoint_host_port(server: S3Server) -> str:
    return httpx.URL(server.endpoint_url).netloc.decode()


@dataclass
class CloudProject:
    admin: ApiUser
    project_id: int
    server: S3Server
    prefix: str

    @property
    def bucket_store(self) -> S3Store:
        """The storage's folder of the test bucket, as the test's own S3 client."""
        return self.server.store(self.prefix)

    def storage_body(self, role: str = "source", **fields: Any) -> dict[str, Any]:
        return {
            "role": role,
            "bucket": BUCKET,
            "prefix": self.prefix,
            "endpoint_url": self.server.endpoint_url,
            "access_key_id": ACCESS_KEY_ID,
            "secret_access_key": SECRET_ACCESS_KEY,
            **fields,
        }

    def add_storage(self, role: str = "source", **fields: Any) -> dict[str, Any]:
        response = self.admin.post(
            f"/api/projects/{self.project_id}/storages", json=self.storage_body(role, **fields)
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def wait(self, job_id: int) -> dict[str, Any]:
        return Importer(self.admin, self.project_id).wait(job_id)

    def sync(self, storage_id: int) -> dict[str, Any]:
        response = self.admin.post(f"/api/projects/{self.project_id}/storages/{storage_id}/sync")
        assert response.status_code == 202, response.text
        return self.wait(response.json()["job_id"])

    def task_titles(self) -> list[str]:
        listed = self.admin.get(f"/api/projects/{self.project_id}/tasks?page_size=500").json()
        return sorted(t["title"] for t in listed["items"])


def cloud_app(
    tmp_path: Path, database_url: str, server: S3Server, **overrides: object
) -> TestClient:
    settings = make_settings(
        tmp_path / "data",
        database_url,
        run_worker_in_process=True,
        worker_threads=1,
        storage_endpoint_allowlist=[endpoint_host_port(server)],
        **overrides,
    )
    return TestClient(create_app(settings))


def cloud_project(client: TestClient, server: S3Server) -> CloudProject:
    """A project of the app's admin and a fresh folder of the test bucket for its storage."""
    admin = admin_user(client, ADMIN_PASSWORD)
    prefix = f"cloud-{uuid.uuid4().hex[:12]}"
    return CloudProject(admin, new_project(admin)["id"], server, prefix)


@pytest.fixture
def cloud(tmp_path: Path, database_url: str, s3_server: S3Server) -> Iterator[CloudProject]:
    """On SQLite and PostgreSQL: the app, its admin, a project and a fresh bucket folder."""
    with cloud_app(tmp_path, database_url, s3_server) as client:
        yield cloud_project(client, s3_server)


@pytest.fixture
def sqlite_cloud(tmp_path: Path, sqlite_url: str, s3_server: S3Server) -> Iterator[CloudProject]:
    """The same on SQLite only, for tests whose subject is not the database."""
    with cloud_app(tmp_path, sqlite_url, s3_server) as client:
        yield cloud_project(client, s3_server)
