"""Import speed through a real server, end to end (upload → job done: images stored, words saved).

Prints pages/s for: a born-digital PDF read from its text layer (target ≥ 50 pages/s); scanned
FUNSD forms OCR'd by the built-in server; the same forms OCR'd by two separate
``visualner ocr-server`` processes sharing the load.

Then tasks/s and the server's peak memory for a JSON file of pre-annotated tasks (300 regions
in one annotation and 300 in one prediction per task), in two shapes: ours (the native export,
self-contained: pages, words, annotations, predictions) and Label Studio's (an image URL, served
here by a loopback HTTP server, with percent boxes and per-region transcriptions). Target:
≥ 150 tasks/s under 300 MB; Label Studio 1.23.2 on this machine: 31 tasks/s at 2.4 GB.

    .venv/bin/python bench/import.py [--pdf-pages 50] [--pdf-repeats 1] [--scans 20]
        [--json-tasks 10000] [--storage local|s3] [--fleet]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
from fpdf import FPDF

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import admin_token, cpu_seconds, peak_memory_mb, reset_peak_memory, serve
from import_fleet import fleet_bench
from search_bench import disable_search_index

from tests.datasets import FUNSD_TRAINING
from tests.imports.servers import ocr_server
from tests.s3_server import running_s3_server, s3_environment
from visualner.formats.labelstudio_results import to_labelstudio_result
from visualner.migrate import upgrade_database

FUNSD_IMAGES = FUNSD_TRAINING / "images"
FUNSD_LABELS = ("question", "answer", "header", "other")
REGIONS_PER_TASK = 300
SEED_IMAGES = 4
LABEL_STUDIO_PEER = "Label Studio 1.23.2, 1,000 such tasks: 32.5 s = 31 tasks/s at 2.4 GB peak"
WORDS = [
    "policy",
    "claim",
    "insured",
    "amount",
    "deductible",
    "premium",
    "coverage",
    "effective",
    "date",
    "signature",
]


def write_pdf(path: Path, pages: int) -> None:
    """A born-digital document with ~350 words per page."""
    document = FPDF(unit="pt", format="A4")
    document.set_font("Helvetica", size=10)
    for page in range(pages):
        document.add_page()
        for line in range(50):
            text = " ".join(WORDS[(page + line + i) % len(WORDS)] for i in range(7))
            document.text(50, 60 + line * 14, f"{line + 1}. {text}")
    document.output(str(path))


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


def page_count(client: httpx.Client, project_id: int) -> int:
    tasks = client.get(f"/api/projects/{project_id}/tasks?page_size=500").json()["items"]
    return sum(t["page_count"] for t in tasks)


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
    client: httpx.Client, project: Any, images: list[Path]
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


def labelstudio_task(seed: dict[str, Any], image_url: str, number: int) -> dict[str, Any]:
    """A seed task as Label Studio exports it: percent boxes plus per-region transcriptions."""
    page = seed["pages"][0]
    sizes = [(page["width"], page["height"])]
    names = {"from_name": "label", "to_name": "image"}
    annotation = to_labelstudio_result(
        seed["annotations"][0], page_sizes=sizes, text_name="transcription", **names
    )
    prediction = to_labelstudio_result(
        seed["predictions"][0], page_sizes=sizes, text_name=None, **names
    )
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


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def file_server(folder: Path) -> Iterator[str]:
    """Page images at loopback URLs, as a Label Studio export points at its storage."""
    handler = functools.partial(_QuietFiles, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def load_average() -> str:
    return "load " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def json_import_bench(
    folder: Path, count: int, images: list[Path], *, search_index: bool = True
) -> None:
    served = folder / "served"
    served.mkdir(exist_ok=True)
    for image in images:
        (served / image.name).write_bytes(image.read_bytes())
    env = {
        "VISUALNER_MAX_UPLOAD_MB": "8192",
        "VISUALNER_MAX_REQUEST_MB": "8192",
        "VISUALNER_URL_ALLOWLIST": "127.0.0.1",
    }
    data = folder / ("json-data" if search_index else "json-data-unindexed")
    data.mkdir(parents=True, exist_ok=True)
    if not search_index:
        upgrade_database(f"sqlite:///{data / 'visualner.db'}")
        disable_search_index(f"sqlite:///{data / 'visualner.db'}")
    print(f"search index {'on' if search_index else 'off'}:")
    with (
        file_server(served) as images_url,
        serve(data, f"sqlite:///{data / 'visualner.db'}", **env) as server,
    ):
        client = httpx.Client(
            base_url=server.url,
            timeout=3600,
            headers={"Authorization": f"Token {admin_token(server.url)}"},
        )

        def project(title: str) -> int:
            created = client.post("/api/projects", json={"title": title, "template": "forms"})
            return int(created.json()["id"])

        seeds = pre_annotated_seeds(client, project, images)

        def ours() -> Iterator[dict[str, Any]]:
            for number in range(count):
                task = dict(seeds[number % len(seeds)])
                task["id"] = number + 1
                task["title"] = f"form {number + 1}"
                yield task

        def label_studio() -> Iterator[dict[str, Any]]:
            shaped = [labelstudio_task(seed, f"{images_url}/{seed['title']}", 0) for seed in seeds]
            for number in range(count):
                task = dict(shaped[number % len(shaped)])
                task["id"] = number + 1
                yield task

        for shape, tasks in (("ours", ours()), ("Label Studio's", label_studio())):
            path = folder / "tasks.json"
            size = write_task_file(path, tasks)
            pid = project(f"{shape} JSON")
            reset_peak_memory(server.pid)
            idle = peak_memory_mb(server.pid)
            before, cpu_before = load_average(), cpu_seconds(server.pid)
            seconds, job = run_import(client, pid, [path], {"ocr": False})
            peak = peak_memory_mb(server.pid)
            cpu = cpu_seconds(server.pid) - cpu_before
            path.unlink()
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in job["phases"].items())
            print(
                f"JSON tasks, {shape} shape: {job['done']} tasks ({size / 2**20:,.0f} MB) in "
                f"{seconds:.1f} s = {job['done'] / seconds:.0f} tasks/s ({phases}; server CPU "
                f"{cpu:.0f} s = {job['done'] / cpu:.0f} tasks per CPU-second); server "
                f"peak {peak:.0f} MB, {peak - idle:+.0f} MB over its {idle:.0f} MB before the "
                f"import (target ≥ 150 tasks/s, < 300 MB) · errors {job['failed']} · "
                f"{before} → {load_average()}"
            )
        print(f"  peer: {LABEL_STUDIO_PEER}")


def document_bench(folder: Path, pdf_pages: int, pdf_repeats: int, scans_wanted: int) -> None:
    pdf = folder / "policy.pdf"
    write_pdf(pdf, max(pdf_pages, 1))
    scans = sorted(FUNSD_IMAGES.glob("*.png"))[:scans_wanted]
    with serve(folder / "data", f"sqlite:///{folder / 'data' / 'visualner.db'}") as server:
        client = httpx.Client(
            base_url=server.url,
            timeout=600,
            headers={"Authorization": f"Token {admin_token(server.url)}"},
        )

        def project(title: str) -> int:
            return int(
                client.post("/api/projects", json={"title": title, "template": "forms"}).json()[
                    "id"
                ]
            )

        for run in range(pdf_repeats):
            pid = project(f"text layer {run + 1}")
            before, cpu_before = load_average(), cpu_seconds(server.pid)
            seconds, job = run_import(client, pid, [pdf], {})
            cpu = cpu_seconds(server.pid) - cpu_before
            pages = page_count(client, pid)
            phases = ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in job["phases"].items())
            print(
                f"text-layer PDF: {pages} pages in {seconds:.2f} s = {pages / seconds:.0f} "
                f"pages/s (target ≥ 50; {phases}; server CPU {cpu:.2f} s = "
                f"{cpu / pages * 1000:.1f} ms a page) · errors {job['failed']} · "
                f"{before} → {load_average()}"
            )
        if not scans:
            if scans_wanted:
                print(f"FUNSD images not found at {FUNSD_IMAGES}; skipping OCR runs")
            return
        pid = project("built-in OCR")
        seconds, job = run_import(client, pid, scans, {"ocr_servers": ["built-in"]})
        print(
            f"scans, built-in OCR: {len(scans)} pages in {seconds:.1f} s = "
            f"{len(scans) / seconds:.2f} pages/s · errors {job['failed']}"
        )
        with ocr_server(folder, workers=1) as first, ocr_server(folder, workers=1) as second:
            for name, url in (("ocr-a", first), ("ocr-b", second)):
                client.post("/api/ocr-servers", json={"name": name, "url": url})
            pid = project("two OCR servers")
            seconds, job = run_import(client, pid, scans, {"ocr_servers": ["ocr-a", "ocr-b"]})
            print(
                f"scans, two ocr-server processes: {len(scans)} pages in {seconds:.1f} s = "
                f"{len(scans) / seconds:.2f} pages/s · errors {job['failed']}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pdf-pages", type=int, default=50)
    parser.add_argument(
        "--pdf-repeats", type=int, default=1, help="import the PDF this many times, one line each"
    )
    parser.add_argument("--scans", type=int, default=20)
    parser.add_argument("--json-tasks", type=int, default=10_000)
    parser.add_argument("--fleet", action="store_true", help="OCR with 1, 2, 4 OCR servers")
    parser.add_argument("--storage", choices=("local", "s3"), default="local")
    parser.add_argument(
        "--search-index",
        choices=["on", "off", "both"],
        default="on",
        help="import JSON with the full-text index kept in step (on), without it (off), or both",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        if args.storage == "s3":  # every server started below stores in SeaweedFS
            os.environ.update(s3_environment(stack.enter_context(running_s3_server(folder / "s3"))))
        print(f"storage: {args.storage}")
        if args.fleet:
            fleet_bench(folder, args.scans, run_import)
            return
        if args.pdf_pages or args.scans:
            document_bench(folder, args.pdf_pages, args.pdf_repeats, args.scans)
        if args.json_tasks:
            images = sorted(FUNSD_IMAGES.glob("*.png"))[:SEED_IMAGES]
            if not images:
                print(f"FUNSD images not found at {FUNSD_IMAGES}; skipping JSON runs")
                return
            for index in {"on": [True], "off": [False], "both": [True, False]}[args.search_index]:
                json_import_bench(folder, args.json_tasks, images, search_index=index)


if __name__ == "__main__":
    main()
