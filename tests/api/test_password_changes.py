"""Changing one's own password, an admin's reset, deleting users: what each role may do,
and that a new password ends the old one's sessions and API tokens (issues 13/8, 12/5)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import ADMIN_PASSWORD
from tests.factories import (
    ApiUser,
    add_member,
    admin_user,
    login_token,
    new_project,
    new_task,
    new_user,
)


def user_id(user: ApiUser) -> int:
    return int(user.get("/api/me").json()["id"])


def password_of(user: ApiUser) -> str:
    return f"pw-{user.username}-long"


def test_changing_your_own_password_needs_the_current_one(client: TestClient) -> None:
    user = new_user(admin_user(client, ADMIN_PASSWORD))
    wrong = user.post(
        "/api/me/password",
        json={"current_password": "not-my-password", "new_password": "brand-new-pass"},
    )
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == "the current password is wrong"
    assert wrong.json()["code"] == "invalid"
    short = user.post(
        "/api/me/password",
        json={"current_password": password_of(user), "new_password": "short"},
    )
    assert short.status_code == 400 and "at least 8" in short.json()["detail"]
    assert user.get("/api/me").status_code == 200


def test_changing_your_own_password_ends_other_sessions_and_revokes_tokens(
    client: TestClient,
) -> None:
    user = new_user(admin_user(client, ADMIN_PASSWORD))
    second_token = login_token(client, user.username, password_of(user))
    other_browser = client.post(
        "/api/auth/login", json={"username": user.username, "password": password_of(user)}
    )
    other_cookie = client.cookies.get("visualner_session")
    client.cookies.clear()
    this_browser = client.post(
        "/api/auth/login", json={"username": user.username, "password": password_of(user)}
    ).json()
    assert other_browser.status_code == 200

    changed = client.post(
        "/api/me/password",
        json={"current_password": password_of(user), "new_password": "brand-new-pass"},
        headers={"X-CSRF-Token": this_browser["csrf_token"]},
    )

    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["revoked_tokens"] == 2
    assert body["ended_sessions"] >= 1
    assert "2 API token(s) revoked" in body["detail"]
    assert client.get("/api/me").status_code == 200  # this browser stays logged in
    client.cookies.clear()
    client.cookies.set("visualner_session", other_cookie or "")
    assert client.get("/api/me").status_code == 401
    client.cookies.clear()
    for key in (second_token, user.headers["Authorization"].split()[1]):
        refused = client.get("/api/me", headers={"Authorization": f"Token {key}"})
        assert refused.status_code == 401
    old = client.post(
        "/api/auth/login", json={"username": user.username, "password": password_of(user)}
    )
    assert old.status_code == 401
    assert login_token(client, user.username, "brand-new-pass").startswith("vn_")


def test_an_admin_reset_revokes_the_users_tokens_and_says_so(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    user = new_user(admin)
    reset = admin.post(f"/api/users/{user_id(user)}/password", json={"password": "reset-by-admin"})
    assert reset.status_code == 200, reset.text
    assert reset.json()["revoked_tokens"] == 1
    assert "1 API token(s) revoked" in reset.json()["detail"]
    assert user.get("/api/me").json()["detail"] == "invalid or revoked API token"
    assert login_token(client, user.username, "reset-by-admin").startswith("vn_")


def test_the_older_patch_reset_also_revokes_tokens(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    user = new_user(admin)
    patched = admin.patch(f"/api/users/{user_id(user)}", json={"password": "patched-password"})
    assert patched.status_code == 200
    assert user.get("/api/me").status_code == 401


def test_only_admins_reset_or_delete_other_users(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    user = new_user(admin)
    other = new_user(admin)
    target = user_id(other)
    assert (
        user.post(f"/api/users/{target}/password", json={"password": "x" * 10}).status_code == 403
    )
    assert user.delete(f"/api/users/{target}").status_code == 403
    assert other.get("/api/me").status_code == 200
    missing = admin.post("/api/users/999999/password", json={"password": "x" * 10})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert admin.delete("/api/users/999999").status_code == 404


def test_an_admin_deletes_a_user_without_annotations(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    user = new_user(admin)
    target = user_id(user)
    assert admin.delete(f"/api/users/{target}").status_code == 204
    assert user.get("/api/me").status_code == 401
    assert target not in {row["id"] for row in admin.get("/api/users").json()}


def test_a_user_with_annotations_is_deactivated_not_deleted(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    annotator = new_user(admin)
    project = new_project(admin)
    add_member(admin, project["id"], annotator, "annotator")
    task_id = new_task(client.app.state.services, project["id"])
    saved = annotator.post(f"/api/tasks/{task_id}/annotations", json={"regions": []})
    assert saved.status_code == 201, saved.text
    refused = admin.delete(f"/api/users/{user_id(annotator)}")
    assert refused.status_code == 409
    assert "deactivate" in refused.json()["detail"]


def test_nobody_deletes_themselves(client: TestClient) -> None:
    admin = admin_user(client, ADMIN_PASSWORD)
    refused = admin.delete(f"/api/users/{user_id(admin)}")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "you cannot delete your own account"
