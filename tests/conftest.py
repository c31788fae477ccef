"""Shared fixtures: databases on both engines, settings, the app, API clients.

SQLite databases are copied from a template migrated once per session; PostgreSQL gets one
fresh database per session whose tables are emptied between tests. PostgreSQL tests skip
with a printed reason only when the server cannot be reached.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.s3_server import ACCESS_KEY_ID, BUCKET, SECRET_ACCESS_KEY, S3Server, running_s3_server
from visualner.app import create_app
from visualner.migrate import upgrade_database
from visualner.schema import metadata
from visualner.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "VISUALNER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
#: one Redis database per pytest-xdist worker (gw0 → 15, gw1 → 14, …): tests that flush it
#: must not flush another worker's queue
_XDIST_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get(
    "VISUALNER_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - _XDIST_WORKER % 16}"
)
ADMIN_PASSWORD = "admin-password-1"


def _postgres_unreachable_reason() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {exc}"
    return None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "visualner.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    reason = _postgres_unreachable_reason()
    if reason:
        print(f"\nSKIP PostgreSQL tests: {reason}")
        pytest.skip(reason)
    name = f"visualner_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "data" / "visualner.db"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only, for tests whose subject is not the database engine."""
    target = tmp_path / "data" / "visualner.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


def make_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "data_dir": data_dir,
        "database_url": database_url,
        "admin_password": ADMIN_PASSWORD,
        "secret_key": "test-secret-key-" + "x" * 32,
        "run_worker_in_process": False,
        "job_processes": 1,  # no helper processes unless a test asks for them
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app on both engines; not logged in. ``factories`` log users in."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def worker_client(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    """The app with its in-process worker (jobs run), on both engines."""
    settings = make_settings(
        tmp_path / "data", database_url, run_worker_in_process=True, worker_threads=1
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def sqlite_client(tmp_path: Path, sqlite_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(tmp_path / "data", sqlite_url))) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """SeaweedFS on loopback for the whole session (tests/s3_server.py)."""
    with running_s3_server(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


def s3_settings(server: S3Server) -> dict[str, object]:
    """Settings overrides for S3 storage under a prefix no other test uses."""
    return {
        "storage_url": f"s3://{BUCKET}/{uuid.uuid4().hex[:12]}",
        "s3_endpoint_url": server.endpoint_url,
        "s3_access_key_id": ACCESS_KEY_ID,
        "s3_secret_access_key": SECRET_ACCESS_KEY,
    }


@pytest.fixture(params=["local", "s3"])
def storage_overrides(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    """Each test using this runs once with local storage and once with S3 storage (whose
    scratch space is a temp folder of the test, so leftovers are seen)."""
    if request.param == "local":
        return {}
    server: S3Server = request.getfixturevalue("s3_server")
    return {**s3_settings(server), "temp_dir": tmp_path / "scratch"}
