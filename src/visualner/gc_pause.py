"""Holding off Python's cyclic garbage collector around allocation-heavy work.

Parsing or encoding a task with hundreds of regions allocates thousands of short-lived,
acyclic dicts and lists; each burst sets off collections that rescan every live object.
Reference counting frees such objects anyway, so collection can wait until the work is done.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused(paused: bool = True) -> Iterator[None]:
    """Turn the cycle collector off inside the block (``paused=False``: leave it alone).

    This affects the whole process, not just the calling thread: while any thread is inside,
    no thread's garbage is collected. Keep the block to one unit of work (one task, one
    batch) so collection resumes between them. Whoever found collection on turns it back on
    when leaving, so nested or concurrent pauses never leave it off; when it was already off
    (another pause, or the application's choice) it is left off for that owner to resume.
    """
    was_enabled = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused and was_enabled:
            gc.enable()
