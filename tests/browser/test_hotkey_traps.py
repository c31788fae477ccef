"""Hotkeys never give a region a label of the other kind (issue 13, item 6)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.labeling_fixtures import (
    Labeler,
    drawn_page,
    grid_words,
)
from tests.browser.test_labeling import click_word, open_task, regions_in_panel

pytestmark = pytest.mark.browser

WORDS_AND_BOXES = """<View>
  <Image name="image" value="$image"/>
  <Labels name="label" toName="image">
    <Label value="PERSON" hotkey="1"/><Label value="PHONE" hotkey="2"/>
  </Labels>
  <RectangleLabels name="box" toName="image">
    <Label value="LOGO" hotkey="g"/><Label value="SIGNATURE" hotkey="s"/>
  </RectangleLabels>
</View>"""


def test_a_box_label_hotkey_never_relabels_a_word_region(labeler: Labeler) -> None:
    services = labeler.server.services
    project_id = labeler.new_project(label_config=WORDS_AND_BOXES)
    words = grid_words(4, 600, 400, columns=2)
    task_id = labeler.new_task(project_id, "Entities", [drawn_page(services, 600, 400, words)])
    page = labeler.context.new_page()
    open_task(page, task_id)

    click_word(page, words[0].bbox)
    page.keyboard.press("2")
    assert regions_in_panel(page) == [("PHONE", "w0")]
    page.keyboard.press("s")  # SIGNATURE is a box label: the PHONE entity stays PHONE
    assert regions_in_panel(page) == [("PHONE", "w0")]
    click_word(page, words[1].bbox)
    page.keyboard.press("g")  # with words selected, a box label does not label them either
    assert regions_in_panel(page) == [("PHONE", "w0")]

    options = page.get_by_test_id("region-label").first.locator("option")
    expect(options).to_have_text(["PERSON", "PHONE"])
