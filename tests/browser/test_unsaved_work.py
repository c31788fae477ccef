"""Work on the labeling page is never lost silently: a second tab's save is a stale write."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.labeling_fixtures import (
    Labeler,
    drawn_page,
    grid_words,
    lab_page,
    labeler,
    labeling_server,
)
from tests.browser.test_labeling import click_word, open_task, regions_in_panel

pytestmark = pytest.mark.browser
FIXTURES = (labeling_server, labeler, lab_page)  # imported for pytest to find them


def test_the_same_user_in_two_tabs_gets_the_conflict_banner_not_a_second_annotation(
    labeler: Labeler,
) -> None:
    services = labeler.server.services
    project_id = labeler.new_project("forms")
    words = grid_words(6, 600, 400, columns=3)
    task_id = labeler.new_task(project_id, "Two tabs", [drawn_page(services, 600, 400, words)])
    first, second = labeler.context.new_page(), labeler.context.new_page()
    open_task(first, task_id)
    open_task(second, task_id)

    click_word(first, words[0].bbox)
    first.keyboard.press("q")
    first.keyboard.press("Control+s")
    expect(first.get_by_test_id("save-status")).to_have_text("Draft saved · v1")

    click_word(second, words[1].bbox)
    second.keyboard.press("a")
    second.keyboard.press("Control+s")
    banner = second.get_by_test_id("conflict-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("in another tab")
    expect(second.get_by_test_id("save-status")).to_have_text("Not saved: conflict")
    annotations = labeler.api("GET", f"/api/tasks/{task_id}/annotations")
    assert [[r["label"] for r in a["regions"]] for a in annotations] == [["question"]]

    second.get_by_test_id("conflict-reload").click()
    expect(second.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")
    assert regions_in_panel(second) == [("question", "w0")]
