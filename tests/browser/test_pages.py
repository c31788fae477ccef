"""The pages as a person uses them: log in, create a project, edit its config, add members."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page, expect

from tests.browser.server_process import ADMIN_PASSWORD, ADMIN_USERNAME

pytestmark = pytest.mark.browser

FORMS_LABELS = {"question": "q", "answer": "a", "header": "h", "other": "o"}
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
BROKEN_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Labels name="label" toName="image">
    <Label value="name" colour="red"/>
  </Labels>
</View>"""


def api_post(context: BrowserContext, csrf: str, path: str, body: dict[str, Any]) -> Any:
    response = context.request.post(path, data=body, headers={"X-CSRF-Token": csrf})
    assert response.ok, response.text()
    return response.json()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def test_admin_logs_in_and_creates_a_project_from_the_forms_template(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    page.get_by_test_id("login-username").fill(ADMIN_USERNAME)
    page.get_by_test_id("login-password").fill(ADMIN_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("current-username")).to_have_text(ADMIN_USERNAME)

    page.get_by_test_id("new-project").click()
    title = unique("Claim forms")
    page.get_by_test_id("project-title-input").fill(title)
    page.locator('[data-testid="template-card"][data-template="forms"]').click()
    preview = page.get_by_test_id("config-preview")
    for value, hotkey in FORMS_LABELS.items():
        chip = preview.locator(f'[data-testid="preview-label"][data-value="{value}"]')
        expect(chip).to_contain_text(value)
        expect(chip.locator("kbd")).to_have_text(hotkey)
    expect(preview.get_by_test_id("preview-relation")).to_have_text("answers")
    expect(page.get_by_test_id("config-status")).to_have_text("Valid")

    page.get_by_test_id("create-project").click()
    expect(page).to_have_url(re.compile(r"/projects/\d+$"))
    expect(page.get_by_test_id("project-heading")).to_have_text(title)
    expect(page.get_by_test_id("tasks-empty")).to_contain_text("No tasks yet")


def test_wrong_password_shows_the_message(page: Page) -> None:
    page.goto("/login")
    page.get_by_test_id("login-username").fill(ADMIN_USERNAME)
    page.get_by_test_id("login-password").fill("not-the-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_have_text("wrong username or password")
    expect(page.get_by_test_id("login-username")).to_have_value(ADMIN_USERNAME)


def test_invalid_xml_shows_the_precise_error_and_disables_create(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    expected = api_post(
        context, admin_csrf, "/api/label-config/validate", {"label_config": BROKEN_CONFIG}
    )
    assert expected["valid"] is False
    page.goto("/projects/new")
    page.get_by_test_id("project-title-input").fill("Broken config")
    expect(page.get_by_test_id("create-project")).to_be_enabled()

    page.get_by_test_id("config-xml").fill(BROKEN_CONFIG)

    expect(page.get_by_test_id("config-error")).to_have_text(expected["error"])
    expect(page.get_by_test_id("config-status")).to_have_text("Invalid")
    expect(page.get_by_test_id("create-project")).to_be_disabled()


def test_project_title_with_markup_renders_as_text(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    project = api_post(
        context,
        admin_csrf,
        "/api/projects",
        {"title": HOSTILE_TITLE, "description": "<b>bold?</b>", "template": "forms"},
    )
    dialogs: list[str] = []

    def record_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record_dialog)

    page.goto("/")
    card = page.locator(f'[data-testid="project-card"][data-project-id="{project["id"]}"]')
    expect(card.get_by_test_id("project-title")).to_have_text(HOSTILE_TITLE)
    expect(card.get_by_test_id("project-description")).to_have_text("<b>bold?</b>")
    expect(card.locator("img, b")).to_have_count(0)

    page.goto(f"/projects/{project['id']}/settings")
    expect(page.get_by_test_id("project-heading")).to_have_text(HOSTILE_TITLE)
    expect(page.get_by_test_id("settings-title")).to_have_value(HOSTILE_TITLE)
    expect(page.locator("main img")).to_have_count(0)
    assert dialogs == []


def test_manager_adds_an_annotator_on_the_members_page(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    annotator = unique("annotator")
    api_post(context, admin_csrf, "/api/users", {"username": annotator, "password": "pass-word-1"})
    project = api_post(
        context, admin_csrf, "/api/projects", {"title": unique("Receipts"), "template": "receipts"}
    )

    page.goto(f"/projects/{project['id']}/members")
    page.get_by_test_id("member-username").fill(annotator)
    page.get_by_test_id("member-role").select_option("annotator")
    page.get_by_test_id("member-add").click()

    added = page.locator(f'[data-testid="member-row"][data-username="{annotator}"]')
    expect(added.get_by_test_id("member-role-select")).to_have_value("annotator")
    expect(page.get_by_test_id("toast-success")).to_contain_text(f"{annotator} was added")
    expect(page.get_by_test_id("member-username")).to_have_value("")


def test_manager_removes_a_member_only_after_confirming(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    annotator = unique("leaver")
    api_post(context, admin_csrf, "/api/users", {"username": annotator, "password": "pass-word-1"})
    project = api_post(
        context, admin_csrf, "/api/projects", {"title": unique("Claims"), "template": "receipts"}
    )
    api_post(
        context,
        admin_csrf,
        f"/api/projects/{project['id']}/members",
        {"username": annotator, "role": "annotator"},
    )
    page.goto(f"/projects/{project['id']}/members")
    member_row = page.locator(f'[data-testid="member-row"][data-username="{annotator}"]')

    questions: list[str] = []

    def answer(dialog: Dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    member_row.get_by_test_id("member-remove").click()
    expect(member_row).to_have_count(1)

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    member_row.get_by_test_id("member-remove").click()
    expect(member_row).to_have_count(0)
    expect(page.get_by_test_id("toast-success")).to_contain_text(f"{annotator} was removed")
    assert questions == [f"Remove {annotator} from this project?"] * 2
