"""Accounts in the browser: changing your own password, an admin resetting one (issue 13/8)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from tests.browser.server_process import log_in_through_api

pytestmark = pytest.mark.browser


def create_user(context: BrowserContext, admin_csrf: str, password: str) -> str:
    username = f"walker-{uuid.uuid4().hex[:6]}"
    response = context.request.post(
        "/api/users",
        data={"username": username, "password": password},
        headers={"X-CSRF-Token": admin_csrf},
    )
    assert response.ok, response.text()
    return username


def test_a_user_changes_their_password_and_is_told_their_tokens_were_revoked(
    browser: Browser, context: BrowserContext, admin_csrf: str, live_server: str
) -> None:
    username = create_user(context, admin_csrf, "first-password")
    own = browser.new_context(base_url=live_server)
    own.set_default_timeout(5000)
    csrf = log_in_through_api(own, username, "first-password")
    assert own.request.post(
        "/api/tokens", data={"name": "script"}, headers={"X-CSRF-Token": csrf}
    ).ok
    page = own.new_page()
    page.goto("/account")
    token_row = page.get_by_test_id("token-row")
    expect(token_row).to_contain_text("active")

    page.get_by_test_id("password-current").fill("not-the-password")
    page.get_by_test_id("password-new").fill("second-password")
    page.get_by_test_id("password-repeat").fill("second-password")
    page.get_by_test_id("password-submit").click()
    expect(page.get_by_test_id("password-error")).to_have_text("the current password is wrong")

    page.get_by_test_id("password-current").fill("first-password")
    page.get_by_test_id("password-new").fill("second-password")
    page.get_by_test_id("password-repeat").fill("second-passwort")
    page.get_by_test_id("password-submit").click()
    expect(page.get_by_test_id("password-error")).to_have_text("The two new passwords differ.")

    page.get_by_test_id("password-repeat").fill("second-password")
    page.get_by_test_id("password-submit").click()
    expect(page.get_by_test_id("toast-success")).to_contain_text("1 API token(s) revoked")
    expect(token_row).to_contain_text("revoked")
    expect(page.get_by_test_id("password-error")).to_be_hidden()
    expect(page.get_by_test_id("password-current")).to_have_value("")

    page.reload()  # this browser stays logged in
    expect(page.get_by_test_id("password-panel")).to_be_visible()
    assert not context.request.post(
        "/api/auth/login", data={"username": username, "password": "first-password"}
    ).ok
    own.close()


def test_an_admin_resets_a_password_on_the_users_page(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    username = create_user(context, admin_csrf, "first-password")
    page.goto("/admin/users")
    user_row = page.locator(f'[data-testid="user-row"][data-username="{username}"]')
    user_row.get_by_test_id("user-reset-password").click()
    user_row.get_by_test_id("user-reset-password-input").fill("reset-password")
    user_row.get_by_test_id("user-reset-password-save").click()
    expect(page.get_by_test_id("toast-success")).to_contain_text(f"{username}: Password changed.")
    expect(user_row.get_by_test_id("user-reset-password")).to_be_visible()
    other = context.request.post(
        "/api/auth/login", data={"username": username, "password": "reset-password"}
    )
    assert other.ok


def test_an_admin_deletes_a_user_after_confirming(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    username = create_user(context, admin_csrf, "first-password")
    page.goto("/admin/users")
    user_row = page.locator(f'[data-testid="user-row"][data-username="{username}"]')
    questions: list[str] = []

    def accept(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    user_row.get_by_test_id("user-delete").click()
    expect(page.get_by_test_id("toast-success")).to_contain_text(f"{username} deleted.")
    expect(user_row).to_have_count(0)
    assert questions and questions[0].startswith(f"Delete {username}?")
    # Your own row offers no delete.
    own = page.locator('[data-testid="user-row"][data-username="admin"]')
    expect(own.get_by_test_id("user-delete")).to_have_count(0)
