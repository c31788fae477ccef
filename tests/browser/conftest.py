"""Browser fixtures: one real server subprocess and one headless Chromium per session,
a fresh browser context (cookies) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.browser.labeling_fixtures import lab_page, labeler, labeling_server
from tests.browser.server_process import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    log_in_through_api,
    running_server,
)

#: the labeling page's fixtures, defined once here so every browser module shares one
#: session-wide labeling server (imported into each module, each started its own)
LABELING_FIXTURES = (labeling_server, labeler, lab_page)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("browser-data")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser, live_server: str) -> Iterator[BrowserContext]:
    fresh = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 860})
    fresh.set_default_timeout(5000)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def admin_csrf(context: BrowserContext) -> str:
    """Logs ``context`` in as the admin; the token lets tests prepare data through the API."""
    return log_in_through_api(context, ADMIN_USERNAME, ADMIN_PASSWORD)
