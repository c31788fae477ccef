"""The import page: choose files, pick OCR servers, follow the job, see the tasks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_pages import api_post, unique
from tests.fixture_files import png_bytes, text_image, write_born_digital_pdf
from tests.imports.servers import free_port

pytestmark = pytest.mark.browser


def test_a_manager_imports_files_from_the_page_and_sees_each_outcome(
    page: Page, context: BrowserContext, admin_csrf: str, tmp_path: Path
) -> None:
    project = api_post(
        context, admin_csrf, "/api/projects", {"title": unique("Import"), "template": "forms"}
    )
    pdf = tmp_path / "invoice.pdf"
    write_born_digital_pdf(pdf)
    scan = tmp_path / "scan.png"
    scan.write_bytes(png_bytes(text_image("Scanned claim")))
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")

    page.goto(f"/projects/{project['id']}/import")
    expect(page.get_by_test_id("server-built-in")).to_be_checked()
    expect(page.get_by_test_id("create-server-command")).to_contain_text("visualner ocr-server")
    page.get_by_test_id("file-input").set_input_files([str(pdf), str(scan), str(broken)])
    expect(page.get_by_test_id("file-item")).to_have_count(3)
    page.get_by_test_id("import-start").click()
    expect(page.get_by_test_id("progress-label")).to_contain_text(
        re.compile(r"Finished: 2 of 3 done, 1 failed"), timeout=60_000
    )
    expect(page.get_by_test_id("import-error")).to_contain_text("broken.png")
    # The outcome names the failure and its reason, not a plain "finished" (issue 13/4),
    # above the table of problems rather than in a toast over it (issue 13/11) ...
    expect(page.get_by_test_id("import-outcome")).to_contain_text(
        "Import finished: 2 imported. 1 failed: broken.png: "
    )
    expect(page.get_by_test_id("toast-error")).to_have_count(0)
    # ... and the Tasks tab counts the new tasks without a reload (issue 13/5).
    expect(page.get_by_test_id("tab-tasks-count")).to_have_text("2")
    page.get_by_test_id("to-tasks").click()
    expect(page.get_by_test_id("tasks-table")).to_contain_text("invoice.pdf")
    expect(page.get_by_test_id("tasks-table")).to_contain_text("scan.png")


def test_ocr_server_choices_follow_the_ocr_switch_and_an_unreachable_server_warns(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    project = api_post(
        context, admin_csrf, "/api/projects", {"title": unique("Servers"), "template": "forms"}
    )
    page.goto(f"/projects/{project['id']}/import")
    builtin = page.get_by_test_id("server-built-in")
    expect(builtin).to_be_enabled()
    page.get_by_test_id("opt-ocr").uncheck()
    expect(builtin).to_be_disabled()
    page.get_by_test_id("opt-ocr").check()
    expect(builtin).to_be_enabled()

    page.get_by_test_id("create-server").locator("summary").click()
    command = page.get_by_test_id("create-server-command")
    expect(command).to_contain_text("--host 0.0.0.0 --port 8501 --workers 2")
    assert command.evaluate("node => node.scrollWidth <= node.clientWidth"), "command is cut off"

    name = unique("gone")
    page.get_by_test_id("server-name").fill(name)
    page.get_by_test_id("server-url").fill(f"http://127.0.0.1:{free_port()}")
    page.get_by_test_id("server-add").click()
    expect(page.get_by_test_id("toast-error")).to_contain_text(
        f"{name} was registered but does not answer"
    )
    expect(page.get_by_test_id(f"server-{name}")).to_be_disabled()
    expect(page.get_by_test_id(f"server-{name}")).not_to_be_checked()


def test_a_refused_url_is_listed_under_its_url(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    project = api_post(
        context, admin_csrf, "/api/projects", {"title": unique("Urls"), "template": "forms"}
    )
    blocked = "http://10.255.255.1/claim.pdf"
    page.goto(f"/projects/{project['id']}/import")
    page.locator("details.url-import summary").click()
    page.get_by_test_id("url-input").fill(blocked)
    page.get_by_test_id("import-start").click()
    error = page.get_by_test_id("import-error")
    expect(error.locator("td").first).to_have_text(blocked, timeout=60_000)
    expect(error).not_to_contain_text("tasks.json")
    expect(page.get_by_test_id("import-outcome")).to_contain_text(f"failed: {blocked}")
