"""Regenerates docs/screenshots/team-*.png (the team workflow page's pictures) from a
throwaway server: the task list with assignees, the Review panel, the Team tab.

Run from the repository root: ``.venv/bin/python -m tests.browser.team_screenshots``.
Not a test: screenshots change with every style tweak and are reviewed by eye.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.labeling_fixtures import drawn_page, grid_words, store_task
from tests.browser.screenshots import SCREENSHOT_DIR
from tests.browser.server_process import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    log_in_through_api,
    running_server,
)
from visualner.runtime import build_services
from visualner.settings import Settings

TEAM = {"maria": "annotator", "li": "annotator", "sam": "reviewer"}
FORM = [
    *("Name", "of", "insured", "Jane", "Doe", "Policy", "number", "44-1290"),
    *("Date", "of", "loss", "12", "March", "Amount", "1,240.00"),
]


def _as(browser: Browser, url: str, username: str) -> tuple[BrowserContext, str]:
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
    return context, log_in_through_api(context, username, f"pw-{username}-screens")


def main() -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(Path(data_dir)) as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        admin = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
        csrf = log_in_through_api(admin, ADMIN_USERNAME, ADMIN_PASSWORD)

        def call(method: str, path: str, body: object = None) -> dict:
            answer = admin.request.fetch(
                path, method=method, data=body, headers={"X-CSRF-Token": csrf}
            )
            assert answer.ok, answer.text()
            return answer.json() if answer.text() else {}

        project = call("POST", "/api/projects", {"title": "Claims 2024", "template": "forms"})
        pid = project["id"]
        call("PATCH", f"/api/projects/{pid}", {"settings": {"annotations_per_task": 2}})
        for name, role in TEAM.items():
            call("POST", "/api/users", {"username": name, "password": f"pw-{name}-screens"})
            call("POST", f"/api/projects/{pid}/members", {"username": name, "role": role})
        services = build_services(Settings(data_dir=Path(data_dir), environment="test"))
        words = grid_words(len(FORM), 900, 300, columns=4, texts=FORM)
        tasks = [
            store_task(services, pid, f"claim-{n:03}.png", [drawn_page(services, 900, 300, words)])
            for n in range(8)
        ]
        services.database.dispose()
        call(
            "POST",
            f"/api/projects/{pid}/assignments",
            {"query": "", "annotators": ["maria", "li"], "reviewer": "sam", "distribute": True},
        )
        for name, flip in (("maria", False), ("li", True)):
            context, token = _as(browser, url, name)
            for task in tasks[:3]:
                regions = [
                    {"id": f"r{i}", "page": 0, "label": label, "tokens": [i], "text": FORM[i]}
                    for i, label in (
                        (3, "answer"),
                        (2, "question"),
                        (6, "answer" if flip else "question"),
                    )
                ]
                context.request.post(
                    f"/api/tasks/{task}/annotations",
                    data={"regions": regions},
                    headers={"X-CSRF-Token": token},
                )
            context.close()
        page = admin.new_page()
        page.goto(f"/projects/{pid}")
        page.get_by_test_id("task-assignees").first.wait_for()
        page.screenshot(path=SCREENSHOT_DIR / "team-tasks.png")
        reviewer, _ = _as(browser, url, "sam")
        review = reviewer.new_page()
        review.goto(f"/projects/{pid}/review-next")
        review.get_by_test_id("review-panel").wait_for()
        review.get_by_test_id("review-reject").click()
        review.get_by_test_id("review-comment-input").fill(
            "“Date of loss” is a question; its answer is “12 March”."
        )
        review.screenshot(path=SCREENSHOT_DIR / "team-review.png")
        page.goto(f"/projects/{pid}/team")
        page.get_by_test_id("agreement-row").first.wait_for()
        page.screenshot(path=SCREENSHOT_DIR / "team-tab.png", full_page=True)
        browser.close()
    print(f"wrote team screenshots to {SCREENSHOT_DIR}")


if __name__ == "__main__":
    main()
