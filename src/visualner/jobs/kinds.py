"""The one place job kinds are registered; every domain's handler is listed here."""

from __future__ import annotations

from visualner.exports.job import ExportJob
from visualner.imports.job import ImportJob
from visualner.jobs.handlers import JobRegistry
from visualner.ocr.rerun import OcrJob
from visualner.preannotation.prediction import PreannotateJob
from visualner.preannotation.training import TrainModelJob


def register_job_kinds(registry: JobRegistry) -> None:
    """Register every job kind the product runs (imports, OCR, exports, training)."""
    registry.register(ImportJob())
    registry.register(OcrJob())
    registry.register(TrainModelJob())
    registry.register(PreannotateJob())
    registry.register(ExportJob())
