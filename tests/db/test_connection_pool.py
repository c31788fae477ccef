"""The connection pool keeps a connection for every request thread that wants one, so a
burst of concurrent requests does not end in a burst of reconnects (on PostgreSQL each one
starts a server process)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from tests.conftest import make_settings
from visualner.runtime import build_services

BURST = 40  # the request threads of one process


def test_a_burst_of_sessions_leaves_every_connection_in_the_pool(
    tmp_path: Path, database_url: str
) -> None:
    services = build_services(make_settings(tmp_path, database_url))
    database = services.database
    all_inside = threading.Barrier(BURST)
    failures: list[BaseException] = []

    def one_request() -> None:
        try:
            with database.read() as session:
                session.execute(text("SELECT 1"))
                all_inside.wait(timeout=30)  # every thread holds a connection at once
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)

    try:
        threads = [threading.Thread(target=one_request) for _ in range(BURST)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert database.engine.pool.checkedin() == BURST  # type: ignore[attr-defined]
    finally:
        database.dispose()


def test_the_pool_size_is_a_setting(tmp_path: Path, database_url: str) -> None:
    services = build_services(make_settings(tmp_path, database_url, database_pool_size=5))
    try:
        assert services.database.engine.pool.size() == 5  # type: ignore[attr-defined]
    finally:
        services.database.dispose()
