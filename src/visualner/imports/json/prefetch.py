"""An import's downloads: fetched ahead on a few threads, through one pooled client.

A Label Studio list names one document URL per task; fetched one after the other, a list of
10,000 tasks on a remote storage spends most of its time waiting on the network. Before a batch
of tasks is processed, the first document URL in each task's first bytes is handed to a small
pool of download threads (without parsing the task: that happens once, when the task is
processed). Processing then takes the download the pool started, or fetches itself when the
hint missed. Every download goes through the job's one ``UrlFetcher`` (its connections reused)
and its SSRF checks, and a URL is fetched once per job.

The download threads also do the rest of a file's work that needs no task: sniffing its kind,
hashing it, and storing a browser-ready PNG/JPEG as it is (``imports.pages.store_original``;
the blob store's fsync then waits on those threads, not on the one storing tasks).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from visualner.documents.blobstore import BlobStore
from visualner.documents.sniff import FileKind, sniff_file_type
from visualner.documents.url_fetch import UrlFetcher
from visualner.imports.documents import file_sha256
from visualner.imports.pages import StoredPage, store_original
from visualner.settings import Settings

#: downloads running at once per import job (and connections its fetcher keeps open)
PREFETCH_THREADS = 4
#: how far into a task the document URL is looked for
HINT_BYTES = 8192


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A task's document on local disk: what it is, its content hash, and its page when it
    is a browser-ready image already in the blob store."""

    path: Path
    name: str
    kind: FileKind
    sha256: str
    page: StoredPage | None = None

    @classmethod
    def of(cls, path: Path, name: str) -> SourceFile:
        return cls(path, name, sniff_file_type(path, display_name=name), file_sha256(path))


def url_hint_pattern(keys: Iterable[str]) -> re.Pattern[bytes]:
    """``"<key>": "http(s)://…"`` for the data keys a task's document may sit under."""
    names = b"|".join(re.escape(key.encode()) for key in keys)
    return re.compile(rb'"(?:' + names + rb')"\s*:\s*"(https?://[^"\\]{1,4000})"')


class JobDownloads:
    """The documents one import job fetches: each URL at most once, ahead of its task."""

    def __init__(
        self, *, folder: Path, settings: Settings, blobs: BlobStore, threads: int = PREFETCH_THREADS
    ) -> None:
        self._folder = folder
        self._settings = settings
        self._blobs = blobs
        self._fetcher = UrlFetcher(
            max_bytes=settings.url_fetch_max_mb * 2**20,
            timeout_s=settings.url_fetch_timeout_s,
            allowlist=settings.url_allowlist,
            max_connections=threads,
        )
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="url-prefetch")
        self._started: dict[str, Future[SourceFile]] = {}
        self._done: dict[str, SourceFile] = {}
        self._lock = threading.Lock()
        #: seconds the tasks waited for their documents; seconds the download threads spent
        #: fetching, and hashing and storing (summed over the threads)
        self.seconds = {"waiting_for_downloads": 0.0, "downloading": 0.0, "storing_originals": 0.0}

    def hint(self, url: str) -> None:
        """Start downloading ``url`` unless it was already."""
        with self._lock:
            if url not in self._started and url not in self._done:
                self._started[url] = self._pool.submit(self._fetch, url)

    def get(self, url: str) -> SourceFile:
        """The downloaded document of ``url``: the one ``hint`` started, or fetched now.
        Raises the download's error."""
        with self._lock:
            done = self._done.get(url)
            started = self._started.pop(url, None)
        if done is not None and done.path.exists():
            return done
        waited = time.monotonic()
        try:
            source = started.result() if started is not None else self._fetch(url)
        finally:
            waited = time.monotonic() - waited
        with self._lock:
            self._done[url] = source
            self.seconds["waiting_for_downloads"] += waited
        return source

    def _fetch(self, url: str) -> SourceFile:
        self._folder.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        fetched = self._fetcher.fetch(url, dest_dir=self._folder)
        fetched_at = time.monotonic()
        source = SourceFile.of(fetched.path, fetched.filename)
        page = store_original(
            source.path,
            source.kind,
            name=source.name,
            settings=self._settings,
            blobs=self._blobs,
            sha256=source.sha256,
        )
        with self._lock:
            self.seconds["downloading"] += fetched_at - started
            self.seconds["storing_originals"] += time.monotonic() - fetched_at
        return SourceFile(source.path, source.name, source.kind, source.sha256, page)

    def close(self) -> None:
        """Stop the download threads (queued downloads are dropped) and close the client."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._fetcher.close()
