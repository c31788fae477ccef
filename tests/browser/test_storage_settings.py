"""Settings → Storage: a manager adds a source bucket through the form (the secret is not
shown again), a refused endpoint is explained inline, "Sync now" imports the bucket's
document, and a target storage's "Export all" writes the export to its bucket (a server of
its own whose storage allow-list names the test SeaweedFS)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import obstore
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.server_process import (
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    log_in_through_api,
    running_server,
)
from tests.browser.test_pages import api_post, unique
from tests.fixture_files import png_bytes, text_image
from tests.s3_server import ACCESS_KEY_ID, BUCKET, SECRET_ACCESS_KEY, S3Server
from tests.storages.conftest import endpoint_host_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def storage_server(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> Iterator[str]:
    extra = {"VISUALNER_STORAGE_ENDPOINT_ALLOWLIST": endpoint_host_port(s3_server)}
    with running_server(tmp_path_factory.mktemp("storage-browser"), extra) as url:
        yield url


@pytest.fixture
def storage_page(browser: Browser, storage_server: str) -> Iterator[tuple[Page, BrowserContext]]:
    context = browser.new_context(base_url=storage_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10000)
    yield context.new_page(), context
    context.close()


def test_a_manager_adds_storages_syncs_a_source_and_exports_to_a_target(
    storage_page: tuple[Page, BrowserContext], s3_server: S3Server
) -> None:
    page, context = storage_page
    prefix = f"browser-{uuid.uuid4().hex[:12]}"
    obstore.put(s3_server.store(prefix), "scan.png", png_bytes(text_image("Bucket scan")))
    csrf = log_in_through_api(context, ADMIN_USERNAME, ADMIN_PASSWORD)
    project = api_post(
        context, csrf, "/api/projects", {"title": unique("Cloud"), "template": "forms"}
    )
    page.goto(f"/projects/{project['id']}/settings")
    section = page.get_by_test_id("settings-storage")
    expect(section.get_by_test_id("storage-table")).to_contain_text("No storage yet.")

    page.get_by_test_id("storage-bucket").fill(BUCKET)
    page.get_by_test_id("storage-prefix").fill(prefix)
    port = int(s3_server.endpoint_url.rsplit(":", 1)[1])
    page.get_by_test_id("storage-endpoint").fill(f"http://127.0.0.1:{port + 1}")
    page.get_by_test_id("storage-access-key").fill(ACCESS_KEY_ID)
    page.get_by_test_id("storage-secret").fill(SECRET_ACCESS_KEY)
    page.get_by_test_id("storage-ocr").uncheck()
    page.get_by_test_id("storage-add").click()
    expect(page.get_by_test_id("storage-error")).to_contain_text(
        "VISUALNER_STORAGE_ENDPOINT_ALLOWLIST"
    )

    page.get_by_test_id("storage-endpoint").fill(s3_server.endpoint_url)
    page.get_by_test_id("storage-add").click()
    storage_row = page.get_by_test_id("storage-row")
    expect(storage_row).to_have_count(1)
    expect(storage_row.get_by_test_id("storage-where")).to_have_text(f"s3://{BUCKET}/{prefix}")
    expect(storage_row).to_contain_text("with credentials")
    expect(page.get_by_test_id("storage-error")).to_be_hidden()
    expect(page.get_by_test_id("storage-secret")).to_have_value("")
    assert SECRET_ACCESS_KEY not in page.content()

    storage_row.get_by_test_id("storage-sync").click()
    expect(page.get_by_test_id("storage-job")).to_contain_text(
        "Sync done: 1 tasks created; 1 new", timeout=60000
    )
    expect(storage_row.get_by_test_id("storage-imported")).to_have_text("1")

    page.get_by_test_id("storage-role").select_option("target")
    expect(page.get_by_test_id("storage-glob")).to_be_hidden()
    page.get_by_test_id("storage-prefix").fill(f"{prefix}-out")
    page.get_by_test_id("storage-access-key").fill(ACCESS_KEY_ID)
    page.get_by_test_id("storage-secret").fill(SECRET_ACCESS_KEY)
    page.get_by_test_id("storage-format").select_option("csv")
    page.get_by_test_id("storage-add").click()
    target_row = page.get_by_test_id("storage-row").filter(has_text="writes csv")
    expect(target_row).to_have_count(1)
    target_row.get_by_test_id("storage-export").click()
    expect(page.get_by_test_id("storage-job")).to_contain_text(
        f"Export written to s3://{BUCKET}/{prefix}-out/", timeout=60000
    )
    written = [m["path"] for b in obstore.list(s3_server.store(f"{prefix}-out")) for m in b]
    assert len(written) == 1 and written[0].endswith(".csv")

    page.goto(f"/projects/{project['id']}")
    expect(page.get_by_text("scan.png")).to_be_visible()
