"""Import speed through a real server, end to end (upload → job done: images stored, words saved).

Prints pages/s for: a born-digital PDF read from its text layer (target ≥ 50 pages/s); scanned
FUNSD forms OCR'd by the built-in server; the same forms OCR'd by two separate
``visualner ocr-server`` processes sharing the load.

    .venv/bin/python bench/import.py [--pdf-pages 50] [--scans 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from fpdf import FPDF

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import admin_token, serve

from tests.imports.servers import ocr_server

FUNSD_IMAGES = Path(__file__).resolve().parents[2] / "shared/datasets/funsd/training_data/images"
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
    started = time.perf_counter()
    response = client.post(
        f"/api/projects/{project_id}/import",
        files=[("files", (f.name, f.read_bytes())) for f in files],
        data={"options": json.dumps(options)},
    )
    response.raise_for_status()
    job_id = response.json()["job_id"]
    while (job := client.get(f"/api/jobs/{job_id}").json())["status"] in {"queued", "running"}:
        time.sleep(0.05)
    return time.perf_counter() - started, job


def page_count(client: httpx.Client, project_id: int) -> int:
    tasks = client.get(f"/api/projects/{project_id}/tasks?page_size=500").json()["items"]
    return sum(t["page_count"] for t in tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pdf-pages", type=int, default=50)
    parser.add_argument("--scans", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pdf = folder / "policy.pdf"
        write_pdf(pdf, args.pdf_pages)
        scans = sorted(FUNSD_IMAGES.glob("*.png"))[: args.scans]
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

            pid = project("text layer")
            seconds, job = run_import(client, pid, [pdf], {})
            pages = page_count(client, pid)
            print(
                f"text-layer PDF: {pages} pages in {seconds:.2f} s = {pages / seconds:.0f} pages/s"
                f" (target ≥ 50) · errors {job['failed']}"
            )
            if not scans:
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


if __name__ == "__main__":
    main()
