"""Start a real ``visualner serve`` subprocess for benchmarks, on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_ADMIN_URL = os.environ.get(
    "VISUALNER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ADMIN_PASSWORD = "bench-admin-password"


@dataclass
class RunningServer:
    url: str
    database_url: str
    data_dir: Path
    pid: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"visualner_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname=:n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def kept_database(engine: str, directory: Path, name: str) -> str:
    """A database kept between bench runs (seeding 100,000 tasks takes minutes): a SQLite
    file in ``directory``, or a PostgreSQL database ``name`` created once, never dropped."""
    if engine == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{directory / name}.db"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False)


@contextmanager
def database_for(engine: str, data_dir: Path) -> Iterator[str]:
    if engine == "sqlite":
        yield f"sqlite:///{data_dir / 'visualner.db'}"
    else:
        with postgres_database() as url:
            yield url


@contextmanager
def serve(
    data_dir: Path, database_url: str, *, workers: int = 1, **env: str
) -> Iterator[RunningServer]:
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        "VISUALNER_DATA_DIR": str(data_dir),
        "VISUALNER_DATABASE_URL": database_url,
        "VISUALNER_ADMIN_PASSWORD": ADMIN_PASSWORD,
        **env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "visualner",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=open(data_dir / "server.log", "w"),  # noqa: SIM115 - closed with the process
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield RunningServer(url=url, database_url=database_url, data_dir=data_dir, pid=process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def admin_token(url: str) -> str:
    return user_token(url, "admin", ADMIN_PASSWORD)


def user_token(url: str, username: str, password: str) -> str:
    """A new personal API token of ``username`` (logged in with the cookie to create it)."""
    with httpx.Client(base_url=url) as client:
        login = client.post(
            "/api/auth/login", json={"username": username, "password": password}
        ).json()
        created = client.post(
            "/api/tokens", json={"name": "bench"}, headers={"X-CSRF-Token": login["csrf_token"]}
        )
        return str(created.json()["key"])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux ``/proc``), e.g. ``serve --workers N``."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                pending.extend(int(c) for c in (task / "children").read_text().split())
            except OSError:
                continue
    return found


def reset_peak_memory(pid: int) -> None:
    """Start measuring peak RSS afresh (``VmHWM``) for the server and its children."""
    for each in process_tree(pid):
        try:
            Path(f"/proc/{each}/clear_refs").write_text("5")
        except OSError:
            continue


def peak_memory_mb(pid: int) -> float:
    """Peak RSS since the last reset (``VmHWM``), summed over the server's processes."""
    total_kb = 0
    for each in process_tree(pid):
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by the server and its children: with other
    work on the machine, tasks per CPU-second says more than tasks per second."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for each in process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks
