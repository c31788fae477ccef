"""The labeling page as an annotator uses it: words, labels, boxes, relations, pages,
predictions, saving (with conflicts), and hostile OCR text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.labeling_fixtures import (
    ADMIN_PASSWORD,
    Labeler,
    add_prediction,
    drawn_page,
    funsd_page,
    grid_words,
)
from tests.browser.server_process import ADMIN_USERNAME
from visualner.words import Word

pytestmark = pytest.mark.browser

HOSTILE_TEXT = "<img src=x onerror=alert(1)>"
BOXES_AND_CHOICES = """<View>
  <Image name="image" value="$image"/>
  <Labels name="label" toName="image"><Label value="PERSON" hotkey="1"/></Labels>
  <RectangleLabels name="box" toName="image">
    <Label value="LOGO" hotkey="g"/><Label value="SIGNATURE" hotkey="s"/>
  </RectangleLabels>
  <Choices name="doc_type" toName="image" choice="single">
    <Choice value="invoice" hotkey="i"/><Choice value="receipt"/>
  </Choices>
</View>"""
Box = tuple[float, float, float, float]


def open_task(page: Page, task_id: int) -> None:
    page.goto(f"/tasks/{task_id}")
    expect(page.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")


def page_point(page: Page, x: float, y: float) -> tuple[float, float]:
    """Screen coordinates of a point of the current page (page pixels)."""
    stage = page.get_by_test_id("page-stage")
    box = stage.bounding_box()
    assert box is not None
    scale = float(stage.get_attribute("data-scale") or "1")
    return box["x"] + x * scale, box["y"] + y * scale


def click_word(page: Page, bbox: Box, modifier: str | None = None) -> None:
    x, y = page_point(page, (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
    if modifier:
        page.keyboard.down(modifier)
    page.mouse.click(x, y)
    if modifier:
        page.keyboard.up(modifier)


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*page_point(page, *start))
    page.mouse.down()
    page.mouse.move(*page_point(page, *end), steps=6)
    page.mouse.up()


def task_words(labeler: Labeler, task_id: int) -> list[dict[str, Any]]:
    words: list[dict[str, Any]] = labeler.api("GET", f"/api/tasks/{task_id}")["pages"][0]["words"]
    return words


def regions_in_panel(page: Page) -> list[tuple[str, str]]:
    rows = page.get_by_test_id("region-row")
    return [
        (
            rows.nth(i).get_attribute("data-label") or "",
            rows.nth(i).get_by_test_id("region-text").input_value(),
        )
        for i in range(rows.count())
    ]


def test_annotator_labels_a_funsd_form_and_the_regions_survive_a_reload(labeler: Labeler) -> None:
    project_id = labeler.new_project("forms")
    task_id = labeler.new_task(project_id, "FUNSD form", [funsd_page(labeler.server.services)])
    words = task_words(labeler, task_id)
    page = labeler.context.new_page()
    labeler.context.clear_cookies()

    page.goto(f"/tasks/{task_id}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_test_id("login-username").fill(ADMIN_USERNAME)
    page.get_by_test_id("login-password").fill(ADMIN_PASSWORD)
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{task_id}$"))
    expect(page.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("label-button")).to_have_count(4)

    # Click, then Shift+click: the reading-order range "Name / Phone Ext. :" (words 16-20).
    click_word(page, words[16]["bbox"])
    click_word(page, words[20]["bbox"], "Shift")
    page.keyboard.press("q")
    expect(page.get_by_test_id("region-row")).to_have_count(1)
    question = page.get_by_test_id("region-row").first
    expect(question).to_have_attribute("data-label", "question")
    expect(question.get_by_test_id("region-text")).to_have_value(
        " ".join(w["text"] for w in words[16:21])
    )

    # A rubber band over the answer "M. Hamann P. Harper, P. Martinez" (words 21-26).
    drag(page, (212, 266), (455, 291))
    page.keyboard.press("a")
    answer = page.locator('[data-testid="region-row"][data-label="answer"]')
    expect(answer.get_by_test_id("region-text")).to_have_value(
        " ".join(w["text"] for w in words[21:27])
    )

    # Link question → answer: pick the question, "Link", click a word of the answer.
    question.get_by_test_id("link-region").click()
    expect(page.get_by_test_id("link-hint")).to_be_visible()
    click_word(page, words[23]["bbox"])
    expect(page.get_by_test_id("relation-row")).to_have_count(1)
    expect(page.get_by_test_id("relation-row")).to_contain_text("Name")

    # A free box around the logo, relabelled "other" and transcribed.
    page.keyboard.press("r")
    expect(page.get_by_test_id("tool-box")).to_have_class(re.compile("active"))
    drag(page, (288, 88), (380, 178))
    page.keyboard.press("o")
    box = page.locator('[data-testid="region-row"][data-label="other"]')
    expect(box).to_contain_text("box")
    box.get_by_test_id("region-text").fill("R&D logo")
    box.get_by_test_id("region-text").press("Enter")
    expect(page.get_by_test_id("region-count")).to_have_text("3")

    # Undo the text edit, redo it.
    page.keyboard.press("Control+z")
    expect(box.get_by_test_id("region-text")).to_have_value("")
    page.keyboard.press("Control+Shift+z")
    expect(box.get_by_test_id("region-text")).to_have_value("R&D logo")

    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("save-status")).to_have_text(re.compile(r"^Submitted · v\d+$"))
    before = sorted(regions_in_panel(page))

    page.reload()
    expect(page.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("region-row")).to_have_count(3)
    assert sorted(regions_in_panel(page)) == before
    expect(page.get_by_test_id("relation-row")).to_have_count(1)
    expect(page.get_by_test_id("submit")).to_have_text("Update")
    saved = labeler.api("GET", f"/api/tasks/{task_id}")["annotations"]
    assert [a["status"] for a in saved] == ["submitted"]
    assert {r["label"] for r in saved[0]["regions"]} == {"question", "answer", "other"}


def test_pages_turn_with_keys_and_buttons_and_regions_of_every_page_are_saved(
    labeler: Labeler,
) -> None:
    services = labeler.server.services
    project_id = labeler.new_project("forms")
    pages = [
        drawn_page(services, 600, 800, grid_words(12, 600, 800, columns=3), caption=f"Page {n + 1}")
        for n in range(3)
    ]
    task_id = labeler.new_task(project_id, "Three pages", pages)
    page = labeler.context.new_page()
    open_task(page, task_id)
    words = task_words(labeler, task_id)
    expect(page.get_by_test_id("page-label")).to_have_text("Page 1 of 3")
    expect(page.get_by_test_id("prev-page")).to_be_disabled()

    page.keyboard.press("]")
    expect(page.get_by_test_id("page-label")).to_have_text("Page 2 of 3")
    expect(page.get_by_test_id("page-stage")).to_have_attribute("data-page", "1")
    expect(page.get_by_test_id("page-image")).to_have_attribute("src", re.compile("/pages/1/image"))
    click_word(page, words[4]["bbox"])
    page.keyboard.press("h")
    page.keyboard.press("PageDown")
    expect(page.get_by_test_id("page-label")).to_have_text("Page 3 of 3")
    expect(page.get_by_test_id("next-page")).to_be_disabled()
    click_word(page, words[0]["bbox"])
    page.keyboard.press("o")
    page.get_by_test_id("prev-page").click()
    page.keyboard.press("PageUp")
    expect(page.get_by_test_id("page-label")).to_have_text("Page 1 of 3")

    rows = page.get_by_test_id("region-row")
    expect(rows.get_by_test_id("region-page")).to_have_text(["p. 2", "p. 3"])
    rows.nth(1).get_by_test_id("region-page").click()
    expect(page.get_by_test_id("page-label")).to_have_text("Page 3 of 3")

    page.keyboard.press("?")
    expect(page.get_by_test_id("help-overlay")).to_be_visible()
    expect(page.get_by_test_id("help-overlay")).to_contain_text("Label “header”")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("help-overlay")).to_be_hidden()

    before = page.get_by_test_id("page-stage").get_attribute("data-scale")
    page.keyboard.press("+")
    expect(page.get_by_test_id("page-stage")).not_to_have_attribute("data-scale", before or "")
    page.keyboard.press("0")
    expect(page.get_by_test_id("page-stage")).to_have_attribute("data-scale", before or "")

    page.keyboard.press("Control+s")
    # v1 unless the autosave fired while a slow machine ran the steps above; either way the
    # draft holds every page's regions.
    expect(page.get_by_test_id("save-status")).to_have_text(re.compile(r"^Draft saved · v\d+$"))
    saved = labeler.api("GET", f"/api/tasks/{task_id}")["annotations"][0]
    assert saved["status"] == "draft"
    assert sorted((r["page"], r["label"], r["tokens"]) for r in saved["regions"]) == [
        (1, "header", [4]),
        (2, "other", [0]),
    ]


def test_long_documents_fetch_each_page_when_it_is_shown(labeler: Labeler) -> None:
    services = labeler.server.services
    project_id = labeler.new_project("forms")
    words = grid_words(4, 200, 160, columns=2)
    blank = drawn_page(services, 200, 160, words)
    task_id = labeler.new_task(project_id, "Long document", [blank] * 21)
    page = labeler.context.new_page()
    open_task(page, task_id)
    expect(page.get_by_test_id("page-stage")).to_have_attribute("data-word-count", "4")
    with page.expect_response(re.compile(rf"/api/tasks/{task_id}/pages/1$")):
        page.keyboard.press("]")
    expect(page.get_by_test_id("page-stage")).to_have_attribute("data-page", "1")
    expect(page.get_by_test_id("page-stage")).to_have_attribute("data-word-count", "4")


def test_a_stale_save_shows_the_conflict_banner_and_overwrites_nothing(labeler: Labeler) -> None:
    services = labeler.server.services
    project_id = labeler.new_project("forms")
    task_words_list = grid_words(6, 600, 400, columns=3)
    task_id = labeler.new_task(
        project_id, "Contested", [drawn_page(services, 600, 400, task_words_list)]
    )
    page = labeler.context.new_page()
    open_task(page, task_id)
    click_word(page, task_words_list[0].bbox)
    page.keyboard.press("q")
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("save-status")).to_have_text("Draft saved · v1")

    annotation = labeler.api("GET", f"/api/tasks/{task_id}")["annotations"][0]
    theirs = {"regions": [], "relations": [], "choices": {}, "status": "submitted", "version": 1}
    labeler.api("PUT", f"/api/annotations/{annotation['id']}", theirs)

    click_word(page, task_words_list[1].bbox)
    page.keyboard.press("a")
    page.keyboard.press("Control+s")
    banner = page.get_by_test_id("conflict-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("This task was saved elsewhere")
    expect(banner).to_contain_text("Reload to see that version")
    expect(page.get_by_test_id("save-status")).to_have_text("Not saved: conflict")
    expect(page.get_by_test_id("submit")).to_be_disabled()
    page.wait_for_timeout(1300)  # the autosave delay: the banner stays, nothing is retried
    expect(banner).to_be_visible()
    current = labeler.api("GET", f"/api/annotations/{annotation['id']}")
    assert (current["version"], current["regions"]) == (2, [])


def test_hostile_ocr_text_is_shown_as_text(labeler: Labeler) -> None:
    services = labeler.server.services
    project_id = labeler.new_project("forms")
    hostile = [Word(HOSTILE_TEXT, (40, 40, 300, 80), 0.9, 0, 0), Word("plain", (40, 120, 200, 160))]
    task_id = labeler.new_task(project_id, HOSTILE_TEXT, [drawn_page(services, 400, 300, hostile)])
    page = labeler.context.new_page()
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    open_task(page, task_id)
    expect(page.get_by_test_id("task-title")).to_have_text(HOSTILE_TEXT)
    x, y = page_point(page, 100, 60)
    page.mouse.move(x, y)
    expect(page.get_by_test_id("word-tooltip")).to_have_text(HOSTILE_TEXT)
    page.mouse.click(x, y)
    page.keyboard.press("o")
    expect(page.get_by_test_id("region-text")).to_have_value(HOSTILE_TEXT)
    expect(page.locator('img[src="x"]')).to_have_count(0)
    assert dialogs == []


def test_predictions_are_marked_and_accepting_them_keeps_the_model_as_origin(
    labeler: Labeler,
) -> None:
    services = labeler.server.services
    project_id = labeler.new_project("forms")
    words = grid_words(6, 600, 400, columns=3, texts=["Date:", "6/25/81", "Name:", "Ann"])
    task_id = labeler.new_task(project_id, "Predicted", [drawn_page(services, 600, 400, words)])
    add_prediction(
        services,
        task_id,
        "crf@3",
        [
            {"id": "p1", "page": 0, "label": "question", "tokens": [0], "text": "Date:"},
            {"id": "p2", "page": 0, "label": "answer", "tokens": [1], "text": "6/25/81"},
        ],
    )
    page = labeler.context.new_page()
    open_task(page, task_id)
    expect(page.get_by_test_id("prediction-badge")).to_have_count(2)
    expect(page.get_by_test_id("predictions-panel")).to_contain_text("2 predicted regions")
    page.keyboard.press("Shift+A")
    expect(page.get_by_test_id("prediction-badge")).to_have_count(0)
    expect(page.get_by_test_id("region-origin")).to_have_text(["crf@3", "crf@3"])
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("save-status")).to_have_text("Submitted · v1")
    saved = labeler.api("GET", f"/api/tasks/{task_id}")["annotations"][0]
    assert sorted((r["id"], r["label"], r["origin"]) for r in saved["regions"]) == [
        ("p1", "question", "crf@3"),
        ("p2", "answer", "crf@3"),
    ]


def test_label_next_opens_the_first_task_nobody_submitted_and_skip_moves_on(
    labeler: Labeler,
) -> None:
    services = labeler.server.services
    project_id = labeler.new_project("forms")
    words = grid_words(2, 300, 200, columns=2)
    first, second, third = (
        labeler.new_task(project_id, title, [drawn_page(services, 300, 200, words)])
        for title in ("First", "Second", "Third")
    )
    body = {"regions": [], "relations": [], "choices": {}, "status": "submitted"}
    labeler.api("POST", f"/api/tasks/{first}/annotations", body)
    page = labeler.context.new_page()
    page.goto(f"/projects/{project_id}")
    page.get_by_test_id("label-next").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{second}$"))
    expect(page.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")
    page.get_by_test_id("skip").click()
    expect(page).to_have_url(re.compile(rf"/tasks/{third}$"))
    expect(page.get_by_test_id("task-title")).to_have_text("Third")


def test_rectangle_labels_draw_boxes_and_document_choices_are_saved(labeler: Labeler) -> None:
    services = labeler.server.services
    project_id = labeler.new_project(label_config=BOXES_AND_CHOICES)
    words = grid_words(4, 600, 400, columns=2)
    task_id = labeler.new_task(project_id, "Signed", [drawn_page(services, 600, 400, words)])
    page = labeler.context.new_page()
    open_task(page, task_id)

    page.keyboard.press("s")  # a box label with nothing selected: the box tool, drawing SIGNATUREs
    expect(page.get_by_test_id("tool-box")).to_have_class(re.compile("active"))
    drag(page, (40, 300), (260, 380))
    row = page.get_by_test_id("region-row")
    expect(row).to_have_attribute("data-label", "SIGNATURE")
    page.keyboard.press("Delete")
    expect(row).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(row).to_have_attribute("data-label", "SIGNATURE")

    choices = page.get_by_test_id("choices-panel")
    page.keyboard.press("i")
    expect(choices.get_by_role("radio", name="invoice")).to_be_checked()
    choices.get_by_text("receipt").click()
    expect(choices.get_by_role("radio", name="receipt")).to_be_checked()

    page.keyboard.press("Control+s")
    # v1 unless the autosave fired while a slow machine ran the steps above; either way the
    # draft holds every page's regions.
    expect(page.get_by_test_id("save-status")).to_have_text(re.compile(r"^Draft saved · v\d+$"))
    saved = labeler.api("GET", f"/api/tasks/{task_id}")["annotations"][0]
    assert saved["choices"] == {"doc_type": ["receipt"]}
    [box] = saved["regions"]
    assert (box["label"], box["tokens"], box["page"]) == ("SIGNATURE", [], 0)
    assert box["bbox"] == pytest.approx([40, 300, 260, 380], abs=1.5)
