"""The task list in a real browser: a phrase from a FUNSD form finds that form first with a
marked snippet, opening it marks the words on the page, a selection is tagged and found by
its tag, and tasks are deleted after a confirmation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.labeling_fixtures import (
    Labeler,
    drawn_page,
    funsd_page,
    grid_words,
)

pytestmark = pytest.mark.browser

PHRASE = "increase laboratory productivity"
DISTRACTORS = [
    "laboratory report on productivity and its increase",
    "productivity of the laboratory will increase",
    "quality council minutes",
    "coal retention analyses",
]


def test_search_open_tag_filter_and_delete(labeler: Labeler, lab_page: Page) -> None:
    project_id = labeler.new_project("forms")
    services = labeler.server.services
    others = [
        labeler.new_task(
            project_id,
            f"memo-{n}.png",
            [
                drawn_page(
                    services,
                    800,
                    400,
                    grid_words(len(text.split()), 800, 400, columns=4, texts=text.split()),
                )
            ],
        )
        for n, text in enumerate(DISTRACTORS)
    ]
    form = labeler.new_task(project_id, "0000971160.png", [funsd_page(services)])
    page = lab_page

    page.goto(f"/projects/{project_id}")
    page.get_by_test_id("task-search").fill(f'"{PHRASE}"')
    page.get_by_test_id("task-search").press("Enter")
    first = page.get_by_test_id("task-row").first
    expect(first.get_by_test_id("task-link")).to_have_text("0000971160.png")
    expect(page.get_by_test_id("task-row")).to_have_count(1)
    marks = first.get_by_test_id("task-snippet").locator("mark")
    expect(marks.first).to_have_text(re.compile("increase laboratory productivity", re.I))

    page.get_by_test_id("task-search").fill("laboratory productivity")
    page.get_by_test_id("task-search").press("Enter")
    expect(page.get_by_test_id("task-row")).to_have_count(3)

    page.get_by_test_id("task-link").filter(has_text="0000971160.png").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{form}\?q="))
    stage = page.get_by_test_id("page-stage")
    expect(stage).to_have_attribute("data-search-hits", re.compile(r"^[1-9]\d*$"))
    page.get_by_test_id("task-page-tag-input").fill("seen on page")
    page.get_by_test_id("task-page-tag-input").press("Enter")
    expect(page.get_by_test_id("task-page-tag")).to_have_text(["seen on page"])
    page.reload()
    expect(page.get_by_test_id("task-page-tag")).to_have_text(["seen on page"])
    page.get_by_test_id("task-page-tag-remove").click()
    expect(page.get_by_test_id("task-page-tag")).to_have_count(0)

    page.goto(f"/projects/{project_id}")
    boxes = page.get_by_test_id("task-select")
    expect(boxes).to_have_count(5)
    for index in range(3):
        boxes.nth(index).check()
    expect(page.get_by_test_id("bulk-count")).to_have_text("3 selected")
    page.get_by_test_id("bulk-tag").click()
    page.get_by_test_id("bulk-tag-name").fill("check me")
    page.get_by_test_id("bulk-confirm").click()
    expect(page.get_by_test_id("toast-success")).to_contain_text("Tagged 3 tasks")
    page.get_by_test_id("tag-filter").select_option("check me")
    expect(page.get_by_test_id("task-row")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"tag=check"))
    tagged_ids = sorted(
        int(link.get_attribute("href").split("/")[-1].split("?")[0])  # type: ignore[union-attr]
        for link in page.get_by_test_id("task-link").all()
    )
    assert tagged_ids == sorted(others[:3])

    page.get_by_test_id("select-page").check()
    page.get_by_test_id("bulk-delete").click()
    dialog = page.get_by_test_id("bulk-dialog")
    expect(dialog).to_contain_text("Delete 3 tasks?")
    page.get_by_test_id("bulk-cancel").click()
    expect(page.get_by_test_id("task-row")).to_have_count(3)
    page.get_by_test_id("bulk-delete").click()
    page.get_by_test_id("bulk-confirm").click()
    expect(page.get_by_test_id("toast-success").last).to_contain_text("Deleted 3 tasks")
    expect(page.get_by_test_id("tasks-empty")).to_be_visible()
    page.get_by_test_id("tag-filter").select_option("")
    expect(page.get_by_test_id("task-row")).to_have_count(2)
