"""Regenerates docs/screenshots/*.png from a throwaway server with sample projects.

Run from the repository root: ``.venv/bin/python -m tests.browser.screenshots``.
Not a test: screenshots change with every style tweak and are reviewed by eye.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, log_in_through_api
from tests.browser.server_process import ADMIN_PASSWORD, ADMIN_USERNAME, running_server

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
        browser.close()
    print(f"wrote screenshots to {SCREENSHOT_DIR}")


if __name__ == "__main__":
    main()
