"""The export dialog on the tasks page downloads the chosen format."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.test_pages import api_post, unique

pytestmark = pytest.mark.browser


def test_a_manager_downloads_a_csv_export_from_the_dialog(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    project = api_post(
        context, admin_csrf, "/api/projects", {"title": unique("Export"), "template": "forms"}
    )
    page.goto(f"/projects/{project['id']}")
    page.get_by_test_id("export-open").click()
    dialog = page.get_by_test_id("export-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("export-format").select_option("csv")
    expect(page.get_by_test_id("export-description")).not_to_be_empty()
    with page.expect_download() as download_info:
        page.get_by_test_id("export-download").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    header = download.path().read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("task,page,label,text,x,y,width,height")
