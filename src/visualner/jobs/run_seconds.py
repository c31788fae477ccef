"""Where a job run's wall time went, for the job's result (``report_seconds`` handlers)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class RunSeconds:
    """Where a run of a job spent its wall time (the job's result keeps it as ``seconds``):
    its items' slow work, storing their batches, and starting the next batch's work."""

    processing: float = 0.0
    storing: float = 0.0
    preparing: float = 0.0
    #: CPU seconds of the worker's thread in the first two (the rest of the wall time it
    #: waited: on other threads holding the GIL, the disk, the database)
    processing_cpu: float = 0.0
    storing_cpu: float = 0.0

    def as_result(self) -> dict[str, float]:
        return {name: round(value, 3) for name, value in asdict(self).items()}
