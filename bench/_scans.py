"""Distinct scanned pages for the import bench, and a keep-alive image server on loopback.

Real task lists point every task at its own page, so the bench needs one image per task that
looks like what a scanner writes: an A4 page at 300 dpi (2480×3508) with a form's printed
labels, boxes and numbers. Two kinds:

* ``png``: black and white (1-bit), as document scanners and fax gateways store pages, ~11 KB;
* ``jpeg``: 8-bit greyscale with paper noise and antialiased text, ~300 KB.

Each page carries its own number and random words, so no two pages (and no two files) are the
same. Pages are written once into a cache folder and reused by later runs.
"""

from __future__ import annotations

import functools
import http.server
import io
import random
import socketserver
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PAGE_SIZE = (2480, 3508)
CACHE = Path.home() / ".cache" / "visualner-bench" / "scans"
_WORDS = ("policy", "claim", "insured", "amount", "deductible", "premium", "coverage", "date")
#: form lines per page: 1-bit pages then weigh ~11 KB as PNG; greyscale ones get more text
_PNG_LINES = 3
_JPEG_LINES = 12
_JPEG_NOISE = 2.0
_JPEG_QUALITY = 75
_NOISE_MARGIN = 256


def _form(number: int, lines: int) -> Image.Image:
    """A white ``L`` page with a title, ``lines`` labelled fields and their answer boxes."""
    rng = random.Random(number)
    font = ImageFont.load_default(size=34)
    page = Image.new("L", PAGE_SIZE, 255)
    draw = ImageDraw.Draw(page)
    draw.text((200, 150), f"FORM {number:06d} {rng.choice(_WORDS).upper()}", font=font, fill=0)
    y = 300
    for _ in range(lines):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(2, 6)))
        field = f"{words}: {rng.randrange(10**6)}"
        draw.text((200 + rng.randrange(200), y), field, font=font, fill=0)
        draw.rectangle((1300, y - 10, 2280, y + 50), outline=0, width=3)
        y += rng.randrange(120, 260)
    return page


@functools.cache
def _paper() -> np.ndarray:
    """Sensor noise, a little larger than a page: each page takes a window at its own offset."""
    rng = np.random.default_rng(0)
    height, width = PAGE_SIZE[1] + _NOISE_MARGIN, PAGE_SIZE[0] + _NOISE_MARGIN
    return (rng.standard_normal((height, width), dtype=np.float32) * _JPEG_NOISE).astype(np.int16)


def page_bytes(number: int, kind: str) -> bytes:
    """Page ``number`` as a 1-bit PNG (``png``) or an 8-bit greyscale JPEG (``jpeg``)."""
    buffer = io.BytesIO()
    if kind == "png":
        form = _form(number, _PNG_LINES).convert("1", dither=Image.Dither.NONE)
        form.save(buffer, "PNG")
        return buffer.getvalue()
    text = np.asarray(_form(number, _JPEG_LINES), dtype=np.int16)
    dy, dx = number % _NOISE_MARGIN, (number * 7) % _NOISE_MARGIN
    paper = _paper()[dy : dy + PAGE_SIZE[1], dx : dx + PAGE_SIZE[0]]
    pixels = np.clip(text * 4 // 5 + 35 + paper, 0, 255).astype(np.uint8)
    Image.fromarray(pixels, "L").save(buffer, "JPEG", quality=_JPEG_QUALITY)
    return buffer.getvalue()


def _write_page(folder: Path, number: int, kind: str) -> None:
    target = folder / page_name(number, kind)
    if not target.exists():
        partial = target.with_suffix(".part")
        partial.write_bytes(page_bytes(number, kind))
        partial.replace(target)


def page_name(number: int, kind: str) -> str:
    return f"page-{number:05d}.{'png' if kind == 'png' else 'jpg'}"


def scanned_pages(count: int, kind: str) -> Path:
    """A folder holding pages ``0 … count-1`` of ``kind`` (written on first use, 2 processes)."""
    folder = CACHE / kind
    folder.mkdir(parents=True, exist_ok=True)
    missing = [n for n in range(count) if not (folder / page_name(n, kind)).exists()]
    if missing:
        print(f"writing {len(missing)} distinct {kind} pages to {folder} (once)", flush=True)
        with ProcessPoolExecutor(max_workers=2) as pool:
            list(pool.map(functools.partial(_write_page, folder, kind=kind), missing))
    return folder


class _KeepAliveFiles(http.server.BaseHTTPRequestHandler):
    """The folder's files over HTTP/1.1 keep-alive (as object stores and web servers answer),
    sent from the page cache with ``sendfile`` so the bench's own server costs little of the
    CPU the import shares it with; counts requests and connections."""

    protocol_version = "HTTP/1.1"
    #: headers and body are two writes: with Nagle on, the body waited for the client's
    #: delayed ACK of the headers, 40 ms a request (web servers and object stores set
    #: TCP_NODELAY on keep-alive connections)
    disable_nagle_algorithm = True
    counts: dict[str, int]
    files: dict[str, tuple[Path, int, str]]

    def setup(self) -> None:
        super().setup()
        self.counts["connections"] += 1

    def do_GET(self) -> None:
        self.counts["requests"] += 1
        found = self.files.get(self.path.lstrip("/"))
        if found is None:
            self.send_error(404)
            return
        path, size, media_type = found
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        self.wfile.flush()
        with path.open("rb") as handle:
            self.connection.sendfile(handle)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def image_server_cpu() -> float:
    """CPU seconds of this (bench) process so far: its image server threads, mostly."""
    return time.process_time()


_MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg"}


@contextmanager
def image_server(folder: Path) -> Iterator[tuple[str, dict[str, int]]]:
    """Serve ``folder`` on loopback: (base URL, live request/connection counts)."""
    counts = {"requests": 0, "connections": 0}
    files = {
        path.name: (path, path.stat().st_size, _MEDIA_TYPES.get(path.suffix, "image/png"))
        for path in folder.iterdir()
        if path.is_file()
    }
    handler = type("Handler", (_KeepAliveFiles,), {"counts": counts, "files": files})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", counts
    finally:
        server.shutdown()
        server.server_close()
