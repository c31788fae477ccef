"""Pre-annotated tasks for the JSON import bench: seeds in our shape, Label Studio's shape,
task files written as a stream, and an import through the API from upload to finished job."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import orjson

from visualner.formats.labelstudio_results import to_labelstudio_result

FUNSD_LABELS = ("question", "answer", "header", "other")
REGIONS_PER_TASK = 300


def run_import(
    client: httpx.Client, project_id: int, files: list[Path], options: dict[str, Any]
) -> tuple[float, dict[str, Any]]:
    """Upload and wait for the job; the job dict gains ``phases``: seconds to upload, to
    plan (items listed) and to run the items."""
    started = time.perf_counter()
    with ExitStack() as stack:  # file handles: httpx streams them, a 2 GB list included
        response = client.post(
            f"/api/projects/{project_id}/import",
            files=[("files", (f.name, stack.enter_context(f.open("rb")))) for f in files],
            data={"options": json.dumps(options)},
        )
    response.raise_for_status()
    uploaded = time.perf_counter()
    planned = None
    job_id = response.json()["job_id"]
    while (job := client.get(f"/api/jobs/{job_id}").json())["status"] in {"queued", "running"}:
        if planned is None and job["total"]:
            planned = time.perf_counter()
        time.sleep(0.05)
    ended = time.perf_counter()
    planned = planned or ended
    job["phases"] = {
        "upload": uploaded - started,
        "plan": planned - uploaded,
        "items": ended - planned,
    }
    return ended - started, job


def synthetic_words(width: int, height: int, count: int) -> list[dict[str, Any]]:
    """``count`` words on a grid, as an OCR engine would give them (our word JSON)."""
    columns = 15
    rows = -(-count // columns)
    cell_w, cell_h = width / columns, height / rows
    words = []
    for index in range(count):
        row, column = divmod(index, columns)
        x0, y0 = column * cell_w + 2, row * cell_h + 2
        words.append(
            {
                "text": f"word{index}",
                "bbox": [
                    round(x0, 1),
                    round(y0, 1),
                    round(x0 + cell_w - 4, 1),
                    round(y0 + cell_h - 4, 1),
                ],
                "confidence": 0.95,
                "line": row,
                "block": 0,
            }
        )
    return words


def synthetic_regions(words: list[dict[str, Any]], origin: str) -> list[dict[str, Any]]:
    """One labelled region per word (what a pre-annotated form looks like)."""
    return [
        {
            "id": f"r{index}",
            "page": 0,
            "label": FUNSD_LABELS[index % len(FUNSD_LABELS)],
            "tokens": [index],
            "bbox": word["bbox"],
            "text": word["text"],
            "origin": origin,
            "score": 0.9 if origin != "manual" else None,
        }
        for index, word in enumerate(words)
    ]


def pre_annotated_seeds(
    client: httpx.Client, project: Callable[[str], int], images: list[Path]
) -> list[dict[str, Any]]:
    """Tasks in our export shape: import ``images`` (no OCR), give their pages words and a
    300-region annotation and prediction, store those as tasks and export them again."""
    bare = project("seed images")
    run_import(client, bare, images, {"ocr": False})
    exported = client.get(f"/api/projects/{bare}/export", params={"format": "json"}).json()
    for task in exported:
        page = task["pages"][0]
        page["words"] = synthetic_words(page["width"], page["height"], REGIONS_PER_TASK)
        page.update(words_source="ocr", ocr_engine="bench", ocr_status="done")
        result = {"relations": [], "choices": {}}
        task["annotations"] = [
            {
                "user": "admin",
                "status": "submitted",
                "regions": synthetic_regions(page["words"], "manual"),
                **result,
            }
        ]
        task["predictions"] = [
            {
                "model_version": "bench-model",
                "score": 0.9,
                "regions": synthetic_regions(page["words"], "bench-model"),
                **result,
            }
        ]
    seeded = project("seed tasks")
    seed_file = Path(tempfile.mkdtemp()) / "seed.json"
    seed_file.write_bytes(orjson.dumps(exported))
    _, job = run_import(client, seeded, [seed_file], {})
    assert job["failed"] == 0, job
    return list(
        client.get(
            f"/api/projects/{seeded}/export",
            params={"format": "json", "only": "all", "predictions": "true"},
        ).json()
    )


def labelstudio_task(
    seed: dict[str, Any], image_url: str, number: int, image_size: tuple[int, int] | None = None
) -> dict[str, Any]:
    """A seed task as Label Studio exports it: percent boxes plus per-region transcriptions
    (``original_width``/``height`` say ``image_size`` when the image is not the seed's)."""
    page = seed["pages"][0]
    sizes = [(page["width"], page["height"])]
    names = {"from_name": "label", "to_name": "image"}
    annotation = to_labelstudio_result(
        seed["annotations"][0], page_sizes=sizes, text_name="transcription", **names
    )
    prediction = to_labelstudio_result(
        seed["predictions"][0], page_sizes=sizes, text_name=None, **names
    )
    if image_size is not None:
        for item in (*annotation, *prediction):
            item["original_width"], item["original_height"] = image_size
    return {
        "id": number,
        "data": {"image": image_url},
        "annotations": [
            {
                "id": number,
                "completed_by": 1,
                "result": annotation,
                "was_cancelled": False,
                "ground_truth": False,
                "lead_time": 42.0,
            }
        ],
        "predictions": [{"model_version": "bench-model", "score": 0.9, "result": prediction}],
    }


def write_task_file(path: Path, tasks: Iterator[dict[str, Any]]) -> int:
    """Stream tasks into one JSON array (never all in memory); returns the file's size."""
    with path.open("wb") as out:
        out.write(b"[")
        for number, task in enumerate(tasks):
            out.write(b"," if number else b"")
            out.write(orjson.dumps(task))
        out.write(b"]")
    return path.stat().st_size
