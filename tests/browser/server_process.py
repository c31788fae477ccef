"""Runs the real visualner server in a subprocess on a free port, as users run it.

Shared by the browser tests' fixture and by ``screenshots.py``. Uses ``visualner serve``
when the CLI exists and falls back to uvicorn with ``create_app`` otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import BrowserContext

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "browser-admin-password"
#: A wait limit, not a speed check: on a 2-core machine shared with other test runs a cold
#: start (imports, migrations) was measured at 57-70 s.
STARTUP_TIMEOUT_S = 120.0
FALLBACK_SERVER = """
import sys, uvicorn
from visualner.app import create_app
from visualner.settings import Settings
uvicorn.run(create_app(Settings()), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_command(port: int) -> list[str]:
    if importlib.util.find_spec("visualner.cli.main") is not None:
        return [
            sys.executable,
            "-m",
            "visualner",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
    return [sys.executable, "-c", FALLBACK_SERVER, str(port)]


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(
        f"the server did not answer within {STARTUP_TIMEOUT_S}s:\n{log_path.read_text()}"
    )


@contextmanager
def running_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Start the server with its data in ``data_dir`` (and ``extra_env`` settings); yields its
    base URL."""
    port = free_port()
    env = {
        **os.environ,
        "VISUALNER_DATA_DIR": str(data_dir),
        "VISUALNER_ENVIRONMENT": "test",
        "VISUALNER_ADMIN_USERNAME": ADMIN_USERNAME,
        "VISUALNER_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "VISUALNER_WORKER_THREADS": "1",
        "VISUALNER_JOB_PROCESSES": "1",  # no helper processes: the browser needs none
        **(extra_env or {}),
    }
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        # cwd is the data dir so a developer's ./.env cannot change the test server.
        process = subprocess.Popen(
            server_command(port), cwd=data_dir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def log_in_through_api(context: BrowserContext, username: str, password: str) -> str:
    """Sets the session cookie in ``context``; returns the CSRF token for API calls."""
    response = context.request.post(
        "/api/auth/login", data={"username": username, "password": password}
    )
    assert response.ok, response.text()
    token: str = response.json()["csrf_token"]
    return token
