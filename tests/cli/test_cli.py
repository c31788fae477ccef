"""The ``visualner`` command as a user runs it: real subprocesses, real exit codes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from visualner.auth.models import ApiToken
from visualner.cli.main import app as cli_app
from visualner.db import make_disposable_engine


def run_cli(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "VISUALNER_DATA_DIR": str(data_dir), **env}
    return subprocess.run(
        [sys.executable, "-m", "visualner", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_every_command_has_help() -> None:
    runner = CliRunner()
    for command in (
        [],
        ["serve"],
        ["worker"],
        ["db", "upgrade"],
        ["user", "create"],
        ["user", "passwd"],
        ["user", "list"],
        ["user", "deactivate"],
        ["token", "create"],
        ["version"],
        ["storage", "add"],
        ["storage", "list"],
        ["storage", "sync"],
    ):
        result = runner.invoke(cli_app, [*command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


def test_users_and_tokens_are_created_from_the_command_line(tmp_path: Path) -> None:
    assert run_cli("db", "upgrade", data_dir=tmp_path).returncode == 0
    created = run_cli(
        "user", "create", "carol", "--password", "long-password", "--admin", data_dir=tmp_path
    )
    assert created.returncode == 0 and "created admin carol" in created.stdout
    token = run_cli("token", "create", "carol", data_dir=tmp_path)
    assert token.returncode == 0 and token.stdout.strip().startswith("vn_")


def test_passwords_are_reset_and_users_listed_and_deactivated_from_the_command_line(
    tmp_path: Path,
) -> None:
    run_cli("user", "create", "erin", "--password", "long-password", data_dir=tmp_path)
    token = run_cli("token", "create", "erin", data_dir=tmp_path).stdout.strip()
    changed = run_cli("user", "passwd", "erin", "--password", "newer-password", data_dir=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert "1 API token(s) revoked" in changed.stdout
    deactivated = run_cli("user", "deactivate", "erin", data_dir=tmp_path)
    assert deactivated.returncode == 0 and "erin deactivated" in deactivated.stdout
    listed = run_cli("user", "list", data_dir=tmp_path)
    assert listed.returncode == 0
    assert "erin\tuser\tdeactivated\t-" in listed.stdout.splitlines()
    with sessionmaker(
        bind=make_disposable_engine(f"sqlite:///{tmp_path / 'visualner.db'}")
    )() as session:
        revoked = session.scalar(
            select(ApiToken.revoked_at).where(ApiToken.key_prefix == token[:10])
        )
    assert revoked is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "create", "nobody"], "error: no user named 'nobody'"),
        (["user", "create", "x y", "--password", "long-password"], "error: username must be"),
        (["user", "create", "dave", "--password", "short"], "error: password must have"),
    ],
)
def test_mistakes_end_with_one_clear_line_and_exit_code_1(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_cli(*args, data_dir=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == message or result.stderr.strip().startswith(message)
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_reported_in_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "db",
        "upgrade",
        data_dir=tmp_path,
        VISUALNER_DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none",
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot use the database")
    assert "Traceback" not in result.stderr


def test_serve_migrates_prints_the_admin_login_and_answers_health(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "VISUALNER_DATA_DIR": str(tmp_path / "data")}
    env.pop("VISUALNER_ADMIN_PASSWORD", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "visualner", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        health = httpx.get(f"http://127.0.0.1:{port}/api/health").json()
        assert health["status"] == "ok"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "username: admin" in output
    password = output.split("password: ")[1].split()[0]
    assert len(password) >= 12
    assert (tmp_path / "data" / "visualner.db").exists()


def test_serve_with_two_processes_migrates_once_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "VISUALNER_DATA_DIR": str(tmp_path / "data"),
        "VISUALNER_ADMIN_PASSWORD": "admin-password-1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "visualner", "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        answered = 0
        while time.monotonic() < deadline and answered < 5:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                    answered += 1
            except httpx.TransportError:
                time.sleep(0.2)
        assert answered == 5
        login = httpx.post(
            f"http://127.0.0.1:{port}/api/auth/login",
            json={"username": "admin", "password": "admin-password-1"},
        )
        assert login.status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert output.count("created the admin account") == 1
