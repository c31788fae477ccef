"""Failed logins are throttled per account and per address, through the database (issue 12,
item 5): 429 with Retry-After, the same count in every app process, and a login works again
once the failures left the window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import ADMIN_PASSWORD, make_settings
from tests.factories import admin_user
from visualner.app import create_app
from visualner.auth.models import LoginFailure
from visualner.settings import Settings

WINDOW_S = 600


@pytest.fixture
def throttled_settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path / "data",
        database_url,
        login_max_failures_per_account=3,
        login_max_failures_per_address=5,
        login_failure_window_s=WINDOW_S,
    )


@pytest.fixture
def app_client(throttled_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(throttled_settings)) as client:
        yield client


def _login(client: TestClient, username: str = "admin", password: str = "wrong-password") -> int:
    return client.post(
        "/api/auth/login", json={"username": username, "password": password}
    ).status_code


def _age_every_failure(client: TestClient, by: timedelta) -> None:
    """Moves the counted failures into the past, as the passing of time would."""
    database = client.app.state.services.database  # type: ignore[attr-defined]
    with database.write() as session, session.begin():
        for failure in session.scalars(select(LoginFailure)):
            failure.failed_at -= by


def test_an_account_with_too_many_failures_is_answered_429_with_retry_after(
    app_client: TestClient,
) -> None:
    assert [_login(app_client) for _ in range(3)] == [401, 401, 401]
    refused = app_client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "too many failed logins" in refused.json()["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= WINDOW_S
    assert _login(app_client, "someone-else") == 401


def test_a_throttled_account_logs_in_once_its_failures_left_the_window(
    app_client: TestClient,
) -> None:
    assert [_login(app_client) for _ in range(5)] == [401, 401, 401, 429, 429]
    _age_every_failure(app_client, timedelta(seconds=WINDOW_S - 30))
    still = app_client.post("/api/auth/login", json={"username": "admin", "password": "x"})
    assert still.status_code == 429
    assert 0 < int(still.headers["Retry-After"]) <= 30
    _age_every_failure(app_client, timedelta(seconds=31))
    assert _login(app_client, password=ADMIN_PASSWORD) == 200
    assert app_client.get("/api/me").json()["username"] == "admin"


def test_refused_guesses_are_not_counted_and_a_success_starts_the_account_afresh(
    app_client: TestClient,
) -> None:
    assert [_login(app_client) for _ in range(2)] == [401, 401]
    assert _login(app_client, password=ADMIN_PASSWORD) == 200
    assert [_login(app_client) for _ in range(3)] == [401, 401, 401]
    assert [_login(app_client) for _ in range(3)] == [429, 429, 429]
    database = app_client.app.state.services.database  # type: ignore[attr-defined]
    with database.read() as session:
        # the 2 failures before the success were forgotten, the 3 refused guesses never counted
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 3


def test_one_address_guessing_many_accounts_is_throttled_but_others_are_not(
    app_client: TestClient,
) -> None:
    guesses = [_login(app_client, f"user{n}") for n in range(5)]
    assert guesses == [401] * 5
    assert _login(app_client, password=ADMIN_PASSWORD) == 429
    elsewhere = TestClient(app_client.app, client=("10.1.2.3", 50000))
    assert _login(elsewhere, password=ADMIN_PASSWORD) == 200


def test_two_app_processes_share_one_count(
    throttled_settings: Settings, app_client: TestClient
) -> None:
    """Two apps with their own engines and sessions on one database: the failures counted
    by one throttle the other (a per-process memory would let each allow its own 3)."""
    with TestClient(create_app(throttled_settings)) as second_process:
        assert [_login(app_client), _login(second_process), _login(app_client)] == [401] * 3
        assert _login(second_process, password=ADMIN_PASSWORD) == 429
        assert _login(app_client, password=ADMIN_PASSWORD) == 429


def test_the_html_login_form_is_throttled_too(app_client: TestClient) -> None:
    def submit(password: str) -> tuple[int, str | None]:
        response = app_client.post(
            "/login",
            data={"username": "admin", "password": password, "next": "/"},
            headers={"Origin": "http://testserver"},
            follow_redirects=False,
        )
        return response.status_code, response.headers.get("Retry-After")

    assert [submit("wrong-password")[0] for _ in range(3)] == [401, 401, 401]
    status, retry_after = submit(ADMIN_PASSWORD)
    assert status == 429
    assert retry_after is not None and int(retry_after) > 0


def test_wrong_current_passwords_of_a_password_change_count_as_failed_logins(
    app_client: TestClient,
) -> None:
    """A stolen session or token must not be an unlimited oracle for the account's password:
    the change-password check shares the account's count with the login."""
    admin = admin_user(app_client, ADMIN_PASSWORD)

    def change(current: str) -> int:
        return admin.post(
            "/api/me/password",
            json={"current_password": current, "new_password": "a-brand-new-password"},
        ).status_code

    assert [change("wrong-password") for _ in range(2)] == [400, 400]
    assert _login(app_client) == 401
    refused = admin.post(
        "/api/me/password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "a-brand-new-password"},
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert _login(app_client, password=ADMIN_PASSWORD) == 429
    _age_every_failure(app_client, timedelta(seconds=WINDOW_S))
    assert change(ADMIN_PASSWORD) == 200
