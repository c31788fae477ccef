"""The import page: choose files, pick OCR servers, follow the job, see the tasks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_pages import api_post, unique
from tests.fixture_files import png_bytes, text_image, write_born_digital_pdf

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
    page.get_by_test_id("to-tasks").click()
    expect(page.get_by_test_id("tasks-table")).to_contain_text("invoice.pdf")
    expect(page.get_by_test_id("tasks-table")).to_contain_text("scan.png")
