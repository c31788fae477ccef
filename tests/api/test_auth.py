"""Logging in, sessions with CSRF, API tokens and revocation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import admin_user, new_user


def test_health_answers_without_login(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}


def test_wrong_password_and_unknown_user_get_the_same_401(client: TestClient) -> None:
    wrong = client.post("/api/auth/login", json={"username": "admin", "password": "nope-nope"})
    unknown = client.post("/api/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "wrong username or password"


def test_login_sets_an_httponly_samesite_cookie(client: TestClient) -> None:
    response = client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/api/me").json()["username"] == "admin"


def test_cookie_requests_that_change_state_need_the_csrf_token(client: TestClient) -> None:
    login = client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()
    refused = client.post("/api/projects", json={"title": "x", "template": "forms"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    wrong = client.post(
        "/api/projects",
        json={"title": "x", "template": "forms"},
        headers={"X-CSRF-Token": "forged"},
    )
    assert wrong.status_code == 403
    accepted = client.post(
        "/api/projects",
        json={"title": "x", "template": "forms"},
        headers={"X-CSRF-Token": login["csrf_token"]},
    )
    assert accepted.status_code == 201


def test_logout_ends_the_session_on_the_server(client: TestClient) -> None:
    login = client.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    ).json()
    cookie = client.cookies.get("visualner_session")
    assert (
        client.post("/api/auth/logout", headers={"X-CSRF-Token": login["csrf_token"]}).status_code
        == 204
    )
    client.cookies.set("visualner_session", cookie or "")
    assert client.get("/api/me").status_code == 401


def test_a_forged_session_cookie_is_refused(client: TestClient) -> None:
    client.cookies.set("visualner_session", "made-up.value")
    response = client.get("/api/me")
    assert response.status_code == 401
    assert "log in again" in response.json()["detail"]


def test_bad_and_revoked_tokens_are_refused(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    assert admin.get("/api/me").status_code == 200
    assert client.get("/api/me", headers={"Authorization": "Token vn_wrong"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Basic abc"}).status_code == 401
    token_id = admin.get("/api/tokens").json()[0]["id"]
    assert admin.delete(f"/api/tokens/{token_id}").status_code == 204
    response = admin.get("/api/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid or revoked API token"


def test_tokens_are_stored_hashed_and_shown_once(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    created = admin.post("/api/tokens", json={"name": "ci"}).json()
    assert created["key"].startswith("vn_")
    listed = admin.get("/api/tokens").json()
    assert all("key" not in token for token in listed)
    assert created["key_prefix"] == created["key"][:10]


def test_only_admins_manage_users(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    user = new_user(admin)
    assert user.get("/api/users").status_code == 403
    assert (
        user.post("/api/users", json={"username": "evil", "password": "long-password"}).status_code
        == 403
    )
    assert admin.get("/api/users").status_code == 200


def test_a_deactivated_user_loses_access_at_once(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    user = new_user(admin)
    user_id = user.get("/api/me").json()["id"]
    assert admin.patch(f"/api/users/{user_id}", json={"is_active": False}).status_code == 200
    assert user.get("/api/me").status_code == 401


def test_user_creation_validates_names_and_passwords(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    short = admin.post("/api/users", json={"username": "ok", "password": "short"})
    assert short.status_code == 400
    assert "at least 8" in short.json()["detail"]
    bad = admin.post("/api/users", json={"username": "<b>x</b>", "password": "long-password"})
    assert bad.status_code == 400
    duplicate = admin.post("/api/users", json={"username": "admin", "password": "long-password"})
    assert duplicate.status_code == 409
