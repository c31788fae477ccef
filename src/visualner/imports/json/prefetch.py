"""Downloading the documents of the next JSON tasks while the current ones are stored.

A Label Studio list names one image URL per task; fetched one after the other, a list of
10,000 tasks on a remote storage spends most of its time waiting on the network. Before a batch
of tasks is processed, the first document URL in each task's first bytes is handed to a small
pool of download threads (without parsing the task: that happens once, when the task is
processed). Processing then takes the download the pool started, or fetches itself when the
hint missed. Every prefetch goes through ``fetch_url`` and its SSRF checks like any download,
and a URL is fetched once per job.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

#: downloads running at once per import job
PREFETCH_THREADS = 4
#: how far into a task the document URL is looked for
HINT_BYTES = 8192

Fetch = Callable[[str], tuple[Path, str]]


def url_hint_pattern(keys: Iterable[str]) -> re.Pattern[bytes]:
    """``"<key>": "http(s)://…"`` for the data keys a task's document may sit under."""
    names = b"|".join(re.escape(key.encode()) for key in keys)
    return re.compile(rb'"(?:' + names + rb')"\s*:\s*"(https?://[^"\\]{1,4000})"')


class Prefetcher:
    """A bounded pool of downloads, each URL at most once."""

    def __init__(self, fetch: Fetch, *, threads: int = PREFETCH_THREADS) -> None:
        self._fetch = fetch
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="url-prefetch")
        self._started: dict[str, Future[tuple[Path, str]]] = {}
        self._lock = threading.Lock()

    def hint(self, url: str) -> None:
        with self._lock:
            if url not in self._started:
                self._started[url] = self._pool.submit(self._fetch, url)

    def take(self, url: str) -> Future[tuple[Path, str]] | None:
        """The download started for ``url``, if any (it is handed out once)."""
        with self._lock:
            return self._started.pop(url, None)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
