"""The team workflow in a real browser, several users on one server: a manager assigns ten
tasks to two annotators from the task list, and each annotator's list shows exactly theirs."""

from __future__ import annotations

import itertools

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.conftest import log_in_through_api
from tests.browser.labeling_fixtures import (
    Labeler,
    drawn_page,
    grid_words,
    lab_page,
    labeler,
    labeling_server,
)

pytestmark = pytest.mark.browser
FIXTURES = (labeling_server, labeler, lab_page)  # imported for pytest to find them
_names = itertools.count(1)


def _member(labeler: Labeler, project_id: int, role: str) -> tuple[str, str]:
    username = f"team{role}{next(_names)}"
    password = f"pw-{username}-long"
    labeler.api("POST", "/api/users", {"username": username, "password": password})
    labeler.api("POST", f"/api/projects/{project_id}/members", {"username": username, "role": role})
    return username, password


def _as(browser: Browser, labeler: Labeler, username: str, password: str) -> BrowserContext:
    context = browser.new_context(
        base_url=labeler.server.url, viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(5000)
    log_in_through_api(context, username, password)
    return context


def test_a_manager_assigns_ten_tasks_and_each_annotator_sees_exactly_theirs(
    browser: Browser, labeler: Labeler
) -> None:
    project_id = labeler.new_project("forms")
    services = labeler.server.services
    tasks = [
        labeler.new_task(
            project_id,
            f"form-{n}.png",
            [drawn_page(services, 400, 200, grid_words(2, 400, 200, columns=2))],
        )
        for n in range(10)
    ]
    first = _member(labeler, project_id, "annotator")
    second = _member(labeler, project_id, "annotator")

    page = labeler.context.new_page()
    page.goto(f"/projects/{project_id}")
    expect(page.get_by_test_id("task-row")).to_have_count(10)
    page.get_by_test_id("select-page").check()
    page.get_by_test_id("bulk-assign").click()
    dialog = page.get_by_test_id("assign-dialog")
    dialog.get_by_role("checkbox", name=first[0]).check()
    dialog.get_by_role("checkbox", name=second[0]).check()
    dialog.get_by_test_id("assign-distribute").check()
    dialog.get_by_test_id("bulk-confirm").click()
    expect(page.get_by_text(f"Assigned 10 tasks: {first[0]} 5, {second[0]} 5.")).to_be_visible()
    expect(page.get_by_test_id("task-assignees").first).to_have_text(f"assigned: {first[0]}")

    expected = {first: tasks[0::2], second: tasks[1::2]}
    for (username, password), theirs in expected.items():
        context = _as(browser, labeler, username, password)
        try:
            annotator = context.new_page()
            annotator.goto(f"/projects/{project_id}")
            rows = annotator.get_by_test_id("task-row")
            expect(rows).to_have_count(5)
            expect(rows.get_by_test_id("task-link")).to_have_text(
                [f"form-{tasks.index(t)}.png" for t in theirs]
            )
            expect(annotator.get_by_test_id("bulk-assign")).to_have_count(0)
            other = next(t for t in tasks if t not in theirs)
            assert annotator.goto(f"/tasks/{other}").status == 404  # type: ignore[union-attr]
            annotator.goto(f"/projects/{project_id}/next")
            assert annotator.url.endswith(f"/tasks/{theirs[0]}")
        finally:
            context.close()
