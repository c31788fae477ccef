"""Regenerates docs/screenshots/*.png from a throwaway server with sample projects.

Run from the repository root: ``.venv/bin/python -m tests.browser.screenshots``.
Not a test: screenshots change with every style tweak and are reviewed by eye.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.labeling_fixtures import store_task
from tests.browser.server_process import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    log_in_through_api,
    running_server,
)
from visualner.runtime import build_services
from visualner.settings import Settings
from visualner.tasks.service import NewPage
from visualner.words import Word

SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SAMPLE_PROJECTS = [
    ("Insurance claim forms", "Scanned claim forms: link each question to its answer.", "forms"),
    (
        "Supplier invoices 2024",
        "Invoice numbers, totals and parties from PDF invoices.",
        "invoices",
    ),
    ("Grocery receipts", "Merchant, date, items and totals from phone photos.", "receipts"),
    ("Contracts — signatures", "", "visual_ner"),
]


def add_sample_projects(context: BrowserContext, csrf: str) -> None:
    for title, description, template in SAMPLE_PROJECTS:
        response = context.request.post(
            "/api/projects",
            data={"title": title, "description": description, "template": template},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.ok, response.text()


SEARCH_DOCUMENTS = [
    (
        "claim-0412.pdf",
        "Claim form\nPolicy number PN-88213\nTotal due 1,250.00 EUR\nSigned M. Hamann",
    ),
    ("claim-0413.pdf", "Claim form\nPolicy number PN-88214\nAmount claimed 310.00 EUR"),
    ("letter-2024-03.png", "Dear Ms. Jensen,\nthe total due on your policy is now paid."),
    ("invoice-7781.pdf", "Invoice 7781\nSubtotal 980.00\nTotal due 1,166.20 EUR"),
    ("receipt-17.jpg", "Receipt 17\nTOTAL 12.50\nThank you"),
]


def search_screenshot(context: BrowserContext, csrf: str, data_dir: Path) -> None:
    """The task list searching page text: snippets with the hits marked, tags, selection."""
    project = context.request.post(
        "/api/projects",
        data={"title": "Claims 2024", "template": "forms"},
        headers={"X-CSRF-Token": csrf},
    ).json()
    services = build_services(Settings(data_dir=data_dir, environment="test"))
    ids = []
    for title, text in SEARCH_DOCUMENTS:
        words = [
            Word(piece, (20 + 90 * i, 20 + 30 * n, 100 + 90 * i, 44 + 30 * n), 0.9, n, 0)
            for n, line in enumerate(text.splitlines())
            for i, piece in enumerate(line.split())
        ]
        ids.append(store_task(services, project["id"], title, [NewPage(1000, 400, words=words)]))
    context.request.post(
        f"/api/projects/{project['id']}/tasks/tags",
        data={"task_ids": ids[:2], "add": ["to check"]},
        headers={"X-CSRF-Token": csrf},
    )
    services.database.dispose()
    page = context.new_page()
    page.goto(f"/projects/{project['id']}?q=%22total+due%22")
    page.get_by_test_id("task-snippet").first.wait_for()
    page.get_by_test_id("task-select").first.check()
    page.screenshot(path=SCREENSHOT_DIR / "search.png")


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
        context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
        csrf = log_in_through_api(context, ADMIN_USERNAME, ADMIN_PASSWORD)
        add_sample_projects(context, csrf)
        page = context.new_page()
        page.goto("/")
        page.screenshot(path=SCREENSHOT_DIR / "projects.png")
        page.goto("/projects/new")
        page.get_by_test_id("project-title-input").fill("Insurance claim forms")
        page.locator('[data-testid="template-card"][data-template="forms"]').click()
        page.get_by_test_id("config-status").filter(has_text="Valid").wait_for()
        page.screenshot(path=SCREENSHOT_DIR / "new-project.png", full_page=True)
        search_screenshot(context, csrf, Path(data_dir))
        browser.close()
    print(f"wrote screenshots to {SCREENSHOT_DIR}")


if __name__ == "__main__":
    main()
