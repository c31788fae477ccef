"""Imports survive a killed server, and OCR runs on real OCR server processes over HTTP."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD
from tests.factories import new_user
from tests.fixture_files import png_bytes, text_image
from tests.imports.conftest import FUNSD_IMAGES, Importer
from tests.imports.servers import free_port, ocr_server, start_process, wait_for


def _serve(data_dir: Path, port: int) -> tuple[str, subprocess.Popen[bytes]]:
    env = {
        "VISUALNER_DATA_DIR": str(data_dir),
        "VISUALNER_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "VISUALNER_JOB_STALE_AFTER_S": "2",
        "VISUALNER_WORKER_THREADS": "1",
    }
    process = start_process(
        ["serve", "--port", str(port), "--log-level", "warning"], env, data_dir.parent / "serve.log"
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/api/health", process)
    return url, process


@pytest.mark.slow
def test_an_import_killed_midway_resumes_without_losing_or_duplicating_pages(
    tmp_path: Path,
) -> None:
    if not FUNSD_IMAGES.exists():
        pytest.skip(f"FUNSD is missing at {FUNSD_IMAGES}")
    forms = sorted(FUNSD_IMAGES.glob("*.png"))[:10]
    data_dir, port = tmp_path / "data", free_port()
    url, process = _serve(data_dir, port)
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            login = http.post(
                "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            ).json()
            csrf = {"X-CSRF-Token": login["csrf_token"]}
            token = http.post("/api/tokens", json={"name": "t"}, headers=csrf).json()["key"]
            http.cookies.clear()
            http.headers["Authorization"] = f"Token {token}"
            project = http.post("/api/projects", json={"title": "P", "template": "forms"}).json()
            job_id = http.post(
                f"/api/projects/{project['id']}/import",
                files=[("files", (f.name, f.read_bytes())) for f in forms],
            ).json()["job_id"]
            deadline = time.monotonic() + 120
            while http.get(f"/api/jobs/{job_id}").json()["done"] < 2:
                assert time.monotonic() < deadline, "the import did not start"
                time.sleep(0.1)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    url, process = _serve(data_dir, port)
    try:
        with httpx.Client(
            base_url=url, timeout=60, headers={"Authorization": f"Token {token}"}
        ) as http:
            deadline = time.monotonic() + 240
            while (job := http.get(f"/api/jobs/{job_id}").json())["status"] != "succeeded":
                assert job["status"] in {"running", "queued"}, job
                assert time.monotonic() < deadline, f"the job did not resume: {job}"
                time.sleep(0.3)
            tasks = http.get(f"/api/projects/{project['id']}/tasks?page_size=100").json()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert job["attempts"] == 2 and job["done"] == len(forms) and job["failed"] == 0
    titles = sorted(t["title"] for t in tasks["items"])
    assert titles == sorted(f.name for f in forms), "a page was lost or duplicated"
    assert tasks["total"] == len(forms)
    assert all(t["page_count"] == 1 for t in tasks["items"])


def test_pages_are_ocrd_by_real_ocr_server_processes(importer: Importer, tmp_path: Path) -> None:
    with ocr_server(tmp_path) as first, ocr_server(tmp_path) as second:
        admin = importer.admin
        for name, url in (("box-a", first), ("box-b", second)):
            added = admin.post("/api/ocr-servers", json={"name": name, "url": url})
            assert added.status_code == 201, added.text
            assert added.json()["health"] == "ok" and added.json()["warning"] is None
            assert added.json()["engine"].startswith("rapidocr")
            assert added.json()["can_preannotate"] is False  # started without --app-url
        pages = [(f"p{i}.png", png_bytes(text_image(f"Remote page {i}"))) for i in range(4)]
        job = importer.run(pages, options={"ocr_servers": ["box-a", "box-b"]})
        assert job["errors"] == [], job
        engines = set()
        for task in importer.tasks():
            page = task["pages"][0]
            assert "Remote" in {w["text"] for w in page["words"]}
            engines.add(page["ocr_engine"].split(":")[0])
        assert engines == {"box-a", "box-b"}
        refused = admin.post(
            f"/api/projects/{importer.project_id}/preannotate", json={"ocr_server": "box-a"}
        )
        assert refused.status_code == 400
        assert "cannot pre-annotate: start it with --app-url" in refused.json()["detail"]
    # Both servers are gone: a listing answers the last check, without asking them ...
    listed = {s["name"]: s for s in admin.get("/api/ocr-servers").json()}
    assert listed["box-a"]["health"] == "ok"
    # ... and the next check (background, or "Check now") finds them down.
    checked = {s["name"]: s for s in admin.post("/api/ocr-servers/check").json()}
    assert checked["box-a"]["health"] == "down"
    assert checked["built-in"]["is_default"] and checked["built-in"]["health"] == "ok"


def test_an_unreachable_ocr_server_fails_its_pages_after_retries(importer: Importer) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    importer.admin.post("/api/ocr-servers", json={"name": "dead", "url": dead})
    job = importer.run([("a.png", png_bytes(text_image("x")))], options={"ocr_servers": ["dead"]})
    assert job["status"] == "succeeded"
    task = importer.tasks()[0]
    page = task["pages"][0]
    assert page["ocr_status"] == "failed"
    assert "OCR failed after 3 tries" in page["ocr_error"]


def test_only_admins_manage_ocr_servers(importer: Importer) -> None:
    user = new_user(importer.admin)
    assert user.post("/api/ocr-servers", json={"name": "x", "url": "http://a:1"}).status_code == 403
    builtin = next(s for s in importer.admin.get("/api/ocr-servers").json() if s["is_builtin"])
    assert user.delete(f"/api/ocr-servers/{builtin['id']}").status_code == 403
    refused = importer.admin.delete(f"/api/ocr-servers/{builtin['id']}")
    assert refused.status_code == 403 and "cannot be removed" in refused.json()["detail"]
    bad = importer.admin.post("/api/ocr-servers", json={"name": "x", "url": "gopher://a"})
    assert bad.status_code == 400
