"""The config editor shows which labels regions use and will not drop one until the manager
says what becomes of its regions (issue 13, item 3)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.labeling_fixtures import (
    Labeler,
    add_prediction,
    drawn_page,
    grid_words,
)
from visualner.db import session_scope
from visualner.projects.models import Project

pytestmark = pytest.mark.browser


def labels_config(labels: list[str]) -> str:
    return (
        '<View><Image name="image" value="$image"/><Labels name="label" toName="image">'
        + "".join(f'<Label value="{label}"/>' for label in labels)
        + "</Labels></View>"
    )


def test_the_config_editor_counts_used_labels_and_asks_before_dropping_one(
    labeler: Labeler,
) -> None:
    old = labels_config(["PERSON", "ADDRESS", "PHONE"])
    project_id = labeler.new_project(label_config=old)
    words = grid_words(4, 400, 200, columns=2)
    task_id = labeler.new_task(
        project_id, "Letter", [drawn_page(labeler.server.services, 400, 200, words)]
    )
    labeler.api(
        "POST",
        f"/api/tasks/{task_id}/annotations",
        {
            "regions": [
                {"id": "a", "label": "ADDRESS", "tokens": [0, 1], "text": "w0 w1"},
                {"id": "t", "label": "PHONE", "tokens": [2], "text": "w2"},
            ],
            "status": "submitted",
        },
    )
    add_prediction(
        labeler.server.services,
        task_id,
        "crf@1",
        [{"id": "x", "label": "ADDRESS", "tokens": [3], "text": "w3", "page": 0}],
    )
    page = labeler.context.new_page()
    page.goto(f"/projects/{project_id}/settings")

    address = page.locator('[data-testid="label-usage-row"][data-label="ADDRESS"]')
    expect(address.get_by_test_id("label-usage-regions")).to_have_text("1")
    expect(address.get_by_test_id("label-usage-predicted")).to_have_text("1")
    phone = page.locator('[data-testid="label-usage-row"][data-label="PHONE"]')
    expect(phone.get_by_test_id("label-usage-regions")).to_have_text("1")
    person = page.locator('[data-testid="label-usage-row"][data-label="PERSON"]')
    expect(person.get_by_test_id("label-usage-regions")).to_have_text("0")
    expect(page.get_by_test_id("config-status")).to_have_text("Valid")

    # rename ADDRESS to LOCATION and drop PHONE: saving waits for a choice for each
    page.get_by_test_id("config-xml").fill(labels_config(["PERSON", "LOCATION"]))
    expect(page.get_by_test_id("config-status")).to_have_text("Valid")
    expect(page.get_by_test_id("label-usage-hint")).to_be_visible()
    save = page.get_by_test_id("settings-config-save")
    expect(save).to_be_disabled()
    address_choice = address.get_by_test_id("label-change")
    phone_choice = phone.get_by_test_id("label-change")
    expect(phone_choice.locator("option")).to_have_text(
        [
            "Choose what becomes of its regions…",
            "Rename to PERSON",
            "Rename to LOCATION",
            "Delete its 1 regions",
        ]
    )
    address_choice.select_option("LOCATION")
    expect(save).to_be_disabled()
    phone_choice.select_option("delete")
    expect(save).to_be_enabled()
    save.click()
    expect(page.get_by_test_id("toast-success")).to_contain_text("Labeling config saved.")

    task = labeler.api("GET", f"/api/tasks/{task_id}")
    assert [r["label"] for r in task["annotations"][0]["regions"]] == ["LOCATION"]
    assert task["annotations"][0]["version"] == 2
    assert [r["label"] for r in task["predictions"][0]["regions"]] == ["LOCATION"]
    location = page.locator('[data-testid="label-usage-row"][data-label="LOCATION"]')
    expect(location.get_by_test_id("label-usage-regions")).to_have_text("1")
    expect(page.locator('[data-testid="label-usage-row"][data-label="PHONE"]')).to_have_count(0)
    expect(page.get_by_test_id("label-usage-hint")).to_be_hidden()


def test_regions_of_a_label_the_config_already_lacks_are_repaired_in_the_editor(
    labeler: Labeler,
) -> None:
    services = labeler.server.services
    project_id = labeler.new_project(label_config=labels_config(["PERSON", "ADDRESS"]))
    words = grid_words(2, 400, 200, columns=2)
    task_id = labeler.new_task(project_id, "Old", [drawn_page(services, 400, 200, words)])
    labeler.api(
        "POST",
        f"/api/tasks/{task_id}/annotations",
        {"regions": [{"id": "a", "label": "ADDRESS", "tokens": [0], "text": "w0"}]},
    )
    # the config lost ADDRESS before edits were checked: its regions are left without a label
    with session_scope(services.database.write) as session:
        project = session.get(Project, project_id)
        assert project is not None
        project.label_config = labels_config(["PERSON", "LOCATION"])
    page = labeler.context.new_page()
    page.goto(f"/projects/{project_id}/settings")
    expect(page.get_by_test_id("config-status")).to_have_text("Valid")
    address = page.locator('[data-testid="label-usage-row"][data-label="ADDRESS"]')
    expect(address.get_by_test_id("label-usage-regions")).to_have_text("1")
    save = page.get_by_test_id("settings-config-save")
    expect(save).to_be_enabled()  # fixing it is optional: other edits still save
    address.get_by_test_id("label-change").select_option("LOCATION")
    save.click()
    expect(page.get_by_test_id("toast-success")).to_contain_text("Labeling config saved.")
    task = labeler.api("GET", f"/api/tasks/{task_id}")
    assert [r["label"] for r in task["annotations"][0]["regions"]] == ["LOCATION"]
    expect(page.locator('[data-testid="label-usage-row"][data-label="ADDRESS"]')).to_have_count(0)
