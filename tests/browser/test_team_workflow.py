"""The team workflow in a real browser, several users on one server: a manager assigns ten
tasks to two annotators from the task list, and each annotator's list shows exactly theirs;
an annotator submits, the reviewer rejects with a comment, the annotator sees it, fixes and
resubmits, the reviewer accepts, and the reviewed export holds exactly that annotation."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.labeling_fixtures import (
    Labeler,
    drawn_page,
    grid_words,
)
from tests.browser.server_process import log_in_through_api
from tests.browser.test_labeling import click_word, open_task
from visualner.words import Word

pytestmark = pytest.mark.browser
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


@dataclass
class Submitted:
    """A task an annotator submitted (one "question" region on the first word), opened by
    the reviewer through "Review next"."""

    project_id: int
    task_id: int
    words: list[Word]
    annotator: tuple[str, str]
    reviewer: tuple[str, str]
    page: Page
    review: Page


@contextmanager
def submitted_and_opened(browser: Browser, labeler: Labeler) -> Iterator[Submitted]:
    project_id = labeler.new_project("forms")
    services = labeler.server.services
    words = grid_words(4, 400, 200, columns=2)
    task_id = labeler.new_task(project_id, "form.png", [drawn_page(services, 400, 200, words)])
    annotator = _member(labeler, project_id, "annotator")
    reviewer = _member(labeler, project_id, "reviewer")
    labeler.api(
        "POST",
        f"/api/projects/{project_id}/assignments",
        {"task_ids": [task_id], "annotators": [annotator[0]], "reviewer": reviewer[0]},
    )
    as_annotator = _as(browser, labeler, *annotator)
    as_reviewer = _as(browser, labeler, *reviewer)
    try:
        page = as_annotator.new_page()
        open_task(page, task_id)
        click_word(page, words[0].bbox)
        page.keyboard.press("q")
        page.get_by_test_id("submit").click()
        expect(page.get_by_test_id("save-status")).to_have_text("Submitted · v1")
        review = as_reviewer.new_page()
        review.goto(f"/projects/{project_id}/review-next")
        expect(review.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")
        yield Submitted(project_id, task_id, words, annotator, reviewer, page, review)
    finally:
        as_annotator.close()
        as_reviewer.close()


def test_submit_reject_with_a_comment_fix_resubmit_accept_and_export(
    browser: Browser, labeler: Labeler
) -> None:
    comment = "<script>alert(1)</script> the second word is an answer"
    with submitted_and_opened(browser, labeler) as done:
        project_id, task_id, words = done.project_id, done.task_id, done.words
        annotator, reviewer, page, review = done.annotator, done.reviewer, done.page, done.review
        expect(review.get_by_test_id("region-count")).to_have_text("1")
        expect(review.get_by_test_id("review-state")).to_contain_text(f"Read-only: {annotator[0]}")
        click_word(review, words[1].bbox)
        review.keyboard.press("a")
        expect(review.get_by_test_id("region-count")).to_have_text("1")  # read-only
        review.get_by_test_id("review-reject").click()
        review.get_by_test_id("review-comment-input").fill(comment)
        review.get_by_test_id("review-reject-confirm").click()
        review.wait_for_url(f"**/projects/{project_id}?status=submitted")

        page.goto(f"/projects/{project_id}")
        expect(page.get_by_test_id("task-status")).to_have_text("to correct")
        open_task(page, task_id)
        expect(page.get_by_test_id("review-comment")).to_have_text(comment)
        expect(page.get_by_test_id("review-verdict")).to_contain_text(f"To correct — {reviewer[0]}")
        click_word(page, words[1].bbox)
        page.keyboard.press("a")
        expect(page.get_by_test_id("region-count")).to_have_text("2")
        page.get_by_test_id("submit").click()
        expect(page.get_by_test_id("save-status")).to_contain_text("Submitted")

        review.goto(f"/projects/{project_id}/review-next")
        expect(review.get_by_test_id("labeling")).to_have_attribute("data-ready", "true")
        expect(review.get_by_test_id("region-count")).to_have_text("2")
        review.keyboard.press("Alt+a")
        review.wait_for_url(f"**/projects/{project_id}?status=submitted")
    exported = labeler.api("GET", f"/api/projects/{project_id}/export?format=json&only=reviewed")
    assert [(t["id"], len(t["annotations"])) for t in exported] == [(task_id, 1)]
    annotation = exported[0]["annotations"][0]
    assert annotation["user"] == annotator[0]
    assert sorted(r["label"] for r in annotation["regions"]) == ["answer", "question"]
    progress = labeler.api("GET", f"/api/projects/{project_id}/progress")
    mine = next(row for row in progress if row["annotator"] == annotator[0])
    assert (mine["accepted"], mine["rejections"]) == (1, 1)
    assert mine["median_active_s"] is not None and mine["median_active_s"] > 0  # measured


def test_a_region_comment_highlights_its_region_and_text_stays_text(labeler: Labeler) -> None:
    project_id = labeler.new_project("forms")
    services = labeler.server.services
    words = grid_words(4, 400, 200, columns=2)
    task_id = labeler.new_task(project_id, "memo.png", [drawn_page(services, 400, 200, words)])
    regions = [
        {"id": "q1", "page": 0, "label": "question", "tokens": [0], "text": words[0].text},
        {"id": "a1", "page": 0, "label": "answer", "tokens": [3], "text": words[3].text},
    ]
    annotation = labeler.api(
        "POST", f"/api/tasks/{task_id}/annotations", {"regions": regions, "status": "submitted"}
    )
    hostile = "<img src=x onerror=alert(1)> check this answer"
    labeler.api(
        "POST",
        f"/api/tasks/{task_id}/comments",
        {"body": hostile, "annotation_id": annotation["id"], "region_id": "a1"},
    )
    page = labeler.context.new_page()
    page.goto(f"/projects/{project_id}")
    expect(page.get_by_test_id("task-open-comments")).to_have_text("💬 1")
    open_task(page, task_id)
    comment = page.get_by_test_id("comment").first
    expect(comment.get_by_test_id("comment-body")).to_have_text(hostile)
    expect(page.locator("img[src=x]")).to_have_count(0)
    expect(page.get_by_test_id("comments-open-count")).to_have_text("1")
    rows = page.get_by_test_id("region-row")
    expect(rows.nth(1)).not_to_have_class(re.compile(r"\bactive\b"))
    comment.get_by_test_id("comment-region").click()
    expect(rows.nth(1)).to_have_class(re.compile(r"\bactive\b"))
    page.get_by_test_id("comment-input").fill("whole task: fine otherwise")
    page.get_by_test_id("comment-add").click()
    expect(page.get_by_test_id("comment")).to_have_count(2)
    expect(page.get_by_test_id("comments-open-count")).to_have_text("2")
    comment.get_by_test_id("comment-resolve").click()
    expect(page.get_by_test_id("comments-open-count")).to_have_text("1")
    expect(page.get_by_test_id("comment").first).to_have_attribute("data-resolved", "true")


def test_the_team_tab_shows_progress_and_the_agreement_matrix(
    browser: Browser, labeler: Labeler
) -> None:
    project_id = labeler.new_project("forms")
    services = labeler.server.services
    words = grid_words(4, 400, 200, columns=2)
    task_id = labeler.new_task(project_id, "pair.png", [drawn_page(services, 400, 200, words)])
    labeler.api("PATCH", f"/api/projects/{project_id}", {"settings": {"annotations_per_task": 2}})
    names = []
    for regions in (
        [{"id": "q", "page": 0, "label": "question", "tokens": [0]}],
        [
            {"id": "q", "page": 0, "label": "question", "tokens": [0]},
            {"id": "a", "page": 0, "label": "answer", "tokens": [1]},
        ],
    ):
        username, password = _member(labeler, project_id, "annotator")
        names.append(username)
        context = _as(browser, labeler, username, password)
        try:
            csrf = context.request.post(
                "/api/auth/login", data={"username": username, "password": password}
            ).json()["csrf_token"]
            saved = context.request.post(
                f"/api/tasks/{task_id}/annotations",
                data={"regions": regions, "status": "submitted"},
                headers={"X-CSRF-Token": csrf},
            )
            assert saved.ok, saved.text()
        finally:
            context.close()
    page = labeler.context.new_page()
    page.goto(f"/projects/{project_id}/team")
    rows = page.get_by_test_id("progress-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(names[0])
    matrix = page.get_by_test_id("agreement-row")
    expect(matrix.first).to_contain_text("66.7% (1)")  # 2·1 / (1 + 2)
    expect(page.get_by_test_id("agreement-label-row").first).to_contain_text("answer")
    expect(page.get_by_test_id("agreement-csv")).to_have_attribute(
        "href", f"/api/projects/{project_id}/agreement?format=csv"
    )


def test_the_version_diff_names_an_added_and_a_relabelled_region(labeler: Labeler) -> None:
    project_id = labeler.new_project("forms")
    services = labeler.server.services
    words = grid_words(4, 400, 200, columns=2)
    task_id = labeler.new_task(project_id, "versions.png", [drawn_page(services, 400, 200, words)])
    question = {"id": "q1", "page": 0, "label": "question", "tokens": [0], "text": words[0].text}
    saved = labeler.api(
        "POST", f"/api/tasks/{task_id}/annotations", {"regions": [question], "status": "draft"}
    )
    labeler.api(
        "PUT",
        f"/api/annotations/{saved['id']}",
        {
            "version": 1,
            "status": "draft",
            "regions": [
                {**question, "label": "answer"},
                {"id": "h1", "page": 0, "label": "header", "tokens": [2], "text": words[2].text},
            ],
        },
    )
    page = labeler.context.new_page()
    open_task(page, task_id)
    page.get_by_test_id("history-open").click()
    expect(page.get_by_test_id("history-version")).to_have_count(2)
    expect(page.get_by_test_id("history-version").first).to_contain_text("v2 · admin")
    page.get_by_test_id("history-compare").click()
    expect(page.get_by_test_id("diff-added")).to_have_text(f"Added header “{words[2].text}”")
    expect(page.get_by_test_id("diff-relabelled")).to_have_text(
        f"Relabelled question → answer “{words[0].text}”"
    )


def test_a_reviewer_edits_then_accepts_as_a_new_version(browser: Browser, labeler: Labeler) -> None:
    with submitted_and_opened(browser, labeler) as done:
        project_id, annotator, reviewer, review = (
            done.project_id,
            done.annotator,
            done.reviewer,
            done.review,
        )
        review.get_by_test_id("review-edit").click()
        click_word(review, done.words[1].bbox)
        review.keyboard.press("a")
        expect(review.get_by_test_id("region-count")).to_have_text("2")
        review.get_by_test_id("review-accept").click()
        review.wait_for_url(f"**/projects/{project_id}?status=submitted")
    exported = labeler.api("GET", f"/api/projects/{project_id}/export?format=json&only=reviewed")
    (annotation,) = exported[0]["annotations"]
    assert annotation["user"] == annotator[0]
    assert sorted(r["label"] for r in annotation["regions"]) == ["answer", "question"]
    versions = labeler.api("GET", f"/api/annotations/{annotation['id']}/versions")
    assert [(v["version"], v["user"]) for v in versions] == [(1, annotator[0])]
    current = labeler.api("GET", f"/api/annotations/{annotation['id']}")
    assert (current["version"], current["edited_by"]) == (2, reviewer[0])
