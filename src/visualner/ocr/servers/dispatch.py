"""Spread pages over OCR targets with bounded concurrency, retries and failover.

Each target runs at most ``capacity`` pages at once; a page that fails is retried with
exponential backoff on the next target, and after ``attempts`` tries it is reported as
failed (the import keeps the page and marks it re-runnable).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image

from visualner.errors import InvalidInput
from visualner.ocr.servers.targets import OcrTarget
from visualner.words import PageWords

log = logging.getLogger(__name__)


@dataclass
class PageOcrResult:
    page_words: PageWords | None
    error: str = ""
    attempts: int = 0
    target: str = ""


class OcrDispatcher:
    def __init__(
        self, targets: Sequence[OcrTarget], *, attempts: int = 3, backoff_s: float = 0.5
    ) -> None:
        if not targets:
            raise ValueError("at least one OCR target is needed")
        self.targets = list(targets)
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._slots = {id(t): threading.Semaphore(max(1, t.capacity)) for t in self.targets}
        self._order = itertools.cycle(range(len(self.targets)))
        self._order_lock = threading.Lock()

    def close(self) -> None:
        for target in self.targets:
            target.close()

    @property
    def concurrency(self) -> int:
        return sum(max(1, t.capacity) for t in self.targets)

    def _next_target(self, offset: int) -> OcrTarget:
        with self._order_lock:
            start = next(self._order)
        return self.targets[(start + offset) % len(self.targets)]

    def recognize(self, load_image: Callable[[], Image.Image]) -> PageOcrResult:
        last_error = ""
        for attempt in range(self.attempts):
            target = self._next_target(attempt)
            try:
                with self._slots[id(target)]:
                    page = target.recognize(load_image())
                return PageOcrResult(page, attempts=attempt + 1, target=target.name)
            except InvalidInput as exc:  # the page itself is bad: retrying cannot help
                return PageOcrResult(
                    None, error=exc.message, attempts=attempt + 1, target=target.name
                )
            except Exception as exc:
                last_error = f"{target.name}: {exc}"
                log.warning("OCR attempt %s on %s failed: %s", attempt + 1, target.name, exc)
                if attempt + 1 < self.attempts:
                    time.sleep(self.backoff_s * (2**attempt))
        return PageOcrResult(
            None,
            error=f"OCR failed after {self.attempts} tries: {last_error}",
            attempts=self.attempts,
        )

    def recognize_many(self, loaders: Sequence[Callable[[], Image.Image]]) -> list[PageOcrResult]:
        """OCR pages in parallel, results in the order given."""
        if len(loaders) == 1:
            return [self.recognize(loaders[0])]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(loaders))) as pool:
            return list(pool.map(self.recognize, loaders))
