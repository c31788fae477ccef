"""A page imported without OCR: the labeling page says so and a manager runs OCR from it
(issue 13 item 9)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.labeling_fixtures import Labeler, png_bytes
from tests.fixture_files import text_image
from visualner.tasks.service import NewPage

pytestmark = pytest.mark.browser


def test_a_page_without_words_says_so_and_run_ocr_reads_it(
    labeler: Labeler, lab_page: Page
) -> None:
    project_id = labeler.new_project("forms")
    sha = labeler.server.services.blobs.put_bytes(png_bytes(text_image("Claim number 4711")))
    task_id = labeler.new_task(
        project_id, "unread.png", [NewPage(600, 200, image_sha256=sha, image_mime="image/png")]
    )

    lab_page.goto(f"/tasks/{task_id}")
    expect(lab_page.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")
    expect(lab_page.get_by_test_id("no-words-text")).to_contain_text(
        "This page has no words: it was imported without OCR"
    )
    expect(lab_page.get_by_test_id("regions-empty")).to_be_hidden()
    expect(lab_page.get_by_test_id("run-ocr")).to_be_visible()

    lab_page.get_by_test_id("no-words-run-ocr").click()
    # The page reloads with the words once the OCR job is done.
    expect(lab_page.get_by_test_id("no-words")).to_be_hidden(timeout=60_000)
    expect(lab_page.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")
    task = labeler.api("GET", f"/api/tasks/{task_id}")
    assert "4711" in {word["text"] for word in task["pages"][0]["words"]}
