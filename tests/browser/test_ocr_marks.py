"""OCR help on the labeling page: unsure words are marked, and a drawn box is read again."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from playwright.sync_api import expect

from tests.browser.labeling_fixtures import (
    Labeler,
    drawn_page,
    funsd_page,
    grid_words,
)
from tests.browser.test_labeling import drag, open_task, page_point

pytestmark = pytest.mark.browser

WORDS_AND_BOXES = """<View>
  <Image name="image" value="$image"/>
  <Labels name="label" toName="image"><Label value="question"/><Label value="answer"/></Labels>
  <RectangleLabels name="box" toName="image"><Label value="CHECK" hotkey="c"/></RectangleLabels>
</View>"""
#: The form's "Date: 9/3/92" line, page pixels.
DATE_BOX = (470.0, 255.0, 610.0, 290.0)


def test_words_read_with_low_confidence_are_marked_and_say_so(labeler: Labeler) -> None:
    services = labeler.server.services
    project_id = labeler.new_project()
    words = grid_words(6, 600, 400, columns=3)
    words[1] = replace(words[1], confidence=0.31)
    words[4] = replace(words[4], confidence=0.79)
    task_id = labeler.new_task(project_id, "Unsure", [drawn_page(services, 600, 400, words)])
    page = labeler.context.new_page()
    open_task(page, task_id)

    # The default threshold (VISUALNER_OCR_LOW_CONFIDENCE) is 0.8.
    expect(page.get_by_test_id("page-stage")).to_have_attribute("data-low-confidence-words", "2")
    bbox = words[1].bbox
    page.mouse.move(*page_point(page, (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2))
    tooltip = page.get_by_test_id("word-tooltip")
    expect(tooltip).to_have_text("w1 · OCR 31% sure")
    expect(tooltip).to_have_attribute("data-low-confidence", "true")
    sure = words[0].bbox
    page.mouse.move(*page_point(page, (sure[0] + sure[2]) / 2, (sure[1] + sure[3]) / 2))
    expect(tooltip).to_have_text("w0")


def test_a_drawn_box_is_read_again_and_its_misread_words_replaced(labeler: Labeler) -> None:
    services = labeler.server.services
    project_id = labeler.new_project(label_config=WORDS_AND_BOXES)
    form = funsd_page(services)
    garbled = [
        replace(w, text="XXXX")
        if DATE_BOX[0] <= (w.bbox[0] + w.bbox[2]) / 2 <= DATE_BOX[2]
        and DATE_BOX[1] <= (w.bbox[1] + w.bbox[3]) / 2 <= DATE_BOX[3]
        else w
        for w in form.words
    ]
    task_id = labeler.new_task(project_id, "Misread", [replace(form, words=garbled)])
    page = labeler.context.new_page()
    open_task(page, task_id)
    reocr = page.get_by_test_id("reocr-region")
    expect(reocr).to_be_disabled()  # nothing drawn yet

    page.keyboard.press("c")  # the CHECK box label: the box tool
    drag(page, DATE_BOX[:2], DATE_BOX[2:])
    expect(page.get_by_test_id("region-row")).to_have_attribute("data-label", "CHECK")
    expect(reocr).to_be_enabled()
    reocr.click()

    region_text = page.get_by_test_id("region-text")
    expect(region_text).to_have_value(re.compile(r"Date:.*92"), timeout=60_000)
    expect(reocr).to_have_attribute("data-state", "idle")
    stored = labeler.api("GET", f"/api/tasks/{task_id}")["pages"][0]["words"]
    texts = {w["text"] for w in stored}
    assert "XXXX" not in texts
    assert {"Date:", "92"} <= texts
    page.keyboard.press("Control+s")  # autosave may have saved the re-read already
    expect(page.get_by_test_id("save-status")).to_have_text(re.compile(r"Draft saved · v\d"))
    [saved] = labeler.api("GET", f"/api/tasks/{task_id}")["annotations"][0]["regions"]
    assert saved["label"] == "CHECK" and "92" in saved["text"]
