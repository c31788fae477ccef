"""The embedded queue consumer: idle workers wake when this process enqueues, and stop at once."""

from __future__ import annotations

import threading
from pathlib import Path

from huey import SqliteHuey

from visualner.jobs.queue import _EmbeddedConsumer, _WakeableWorker

HOUR = 3600.0


def idle_worker(wake: threading.Event, *, delay: float) -> _WakeableWorker:
    worker = _WakeableWorker(
        wake=wake,
        huey=None,
        stop_flag=threading.Event(),
        default_delay=0.01,
        max_delay=HOUR,
        backoff=2.0,
        max_tasks=None,
    )
    worker.delay = delay
    return worker


def test_an_idle_worker_polls_again_as_soon_as_a_job_is_enqueued_here() -> None:
    wake = threading.Event()
    worker = idle_worker(wake, delay=HOUR)
    sleeper = threading.Thread(target=worker.sleep)
    sleeper.start()
    wake.set()
    sleeper.join(timeout=60)
    assert not sleeper.is_alive()
    assert worker.delay == 0.01  # polling fast again, as after a task
    assert not wake.is_set()


def test_an_idle_worker_not_woken_backs_off_as_huey_does() -> None:
    worker = idle_worker(threading.Event(), delay=0.001)
    worker.sleep()
    worker.sleep()
    assert worker.delay == 0.004


def test_stopping_the_consumer_ends_idle_workers_without_waiting_out_their_delay(
    tmp_path: Path,
) -> None:
    huey = SqliteHuey("wake-test", filename=str(tmp_path / "queue.db"), results=False)
    consumer = _EmbeddedConsumer(
        huey,
        wake=threading.Event(),
        workers=2,
        worker_type="thread",
        periodic=False,
        initial_delay=HOUR,
        max_delay=HOUR,
        check_worker_health=False,
    )
    consumer.start()
    stopper = threading.Thread(target=consumer.stop, kwargs={"graceful": True})
    stopper.start()
    stopper.join(timeout=20)
    assert not stopper.is_alive()
    assert not any(thread.is_alive() for _, thread in consumer.worker_threads)
