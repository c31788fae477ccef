"""``visualner import`` from the command line, and imports through a Redis queue."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD, REDIS_URL, make_settings
from tests.factories import admin_user, new_project
from tests.fixture_files import png_bytes, text_image, write_born_digital_pdf
from tests.imports.conftest import Importer
from visualner.app import create_app


def test_the_cli_imports_files_and_reports_each_failure(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "VISUALNER_DATA_DIR": str(data)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "visualner", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    assert cli("user", "create", "ops", "--password", "long-password", "--admin").returncode == 0
    pdf = tmp_path / "policy.pdf"
    write_born_digital_pdf(pdf)
    scan = tmp_path / "scan.png"
    scan.write_bytes(png_bytes(text_image("Claim 77")))
    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    missing_project = cli("import", "Nope", str(pdf))
    assert missing_project.returncode == 1
    assert "error: no project 'Nope'" in missing_project.stderr
    create = cli("project", "create", "Claims", "--owner", "ops", "--template", "forms")
    assert create.returncode == 0, create.stderr
    result = cli("import", "Claims", str(pdf), str(scan), str(junk), "--as", "ops")
    assert result.returncode == 0, result.stderr
    assert "failed: junk.png: junk.png is plain text" in result.stderr
    assert "2 imported or skipped, 1 failed, of 3" in result.stdout


def _redis_unreachable() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {REDIS_URL} is unreachable: {exc}"
    return None


def test_imports_run_through_a_redis_queue(tmp_path: Path, sqlite_url: str) -> None:
    reason = _redis_unreachable()
    if reason:
        print(f"\nSKIP: {reason}")
        pytest.skip(reason)
    settings = make_settings(
        tmp_path / "data",
        sqlite_url,
        run_worker_in_process=True,
        worker_threads=1,
        queue_url=REDIS_URL,
        queue_name=f"visualner-test-{os.getpid()}",
    )
    with TestClient(create_app(settings)) as client:
        admin = admin_user(client, ADMIN_PASSWORD)
        importer = Importer(admin=admin, project_id=new_project(admin)["id"])
        job = importer.run([("r.png", png_bytes(text_image("Through Redis")))])
        assert job["status"] == "succeeded" and job["done"] == 1
        assert "Redis" in {w["text"] for w in importer.tasks()[0]["pages"][0]["words"]}
