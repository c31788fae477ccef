"""An app with its real in-process workers, a project, and a helper that imports and waits."""

from __future__ import annotations

import functools
import http.server
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.datasets import FUNSD_TRAINING
from tests.factories import ApiUser, admin_user, new_project
from tests.loopback_http import serving
from visualner.app import create_app

FUNSD_IMAGES = FUNSD_TRAINING / "images"


@dataclass
class Importer:
    admin: ApiUser
    project_id: int

    def start(
        self,
        files: list[tuple[str, bytes]] | None = None,
        *,
        options: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> Any:
        url = f"/api/projects/{self.project_id}/import"
        if json_body is not None:
            params = {"options": json.dumps(options)} if options else {}
            return self.admin.post(url, json=json_body, params=params)
        data = {"options": json.dumps(options)} if options else {}
        return self.admin.post(
            url, files=[("files", (name, content)) for name, content in files or []], data=data
        )

    def wait(self, job_id: int, timeout_s: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job: dict[str, Any] = self.admin.get(f"/api/jobs/{job_id}").json()
            if job["status"] in {"succeeded", "failed", "cancelled"}:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} did not finish in {timeout_s}s")

    def run(self, files: list[tuple[str, bytes]] | None = None, **kwargs: Any) -> dict[str, Any]:
        response = self.start(files, **kwargs)
        assert response.status_code == 202, response.text
        return self.wait(response.json()["job_id"])

    def errors(self, job: dict[str, Any]) -> dict[str, str]:
        return {e["name"]: e["error"] for e in job["errors"]}

    def tasks(self) -> list[dict[str, Any]]:
        listed = self.admin.get(f"/api/projects/{self.project_id}/tasks?page_size=500").json()
        return [self.admin.get(f"/api/tasks/{t['id']}").json() for t in listed["items"]]


@pytest.fixture
def app_client(
    tmp_path: Path, sqlite_url: str, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    overrides = getattr(request, "param", {})
    settings = make_settings(
        tmp_path / "data", sqlite_url, run_worker_in_process=True, worker_threads=1, **overrides
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def importer(app_client: TestClient) -> Importer:
    admin = admin_user(app_client, ADMIN_PASSWORD)
    return Importer(admin=admin, project_id=new_project(admin)["id"])


#: paths each ``file_server`` was asked for, by its base URL
REQUESTED: dict[str, list[str]] = {}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        REQUESTED.setdefault(f"http://127.0.0.1:{self.server.server_address[1]}", []).append(
            self.path
        )
        if self.path.startswith("/redirect-to/"):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/redirect-to/"))
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTP server over a temp folder: (base URL, folder)."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    with serving(handler) as url:
        yield url, folder
