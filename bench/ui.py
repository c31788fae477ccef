"""Labeling page speed in headless Chromium, on one page of 2,000 and of 5,000 OCR words.

Prints, per size: the time from navigation start until the page is interactive (words drawn,
handlers attached: the ``labeling-ready`` performance mark), median of 5 warm loads; and the
time from a word click (the pointer event's timestamp) to its selection being drawn (the
``select-draw`` measure of ``?perf=1``), median and p95 of 40 clicks.
Targets: interactive < 500 ms at 2,000 words; click → selection drawn < 16 ms (median).
Peer: Label Studio's OCR page freezes at 700–800 boxes.

    .venv/bin/python bench/ui.py [--sizes 2000,5000] [--clicks 40]
    .venv/bin/python bench/ui.py --screenshot docs/screenshots/labeling.png

``--screenshot`` instead saves the labeling page on a FUNSD form labelled with its ground truth.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, log_in_through_api  # noqa: E402
from tests.browser.labeling_fixtures import (  # noqa: E402
    FUNSD_DIR,
    FUNSD_FORM,
    drawn_page,
    funsd_page,
    grid_words,
    store_task,
)
from tests.browser.server_process import (  # noqa: E402
    ADMIN_PASSWORD,
    ADMIN_USERNAME,
    running_server,
)
from visualner.runtime import build_services  # noqa: E402
from visualner.settings import Settings  # noqa: E402

PAGE_SIZES = {2000: (1700, 2200, 20), 5000: (2480, 3508, 40)}
LOADS = 5


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def load_ms(page: Page, task_id: int) -> float:
    page.goto(f"/tasks/{task_id}?perf=1")
    page.wait_for_selector('[data-testid="labeling"][data-ready="true"]', timeout=20_000)
    ready: float = page.evaluate("performance.getEntriesByName('labeling-ready')[0].startTime")
    return ready


def click_ms(
    page: Page, words: list[tuple[float, float, float, float]], clicks: int
) -> list[float]:
    """Click random visible words; read each click's ``select-draw`` measure."""
    stage = page.get_by_test_id("page-stage")
    viewport = page.get_by_test_id("page-viewport").bounding_box()
    box = stage.bounding_box()
    assert viewport is not None and box is not None
    scale = float(stage.get_attribute("data-scale") or "1")
    visible = []
    for x0, y0, x1, y1 in words:
        x = box["x"] + (x0 + x1) / 2 * scale
        y = box["y"] + (y0 + y1) / 2 * scale
        if (
            viewport["y"] + 10 < y < viewport["y"] + viewport["height"] - 30
            and x < viewport["x"] + viewport["width"] - 30
        ):
            visible.append((x, y))
    rng = random.Random(7)
    page.evaluate("performance.clearMeasures()")
    for _ in range(clicks):
        x, y = rng.choice(visible)
        page.mouse.click(x, y)
    page.wait_for_timeout(100)
    durations: list[float] = page.evaluate(
        "performance.getEntriesByName('select-draw').map(e => e.duration)"
    )
    handler: list[float] = page.evaluate(
        "performance.getEntriesByName('select-handler').map(e => e.duration)"
    )
    print(f"        (handler alone: p50 {statistics.median(handler):.2f} ms)")
    return durations


def funsd_ground_truth() -> dict[str, object]:
    """FUNSD's entities as regions (token indices as ``funsd_page`` numbers them) + links."""
    form = json.loads(
        (FUNSD_DIR / "training_data" / "annotations" / f"{FUNSD_FORM}.json").read_text()
    )["form"]
    regions, position = [], 0
    for entity in form:
        tokens = list(range(position, position + len(entity["words"])))
        position += len(entity["words"])
        if entity["label"] != "other" and entity["text"].strip():
            regions.append(
                {
                    "id": f"e{entity['id']}",
                    "page": 0,
                    "label": entity["label"],
                    "tokens": tokens,
                    "bbox": entity["box"],
                    "text": entity["text"],
                    "origin": "manual",
                }
            )
    ids = {r["id"] for r in regions}
    labels = {f"e{e['id']}": e["label"] for e in form}
    relations = [
        {"from_id": f"e{a}", "to_id": f"e{b}", "label": "answers"}
        for entity in form
        for a, b in entity["linking"]
        if a == entity["id"]
        and {f"e{a}", f"e{b}"} <= ids
        and (labels[f"e{a}"], labels[f"e{b}"]) == ("question", "answer")
    ]
    return {"regions": regions, "relations": relations, "choices": {}, "status": "draft"}


def screenshot(page: Page, csrf: str, services: object, path: Path) -> None:
    context = page.context
    project = context.request.post(
        "/api/projects",
        data={"title": "Insurance claim forms", "template": "forms"},
        headers={"X-CSRF-Token": csrf},
    ).json()
    task_id = store_task(
        services,  # type: ignore[arg-type]
        project["id"],
        f"{FUNSD_FORM}.png",
        [funsd_page(services)],  # type: ignore[arg-type]
    )
    response = context.request.post(
        f"/api/tasks/{task_id}/annotations",
        data=funsd_ground_truth(),
        headers={"X-CSRF-Token": csrf},
    )
    assert response.ok, response.text()
    page.goto(f"/tasks/{task_id}")
    page.wait_for_selector('[data-testid="labeling"][data-ready="true"]')
    page.locator('[data-testid="region-row"][data-label="question"]').nth(1).get_by_test_id(
        "region-page"
    ).click()
    stage = page.get_by_test_id("page-stage").bounding_box()
    assert stage is not None
    scale = float(page.get_by_test_id("page-stage").get_attribute("data-scale") or "1")
    page.mouse.move(stage["x"] + 560 * scale, stage["y"] + 316 * scale)
    page.wait_for_timeout(150)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path)
    print(f"saved {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,5000")
    parser.add_argument("--clicks", type=int, default=40)
    parser.add_argument("--screenshot", type=Path, help="save the labeling page here and stop")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with (
        tempfile.TemporaryDirectory() as data_dir,
        running_server(Path(data_dir)) as url,
        sync_playwright() as playwright,
    ):
        services = build_services(Settings(data_dir=Path(data_dir), environment="test"))
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(base_url=url, viewport={"width": 1440, "height": 900})
        csrf = log_in_through_api(context, ADMIN_USERNAME, ADMIN_PASSWORD)
        if args.screenshot:
            screenshot(context.new_page(), csrf, services, args.screenshot)
            return
        project = context.request.post(
            "/api/projects",
            data={"title": "UI bench", "template": "visual_ner"},
            headers={"X-CSRF-Token": csrf},
        ).json()
        page = context.new_page()
        print(f"{'words':>6} {'interactive ms (p50)':>21} {'click→drawn ms p50':>19} {'p95':>6}")
        for size in sizes:
            width, height, columns = PAGE_SIZES.get(size, (2480, 3508, 40))
            words = grid_words(size, width, height, columns=columns)
            task_id = store_task(
                services,
                project["id"],
                f"{size} words",
                [drawn_page(services, width, height, words)],
            )
            load_ms(page, task_id)  # warm: server caches, browser module cache
            loads = [load_ms(page, task_id) for _ in range(LOADS)]
            clicks = click_ms(page, [w.bbox for w in words], args.clicks)
            print(
                f"{size:>6} {statistics.median(loads):>21.0f} "
                f"{statistics.median(clicks):>19.2f} {percentile(clicks, 0.95):>6.2f}"
            )
        print("peer: Label Studio's OCR page freezes at 700-800 boxes")
        services.database.dispose()
        browser.close()


if __name__ == "__main__":
    main()
