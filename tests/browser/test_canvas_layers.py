"""Region boxes and relation arrows can be hidden (toolbar, Shift+B / Shift+L, remembered), and
word boxes stay visible on a dark page (issue 13, item 10)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.labeling_fixtures import (
    Labeler,
    drawn_page,
    grid_words,
    png_bytes,
)
from tests.browser.test_labeling import open_task, page_point
from visualner.tasks.service import NewPage

pytestmark = pytest.mark.browser


def drawn(page: Page) -> tuple[str | None, str | None]:
    stage = page.get_by_test_id("page-stage")
    return stage.get_attribute("data-regions-drawn"), stage.get_attribute("data-relations-drawn")


def test_region_boxes_and_arrows_hide_and_the_choice_is_remembered(labeler: Labeler) -> None:
    project_id = labeler.new_project("forms")
    words = grid_words(4, 600, 400, columns=2)
    task_id = labeler.new_task(
        project_id, "Linked", [drawn_page(labeler.server.services, 600, 400, words)]
    )
    labeler.api(
        "POST",
        f"/api/tasks/{task_id}/annotations",
        {
            "regions": [
                {"id": "q", "label": "question", "tokens": [0], "bbox": list(words[0].bbox)},
                {"id": "a", "label": "answer", "tokens": [1], "bbox": list(words[1].bbox)},
            ],
            "relations": [{"from_id": "q", "to_id": "a"}],
            "status": "draft",
        },
    )
    page = labeler.context.new_page()
    open_task(page, task_id)
    stage = page.get_by_test_id("page-stage")
    expect(stage).to_have_attribute("data-regions-drawn", "2")
    expect(stage).to_have_attribute("data-relations-drawn", "1")
    regions, arrows = page.get_by_test_id("toggle-regions"), page.get_by_test_id("toggle-relations")
    expect(regions).to_have_attribute("aria-pressed", "true")

    page.keyboard.press("Shift+B")
    expect(stage).to_have_attribute("data-regions-drawn", "0")
    expect(stage).to_have_attribute("data-relations-drawn", "1")
    expect(regions).to_have_attribute("aria-pressed", "false")
    arrows.click()
    expect(stage).to_have_attribute("data-relations-drawn", "0")
    expect(arrows).to_have_attribute("aria-pressed", "false")
    # hiding is a view choice: the annotation is not touched
    expect(page.get_by_test_id("region-row")).to_have_count(2)

    page.reload()
    expect(page.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")
    assert drawn(page) == ("0", "0")
    expect(page.get_by_test_id("toggle-regions")).to_have_attribute("aria-pressed", "false")

    page.keyboard.press("Shift+B")
    page.keyboard.press("Shift+L")
    expect(stage).to_have_attribute("data-regions-drawn", "2")
    expect(stage).to_have_attribute("data-relations-drawn", "1")
    page.get_by_test_id("help-button").click()
    expect(
        page.get_by_test_id("help-row").filter(has_text="Show or hide region boxes")
    ).to_contain_text("Shift+B")


def brightest(page: Page, x: float, y: float) -> float:
    """The brightest pixel (luma, 0–255) of the screen around a point."""
    shot = page.screenshot(clip={"x": x - 4, "y": y - 4, "width": 8, "height": 8})
    with Image.open(io.BytesIO(shot)) as image:
        darkest_and_brightest: tuple[int, int] = image.convert("L").getextrema()  # type: ignore[assignment]
        return float(darkest_and_brightest[1])


def test_word_boxes_stay_visible_on_a_dark_page(labeler: Labeler) -> None:
    services = labeler.server.services
    project_id = labeler.new_project("forms")
    words = grid_words(4, 600, 400, columns=2)
    sha = services.blobs.put_bytes(png_bytes(Image.new("L", (600, 400), 0)))
    dark = NewPage(600, 400, image_sha256=sha, words=words, words_source="ocr")
    task_id = labeler.new_task(project_id, "Dark scan", [dark])
    page = labeler.context.new_page()
    open_task(page, task_id)

    x0, y0, _, y1 = words[0].bbox
    inside = page_point(page, x0 + 30, (y0 + y1) / 2)
    edge = page_point(page, x0, (y0 + y1) / 2)
    assert brightest(page, *inside) < 40  # the page itself is black there
    assert brightest(page, *edge) > 120  # the word's outline shows against it
