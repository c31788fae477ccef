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


def test_the_dialogs_choices_sit_with_their_labels_and_images_follow_the_format(
    page: Page, context: BrowserContext, admin_csrf: str
) -> None:
    project = api_post(
        context, admin_csrf, "/api/projects", {"title": unique("Radios"), "template": "forms"}
    )
    page.goto(f"/projects/{project['id']}")
    page.get_by_test_id("export-open").click()
    for testid in ("export-only-submitted", "export-only-all", "export-predictions"):
        control = page.get_by_test_id(testid)
        # The control sits just before its label's text, on the same line (it was a
        # 36 px-high text-input box with the text dropped below it).
        gap, drift = control.evaluate(
            """node => {
              const range = document.createRange();
              range.selectNodeContents(node.parentElement);
              range.setStartAfter(node);
              const text = range.getBoundingClientRect();
              const box = node.getBoundingClientRect();
              const middle = (r) => r.top + r.height / 2;
              return [text.left - box.right, Math.abs(middle(text) - middle(box))];
            }"""
        )
        assert 0 <= gap <= 12, f"{testid} is {gap}px from its label"
        assert drift <= 4, f"{testid} is {drift}px off its label's line"
        assert control.bounding_box()["height"] <= 20  # type: ignore[index]
    page.get_by_test_id("export-format").select_option("csv")
    expect(page.get_by_test_id("export-images")).to_be_disabled()
    page.get_by_test_id("export-format").select_option("coco")
    expect(page.get_by_test_id("export-images")).to_be_enabled()
    page.get_by_test_id("export-images").check()
    with page.expect_download() as download_info:
        page.get_by_test_id("export-download").click()
    assert download_info.value.suggested_filename.endswith("-images.zip")
