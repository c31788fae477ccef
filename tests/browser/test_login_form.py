"""The login form's defenses, checked over plain HTTP against the real server."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.server_process import ADMIN_PASSWORD, ADMIN_USERNAME

pytestmark = pytest.mark.browser


def post_login(live_server: str, *, origin: str | None, next_path: str = "/") -> httpx.Response:
    headers = {"Origin": origin} if origin else {}
    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        return client.post(
            "/login",
            data={"username": ADMIN_USERNAME, "password": ADMIN_PASSWORD, "next": next_path},
            headers=headers,
        )


def test_refuses_a_login_posted_from_another_site(live_server: str) -> None:
    response = post_login(live_server, origin="https://evil.example")
    assert response.status_code == 403
    assert "visualner_session" not in response.headers.get("set-cookie", "")


def test_refuses_a_login_post_without_origin_or_referer(live_server: str) -> None:
    response = post_login(live_server, origin=None)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "next_path", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_does_not_redirect_off_site_after_login(live_server: str, next_path: str) -> None:
    response = post_login(live_server, origin=live_server, next_path=next_path)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_returns_to_the_requested_page_after_login(live_server: str) -> None:
    response = post_login(live_server, origin=live_server, next_path="/account?tab=tokens")
    assert response.status_code == 303
    assert response.headers["location"] == "/account?tab=tokens"
    assert "visualner_session=" in response.headers["set-cookie"]


def test_sends_anonymous_page_requests_to_the_login_form(live_server: str) -> None:
    with httpx.Client(base_url=live_server, follow_redirects=False) as client:
        response = client.get("/projects/1/members?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fprojects%2F1%2Fmembers%3Fx%3D1"
