"""Helper processes join a running import: a helper killed mid-job loses and duplicates
nothing, and helpers never outlive their server."""

from __future__ import annotations

import http.server
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.factories import admin_user, new_project
from tests.fixture_files import png_bytes, text_image
from tests.imports.servers import free_port, start_process, wait_for
from tests.loopback_http import serving
from visualner.app import create_app
from visualner.db import session_scope
from visualner.jobs import runner
from visualner.jobs.helpers import HelperProcesses
from visualner.jobs.models import ItemStatus, Job, JobItem, JobStatus
from visualner.runtime import Services, job_runtime
from visualner.tasks.models import Task

TASKS = 200
#: each image answer waits this long, so the import lasts long enough to kill a helper in it
SERVE_DELAY_S = 0.02


@contextmanager
def slow_image_server() -> Iterator[str]:
    """Any path answers the same small page image, a little late."""
    image = png_bytes(text_image("Claim form", size=(300, 100)))

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            time.sleep(SERVE_DELAY_S)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(image)))
            self.end_headers()
            self.wfile.write(image)

    with serving(Handler) as url:
        yield url


def _holders(services: Services, job_id: int) -> dict[int, str]:
    """Processes holding pending items of the job: pid → lease owner."""
    with session_scope(services.database.read) as session:
        owners = session.scalars(
            select(JobItem.lease_owner)
            .where(JobItem.job_id == job_id, JobItem.status == ItemStatus.PENDING.value)
            .where(JobItem.lease_owner.is_not(None))
            .distinct()
        ).all()
    return {int(owner.split(":")[-2]): owner for owner in owners if owner}


def _job(services: Services, job_id: int) -> Job:
    with session_scope(services.database.read) as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


@pytest.mark.slow
def test_a_helper_killed_mid_import_loses_and_duplicates_no_task(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(
        tmp_path / "data", database_url, url_allowlist=["127.0.0.1"], job_stale_after_s=1.0
    )
    with slow_image_server() as base, TestClient(create_app(settings)) as client:
        services: Services = client.app.state.services  # type: ignore[attr-defined]
        admin = admin_user(client, ADMIN_PASSWORD)
        project_id = new_project(admin)["id"]
        tasks = [{"data": {"image": f"{base}/scan-{n}.png"}} for n in range(TASKS)]
        job_id = admin.post(
            f"/api/projects/{project_id}/import",
            files=[("files", ("tasks.json", orjson.dumps(tasks)))],
            data={"options": orjson.dumps({"ocr": False}).decode()},
        ).json()["job_id"]
        # the job's claimer plans it and leaves the items to two helper processes
        ctx = services.job_context
        assert runner.claim_job(ctx, job_id, stale_after=timedelta(seconds=1))
        runner._plan_items(ctx, services.registry.get("import"), _job(services, job_id))
        helpers = HelperProcesses(settings, job_runtime, 2)
        helpers.start()
        try:
            deadline = time.monotonic() + 120
            while True:
                holders = _holders(services, job_id)
                if _job(services, job_id).done >= 25 and len(holders) == 2:
                    # frozen, the helper cannot store or lease between the look and the kill
                    killed = min(holders)
                    os.kill(killed, signal.SIGSTOP)
                    held_at_kill = _pending_held_by(services, job_id, holders[killed])
                    if held_at_kill:
                        os.kill(killed, signal.SIGKILL)
                        break
                    os.kill(killed, signal.SIGCONT)  # between two batches: look again
                assert time.monotonic() < deadline, "the helpers did not both join"
                time.sleep(0.002)
            while (job := _job(services, job_id)).status == JobStatus.RUNNING:
                assert time.monotonic() < deadline, f"the import did not end: {job.done}"
                time.sleep(0.05)
        finally:
            helpers.stop()
        assert all(not os.path.exists(f"/proc/{pid}") or _zombie(pid) for pid in helpers.pids)
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert (job.done, job.failed) == (TASKS, 0)
        with session_scope(services.database.read) as session:
            titles = session.scalars(select(Task.title).where(Task.import_job_id == job_id)).all()
            numbers = session.scalars(select(Task.number).where(Task.import_job_id == job_id)).all()
            taken_over = session.scalar(
                select(func.count())
                .select_from(JobItem)
                .where(JobItem.id.in_(held_at_kill), JobItem.lease_owner != holders[killed])
            )
        assert sorted(titles) == sorted(f"scan-{n}.png" for n in range(TASKS))
        assert sorted(numbers) == list(range(1, TASKS + 1))  # numbered once each, no gap
        assert held_at_kill and taken_over == len(held_at_kill)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    return found


def _gone(pids: set[int], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(not os.path.exists(f"/proc/{pid}") or _zombie(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_helper_processes_end_with_their_server(tmp_path: Path, stop: signal.Signals) -> None:
    data_dir, port = tmp_path / "data", free_port()
    env = {
        "VISUALNER_DATA_DIR": str(data_dir),
        "VISUALNER_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "VISUALNER_JOB_PROCESSES": "3",
    }
    data_dir.mkdir(parents=True)
    process = start_process(
        ["serve", "--port", str(port), "--log-level", "warning"], env, tmp_path / "serve.log"
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health", process)
        deadline = time.monotonic() + 60
        while len(helpers := _children(process.pid)) < 2:  # the helpers (and spawn's tracker)
            assert time.monotonic() < deadline, "the helper processes did not start"
            time.sleep(0.1)
        process.send_signal(stop)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert _gone(helpers, timeout_s=30), "a helper process outlived its server"


def _pending_held_by(services: Services, job_id: int, owner: str) -> set[int]:
    """The job's items ``owner`` leased and has not stored."""
    with session_scope(services.database.read) as session:
        return set(
            session.scalars(
                select(JobItem.id).where(
                    JobItem.job_id == job_id,
                    JobItem.status == ItemStatus.PENDING.value,
                    JobItem.lease_owner == owner,
                )
            )
        )
