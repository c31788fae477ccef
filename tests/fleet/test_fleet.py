"""A fleet on one machine: PostgreSQL, Redis, SeaweedFS (S3), two app processes, two workers
and two OCR servers on loopback, started with the command lines of deploy/systemd/.

Each process has its own data and temp directory (as on separate machines): they share only
the database, the queue and the bucket. 200 pages are imported through app 1 (born-digital
PDFs read from their text layer, scans OCR'd by the two OCR servers), the worker that claimed
the import is killed with SIGKILL midway (the helper processes of both workers share its
items) and the other one finishes it; tasks are labelled
through app 2; exports from both apps must be identical.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
import redis
from fpdf import FPDF
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ADMIN_URL, REDIS_URL, s3_settings
from tests.fixture_files import png_bytes, text_image
from tests.s3_server import S3Server, free_ports
from visualner.client import VisualnerClient

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
INSTALLED = "/opt/visualner/.venv/bin/visualner"
ADMIN_PASSWORD = "fleet-admin-password-1"
PDFS, PAGES_PER_PDF, SCANS = 38, 5, 10  # 190 text-layer pages + 10 scans = 200 pages


def unit_command(unit: str, instance: str = "") -> list[str]:
    """The unit's ExecStart, run from this checkout's venv instead of /opt/visualner."""
    lines = (UNITS / unit).read_text().splitlines()
    exec_start = next(line for line in lines if line.startswith("ExecStart="))
    args = shlex.split(exec_start.removeprefix("ExecStart=").replace("%i", instance))
    assert args[0] == INSTALLED, f"{unit} does not run {INSTALLED}"
    return [str(Path(sys.executable).parent / "visualner"), *args[1:]]


@dataclass
class Fleet:
    apps: list[str]
    ocr_urls: list[str]
    workers: list[subprocess.Popen[bytes]]
    env: dict[str, str]
    root: Path
    start_worker: Callable[[], subprocess.Popen[bytes]]


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: exited {process.returncode}\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout_s:.0f} s\n{log.read_text()[-3000:]}")


def _fresh_postgres() -> Iterator[str]:
    try:
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {exc}")
    name = f"visualner_fleet_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def fleet(tmp_path: Path, s3_server: S3Server) -> Iterator[Fleet]:
    database = _fresh_postgres()
    database_url = next(database)
    queue_name = f"fleet-{uuid.uuid4().hex[:8]}"
    storage = s3_settings(s3_server)
    env = {
        **os.environ,
        "VISUALNER_ENVIRONMENT": "production",
        # plain HTTP on loopback: a production server's Secure cookie would never come back
        "VISUALNER_SECURE_COOKIES": "false",
        "VISUALNER_SECRET_KEY": "fleet-secret-" + "k" * 40,
        "VISUALNER_DATABASE_URL": database_url,
        "VISUALNER_QUEUE_URL": REDIS_URL,
        "VISUALNER_QUEUE_NAME": queue_name,
        "VISUALNER_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "VISUALNER_JOB_STALE_AFTER_S": "4",
        "VISUALNER_URL_ALLOWLIST": "127.0.0.1",
        **{f"VISUALNER_{k.upper()}": str(v) for k, v in storage.items()},
    }
    processes: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []

    def start(name: str, command: list[str], extra: dict[str, str]) -> subprocess.Popen[bytes]:
        home = tmp_path / name
        (home / "tmp").mkdir(parents=True)
        log = (home / "log").open("wb")
        process_env = {
            **env,
            "VISUALNER_DATA_DIR": str(home / "data"),
            "VISUALNER_TEMP_DIR": str(home / "tmp"),
            **extra,
        }
        process = subprocess.Popen(
            command, env=process_env, stdout=log, stderr=subprocess.STDOUT, cwd=home
        )
        processes.append((process, log))
        return process

    try:
        migrate = unit_command("visualner-migrate.service")
        subprocess.run(migrate, env={**env, "VISUALNER_DATA_DIR": str(tmp_path / "m")}, check=True)
        web_ports, ocr_ports = free_ports(2), free_ports(2)
        apps = []
        for number, port in enumerate(web_ports, start=1):  # one by one: the first makes admin
            command = unit_command("visualner-web@.service", str(port))
            process = start(f"web{number}", command, {"VISUALNER_RUN_WORKER_IN_PROCESS": "false"})
            url = f"http://127.0.0.1:{port}"
            _wait_http(f"{url}/api/health", process, tmp_path / f"web{number}" / "log", 120)
            apps.append(url)
        ocr_urls = []
        for number, port in enumerate(ocr_ports, start=1):
            command = unit_command("visualner-ocr@.service", str(port))
            process = start(f"ocr{number}", command, {})
            url = f"http://127.0.0.1:{port}"
            _wait_http(f"{url}/health", process, tmp_path / f"ocr{number}" / "log", 120)
            ocr_urls.append(url)
        workers: list[subprocess.Popen[bytes]] = []

        def start_worker() -> subprocess.Popen[bytes]:
            name = f"worker{len(workers) + 1}"
            worker = start(name, unit_command("visualner-worker@.service", "1"), {})
            log = tmp_path / name / "log"
            deadline = time.monotonic() + 120
            while b"worker running" not in log.read_bytes():
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"{name} did not start"
                time.sleep(0.2)
            workers.append(worker)
            return worker

        yield Fleet(apps, ocr_urls, workers, env, tmp_path, start_worker)
    finally:
        for process, _log in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, log in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        with contextlib.suppress(redis.RedisError):
            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(f"*{queue_name}*"):
                client.delete(key)
        with contextlib.suppress(StopIteration):
            next(database)


def _documents(folder: Path) -> list[Path]:
    paths = []
    for number in range(PDFS):
        document = FPDF(unit="pt", format="A4")
        document.set_font("Helvetica", size=14)
        for page in range(PAGES_PER_PDF):
            document.add_page()
            document.set_xy(40, 60)
            document.cell(300, 20, f"Invoice {number} page {page} total {number * 100 + page}")
        path = folder / f"invoice-{number:02d}.pdf"
        document.output(str(path))
        paths.append(path)
    for number in range(SCANS):
        path = folder / f"scan-{number:02d}.png"
        path.write_bytes(png_bytes(text_image(f"Receipt {number} paid", size=(700, 160))))
        paths.append(path)
    return paths


def _claimer(fleet: Fleet, job_id: int) -> subprocess.Popen[bytes]:
    """The worker running the job: the one whose own process leases its items (the others'
    items are leased by their helper processes)."""
    engine = create_engine(fleet.env["VISUALNER_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            owners = conn.scalars(
                text("SELECT DISTINCT lease_owner FROM job_items WHERE job_id = :job"),
                {"job": job_id},
            ).all()
    finally:
        engine.dispose()
    pids = {int(owner.split(":")[-2]) for owner in owners if owner}
    (claimer,) = [w for w in fleet.workers if w.pid in pids]
    return claimer


def _normalised_export(client: VisualnerClient, project_id: int, path: Path, app: str) -> str:
    client.export_to_file(project_id, path, format="json", only="all")
    return path.read_text().replace(app, "APP")


def test_a_fleet_imports_survives_a_killed_worker_and_exports_the_same_everywhere(
    fleet: Fleet, tmp_path: Path
) -> None:
    with (
        VisualnerClient.login(fleet.apps[0], "admin", ADMIN_PASSWORD) as app1,
        VisualnerClient.login(fleet.apps[1], "admin", ADMIN_PASSWORD) as app2,
    ):
        _import_label_and_export(fleet, tmp_path, app1, app2)


def _import_label_and_export(
    fleet: Fleet, tmp_path: Path, app1: VisualnerClient, app2: VisualnerClient
) -> None:
    for number, url in enumerate(fleet.ocr_urls, start=1):
        app1.add_ocr_server(f"ocr{number}", url)
    project = app1.create_project("Fleet", template="forms")
    folder = tmp_path / "documents"
    folder.mkdir()
    documents = _documents(folder)

    for _ in range(2):
        fleet.start_worker()
    options = {"ocr": True, "ocr_servers": ["ocr1", "ocr2"]}
    job_id = app1.import_files(project["id"], documents, options=options)
    deadline = time.monotonic() + 300
    while (job := app1.job(job_id))["done"] < 3:
        assert job["status"] not in {"failed", "cancelled", "succeeded"}, job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    busy = _claimer(fleet, job_id)
    busy.send_signal(signal.SIGKILL)
    busy.wait()
    killed_at = app1.job(job_id)["done"]
    job = app1.wait_for_job(job_id, timeout_s=600, poll_s=0.5)
    assert killed_at < len(documents), "the import ended before the worker was killed"
    assert job["status"] == "succeeded", job
    assert job["errors"] == []
    # taken over after the kill: the other worker's helper processes keep the job's heartbeat
    # and take the dead worker's items once their leases expire, or (without helpers left)
    # the job goes stale and is claimed again
    assert job["done"] == len(documents)

    tasks = list(app2.iter_tasks(project["id"], page_size=7))
    assert sorted(t["title"] for t in tasks) == sorted(p.name for p in documents)
    pages = 0
    for task in tasks:
        detail = app2.task(task["id"])
        for index in range(len(detail["pages"])):
            page = app2.page(task["id"], index)
            assert page["words"], f"{task['title']} page {index} has no words"
            pages += 1
    assert pages == PDFS * PAGES_PER_PDF + SCANS
    scan = next(t for t in tasks if t["title"] == "scan-03.png")
    assert "Receipt" in " ".join(w["text"] for w in app2.page(scan["id"], 0)["words"])
    assert app1.page_image(scan["id"], 0).startswith(b"\x89PNG")

    for task in tasks[:20]:  # labelled through app 2
        words = app2.page(task["id"], 0)["words"]
        region = {"id": "r1", "label": "answer", "tokens": [0], "text": words[0]["text"]}
        app2.create_annotation(task["id"], {"regions": [region], "status": "submitted"})

    one = _normalised_export(app1, project["id"], tmp_path / "one.json", fleet.apps[0])
    two = _normalised_export(app2, project["id"], tmp_path / "two.json", fleet.apps[1])
    assert one == two
    exported = json.loads(one)
    assert len(exported) == len(documents)
    assert sum(len(t["annotations"]) for t in exported) == 20
    for name in ("web1", "web2", "worker1", "worker2"):  # nothing stored on "the machines"
        data = fleet.root / name / "data"
        kept = [p for p in data.rglob("*") if p.is_file()] if data.exists() else []
        assert kept == [], kept
