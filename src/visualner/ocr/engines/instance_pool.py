"""A small pool of engine objects that are expensive to build and not thread-safe.

Objects are built lazily (models load on the first page), at most ``size`` of them; a caller
borrows one for a page and gives it back, waiting when all are busy. A failed build frees
its slot so a later call can try again instead of waiting forever.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class LazyPool(Generic[T]):
    def __init__(
        self,
        build: Callable[[], T],
        *,
        size: int,
        on_return: Callable[[T], None] | None = None,
    ) -> None:
        self._build = build
        self._size = size
        self._on_return = on_return
        self._idle: queue.LifoQueue[T] = queue.LifoQueue()
        self._created = 0
        self._lock = threading.Lock()

    def _new(self) -> T:
        try:
            return self._build()
        except Exception:
            with self._lock:
                self._created -= 1
            raise

    @contextmanager
    def borrow(self) -> Iterator[T]:
        try:
            item = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                create = self._created < self._size
                if create:
                    self._created += 1
            item = self._new() if create else self._idle.get()
        try:
            yield item
        finally:
            if self._on_return is not None:
                self._on_return(item)
            self._idle.put(item)
