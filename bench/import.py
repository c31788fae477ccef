"""Import speed through a real server, end to end (upload → job done: images stored, words saved).

Prints pages/s for: a born-digital PDF read from its text layer (target ≥ 50 pages/s); scanned
FUNSD forms OCR'd by the built-in server; the same forms OCR'd by two separate
``visualner ocr-server`` processes sharing the load.

Then tasks/s and the server's peak memory for a JSON file of pre-annotated tasks (300 regions
in one annotation and 300 in one prediction per task), in two shapes: ours (the native export,
self-contained: pages, words, annotations, predictions) and Label Studio's (an image URL, served
here by a loopback HTTP server, with percent boxes and per-region transcriptions). Target:
≥ 150 tasks/s under 300 MB; Label Studio 1.23.2 on this machine: 31 tasks/s at 2.4 GB.

By default the Label Studio tasks share 4 FUNSD images (a list of many tasks on few images).
``--distinct-images`` gives every task its own 2480×3508 scanned page, as real lists do: a
1-bit PNG of ~11 KB, or with ``--jpeg`` an 8-bit greyscale JPEG of ~300 KB, served over
HTTP/1.1 keep-alive by a loopback server in this process (only Label Studio's shape then).
``--engines sqlite,postgresql`` runs the JSON imports on each database; ``--first-view`` sets
the projects to fetch images on first view (the import downloads nothing). Under each JSON
import: where the server's time went (the job result's ``seconds``: processing and storing,
wall and CPU, waiting for downloads, the download threads) and this process's CPU (its image
server's).

    .venv/bin/python bench/import.py [--pdf-pages 50] [--pdf-repeats 1] [--scans 20]
        [--json-tasks 10000] [--storage local|s3] [--fleet]
        [--distinct-images [--jpeg]] [--engines sqlite] [--first-view]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from fpdf import FPDF

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _scans import PAGE_SIZE, image_server, image_server_cpu, page_name, scanned_pages
from _seeds import labelstudio_task, pre_annotated_seeds, run_import, write_task_file
from _server import (
    admin_token,
    cpu_seconds,
    database_for,
    peak_memory_mb,
    reset_peak_memory,
    serve,
)
from import_fleet import fleet_bench
from search_bench import disable_search_index

from tests.datasets import FUNSD_TRAINING
from tests.imports.servers import ocr_server
from tests.s3_server import running_s3_server, s3_environment
from visualner.migrate import upgrade_database

FUNSD_IMAGES = FUNSD_TRAINING / "images"
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


def page_count(client: httpx.Client, project_id: int) -> int:
    tasks = client.get(f"/api/projects/{project_id}/tasks?page_size=500").json()["items"]
    return sum(t["page_count"] for t in tasks)


def load_average() -> str:
    return "load " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def json_import_bench(
    folder: Path,
    count: int,
    images: list[Path],
    *,
    engine: str,
    distinct: str | None,
    first_view: bool = False,
    search_index: bool = True,
) -> None:
    """Import ``count`` tasks in each shape; with ``distinct`` (``png``/``jpeg``) only Label
    Studio's shape, every task pointing at its own scanned page. Without ``search_index``
    the full-text index is not kept in step."""
    served = scanned_pages(count, distinct) if distinct else folder / "served"
    if not distinct:
        served.mkdir(exist_ok=True)
        for image in images:
            (served / image.name).write_bytes(image.read_bytes())
    env = {
        "VISUALNER_MAX_UPLOAD_MB": "8192",
        "VISUALNER_MAX_REQUEST_MB": "8192",
        "VISUALNER_URL_ALLOWLIST": "127.0.0.1",
    }
    unindexed = "" if search_index else "-unindexed"
    data = folder / f"json-data-{engine}-{distinct}{unindexed}"
    data.mkdir(parents=True, exist_ok=True)
    print(f"search index {'on' if search_index else 'off'}:")
    with (
        image_server(served) as (images_url, served_counts),
        database_for(engine, data) as database_url,
        ExitStack() as stack,
    ):
        if not search_index:
            upgrade_database(database_url)
            disable_search_index(database_url)
        server = stack.enter_context(serve(data, database_url, **env))
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

        def label_studio_distinct() -> Iterator[dict[str, Any]]:
            for number in range(count):
                url = f"{images_url}/{page_name(number, distinct or 'png')}"
                yield labelstudio_task(seeds[number % len(seeds)], url, number + 1, PAGE_SIZE)

        runs: list[tuple[str, Iterator[dict[str, Any]]]] = (
            [(f"Label Studio's, distinct {distinct} pages", label_studio_distinct())]
            if distinct
            else [("ours", ours()), ("Label Studio's", label_studio())]
        )
        for shape, tasks in runs:
            path = folder / "tasks.json"
            size = write_task_file(path, tasks)
            pid = project(f"{shape} JSON")
            if first_view:
                settings = {"fetch_images_on_first_view": True}
                client.patch(f"/api/projects/{pid}", json={"settings": settings})
                shape += ", images fetched on first view"
            reset_peak_memory(server.pid)
            idle = peak_memory_mb(server.pid)
            served_before = dict(served_counts)
            before, cpu_before = load_average(), cpu_seconds(server.pid)
            image_cpu_before = image_server_cpu()
            seconds, job = run_import(client, pid, [path], {"ocr": False})
            peak = peak_memory_mb(server.pid)
            cpu = cpu_seconds(server.pid) - cpu_before
            path.unlink()
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in job["phases"].items())
            server_phases = ", ".join(
                f"{k.replace('_', ' ')} {v:.1f} s"
                for k, v in (job.get("result") or {}).get("seconds", {}).items()
            )
            fetched = {k: v - served_before[k] for k, v in served_counts.items()}
            print(
                f"[{engine}] JSON tasks, {shape} shape: {job['done']} tasks ({size / 2**20:,.0f} "
                f"MB) in {seconds:.1f} s = {job['done'] / seconds:.0f} tasks/s ({phases}; server "
                f"CPU {cpu:.0f} s = {job['done'] / cpu:.0f} tasks per CPU-second); server "
                f"peak {peak:.0f} MB, {peak - idle:+.0f} MB over its {idle:.0f} MB before the "
                f"import (target ≥ 150 tasks/s, < 300 MB) · image server: {fetched['requests']} "
                f"requests on {fetched['connections']} connections · errors {job['failed']} · "
                f"{before} → {load_average()}\n    server-side: {server_phases} · image server "
                f"CPU {image_server_cpu() - image_cpu_before:.1f} s",
                flush=True,
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
    parser.add_argument(
        "--distinct-images", action="store_true", help="every JSON task has its own scanned page"
    )
    parser.add_argument("--jpeg", action="store_true", help="those pages as greyscale JPEG")
    parser.add_argument("--engines", default="sqlite", help="sqlite,postgresql for JSON imports")
    parser.add_argument(
        "--first-view",
        action="store_true",
        help="the JSON imports' projects fetch images on first view (nothing downloaded)",
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
            distinct = ("jpeg" if args.jpeg else "png") if args.distinct_images else None
            indexes = {"on": [True], "off": [False], "both": [True, False]}[args.search_index]
            for engine in args.engines.split(","):
                for index in indexes:
                    json_import_bench(
                        folder,
                        args.json_tasks,
                        images,
                        engine=engine,
                        distinct=distinct,
                        first_view=args.first_view,
                        search_index=index,
                    )


if __name__ == "__main__":
    main()
