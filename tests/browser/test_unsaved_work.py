"""Work on the labeling page is never lost silently: leaving with unsaved edits asks first, and
a second tab's save is a stale write."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Dialog, expect

from tests.browser.labeling_fixtures import (
    Labeler,
    drawn_page,
    grid_words,
)
from tests.browser.test_labeling import click_word, open_task, regions_in_panel
from visualner.words import Word

pytestmark = pytest.mark.browser


def new_grid_task(labeler: Labeler, title: str) -> tuple[int, int, list[Word]]:
    """A forms project with one task of six words: (project id, task id, words)."""
    project_id = labeler.new_project("forms")
    words = grid_words(6, 600, 400, columns=3)
    page = drawn_page(labeler.server.services, 600, 400, words)
    return project_id, labeler.new_task(project_id, title, [page]), words


def test_the_same_user_in_two_tabs_gets_the_conflict_banner_not_a_second_annotation(
    labeler: Labeler,
) -> None:
    _, task_id, words = new_grid_task(labeler, "Two tabs")
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


def test_leaving_with_edits_after_submit_asks_first_on_links_and_on_unload(
    labeler: Labeler,
) -> None:
    _, task_id, words = new_grid_task(labeler, "Submitted")
    page = labeler.context.new_page()
    open_task(page, task_id)
    click_word(page, words[0].bbox)
    page.keyboard.press("q")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_test_id("save-status")).to_have_text("Submitted · v1")
    click_word(page, words[1].bbox)
    page.keyboard.press("a")
    expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes: press Update")

    page.get_by_test_id("back-to-project").click()
    dialog = page.get_by_test_id("leave-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Press Update")
    dialog.get_by_test_id("bulk-cancel").click()
    expect(dialog).to_have_count(0)
    assert regions_in_panel(page) == [("question", "w0"), ("answer", "w1")]

    prompts: list[str] = []

    def stay(prompt: Dialog) -> None:
        prompts.append(prompt.type)
        prompt.dismiss()

    page.on("dialog", stay)
    page.close(run_before_unload=True)
    expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes: press Update")
    assert prompts == ["beforeunload"]
    page.remove_listener("dialog", stay)

    page.get_by_test_id("skip").click()
    page.get_by_test_id("leave-dialog").get_by_test_id("bulk-confirm").click()
    page.wait_for_url(re.compile(r"/projects/\d+"))
    annotations = labeler.api("GET", f"/api/tasks/{task_id}/annotations")
    assert [(a["version"], len(a["regions"])) for a in annotations] == [(1, 1)]


def test_a_draft_edit_is_saved_when_leaving_without_a_prompt(labeler: Labeler) -> None:
    project_id, task_id, words = new_grid_task(labeler, "Draft")
    page = labeler.context.new_page()
    open_task(page, task_id)
    click_word(page, words[0].bbox)
    page.keyboard.press("q")
    page.get_by_test_id("back-to-project").click()
    page.wait_for_url(re.compile(rf"/projects/{project_id}$"))
    expect(page.get_by_test_id("leave-dialog")).to_have_count(0)
    annotations = labeler.api("GET", f"/api/tasks/{task_id}/annotations")
    assert [[r["label"] for r in a["regions"]] for a in annotations] == [["question"]]


def test_a_draft_too_big_to_send_while_unloading_is_saved_before_leaving(
    labeler: Labeler,
) -> None:
    """Browsers refuse an unload-time (keepalive) request over 64 KiB: a big draft's last
    edit is saved before an in-app link leaves, and closing the tab asks instead."""
    project_id, task_id, words = new_grid_task(labeler, "Long transcription")
    long_text = "transcribed " * 7000  # 84 kB: past the keepalive limit
    labeler.api(
        "POST",
        f"/api/tasks/{task_id}/annotations",
        {
            "regions": [{"id": "t", "label": "other", "tokens": [5], "text": long_text}],
            "status": "draft",
        },
    )
    page = labeler.context.new_page()
    open_task(page, task_id)
    click_word(page, words[0].bbox)
    page.keyboard.press("q")
    page.get_by_test_id("back-to-project").click()
    page.wait_for_url(re.compile(rf"/projects/{project_id}$"))
    annotations = labeler.api("GET", f"/api/tasks/{task_id}/annotations")
    assert [[r["label"] for r in a["regions"]] for a in annotations] == [["other", "question"]]

    open_task(page, task_id)
    click_word(page, words[1].bbox)
    page.keyboard.press("a")
    prompts: list[str] = []

    def stay(prompt: Dialog) -> None:
        prompts.append(prompt.type)
        prompt.dismiss()

    page.on("dialog", stay)
    page.close(run_before_unload=True)
    expect(page.get_by_test_id("save-status")).to_have_text("Draft saved · v3")
    assert prompts == ["beforeunload"]
