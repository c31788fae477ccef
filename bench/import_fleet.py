"""``bench/import.py --fleet``: OCR'd import throughput with 1, 2 and 4 OCR servers.

One app (in-process worker) imports the same FUNSD scans with OCR spread over 1, 2 and 4
``visualner ocr-server`` processes (one OCR thread each). On this machine the servers share
its cores, so past the core count more servers cannot help; on N machines the rate scales with
the cores given to OCR (docs/deployment.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from _server import admin_token, serve

from tests.datasets import FUNSD_TRAINING
from tests.imports.servers import ocr_server

SERVER_COUNTS = (1, 2, 4)
RunImport = Callable[[httpx.Client, int, list[Path], dict[str, Any]], tuple[float, dict[str, Any]]]


def fleet_bench(folder: Path, scans_wanted: int, run_import: RunImport) -> None:
    """``run_import`` is bench/import.py's (upload, wait, phases)."""
    scans = sorted((FUNSD_TRAINING / "images").glob("*.png"))[:scans_wanted]
    if not scans:
        print(f"FUNSD images not found under {FUNSD_TRAINING}; skipping the fleet runs")
        return
    data = folder / "fleet-data"
    with serve(data, f"sqlite:///{data / 'visualner.db'}") as server:
        client = httpx.Client(
            base_url=server.url,
            timeout=3600,
            headers={"Authorization": f"Token {admin_token(server.url)}"},
        )
        registered = 0
        rates = {}
        for count in SERVER_COUNTS:
            names = []
            with ExitStack() as stack:
                urls = [stack.enter_context(ocr_server(folder, workers=1)) for _ in range(count)]
                for url in urls:
                    registered += 1
                    name = f"ocr-{registered}"
                    client.post("/api/ocr-servers", json={"name": name, "url": url})
                    names.append(name)
                pid = client.post(
                    "/api/projects", json={"title": f"{count} OCR servers", "template": "forms"}
                ).json()["id"]
                before = _load()
                seconds, job = run_import(client, pid, scans, {"ocr": True, "ocr_servers": names})
                rates[count] = len(scans) / seconds
                print(
                    f"fleet: {len(scans)} scans OCR'd by {count} ocr-server process(es) in "
                    f"{seconds:.1f} s = {rates[count]:.2f} pages/s "
                    f"({rates[count] / rates[1]:.2f}x one server) · errors {job['failed']} · "
                    f"load {before} → {_load()}"
                )
        print(
            f"fleet: {os.cpu_count()} cores here: no gain expected past {os.cpu_count()} servers; "
            "N machines × c cores for OCR ≈ N × c × (one server's rate)"
        )


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"
