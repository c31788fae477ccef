"""The export formats, each with a one-line description (``GET /api/export-formats``).

A format is a writer class: built with the output stream and the project's ``ExportContext``,
it gets ``write_task`` once per task in id order, and ``close`` (a generator, so the streamer
can send what it wrote between steps) writes what comes last.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from visualner.errors import InvalidInput
from visualner.formats.coco import CocoWriter
from visualner.formats.conll import ConllWriter
from visualner.formats.csv_table import CsvWriter
from visualner.formats.funsd import FunsdWriter
from visualner.formats.labelstudio import LabelStudioWriter
from visualner.formats.layoutlm import LayoutLmWriter
from visualner.formats.native import NativeJsonWriter
from visualner.formats.records import ExportContext, ExportTask
from visualner.formats.voc import VocWriter


class FormatWriter(Protocol):
    def write_task(self, task: ExportTask) -> None: ...

    def close(self) -> Iterator[None]: ...


class WriterFactory(Protocol):
    def __call__(self, sink: BinaryIO, ctx: ExportContext) -> FormatWriter: ...


@dataclass(frozen=True)
class ExportFormat:
    name: str
    description: str
    media_type: str
    extension: str
    writer: WriterFactory
    all_annotations: bool
    """True: every annotation of a task; False: one per task (see ``chosen_result``)."""
    refers_to_images: bool = False
    """True: its files name page images, so it can be exported with them (exports/bundle.py)."""

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "media_type": self.media_type,
            "extension": self.extension,
            "all_annotations": self.all_annotations,
            "refers_to_images": self.refers_to_images,
        }


EXPORT_FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        "json",
        "visualner JSON: tasks, pages with words and images, every annotation with its "
        "history, predictions; re-importable",
        "application/json",
        "json",
        NativeJsonWriter,
        True,
    ),
    ExportFormat(
        "labelstudio",
        "Label Studio task JSON: rectanglelabels and per-region textarea in percent, "
        "relations, choices",
        "application/json",
        "json",
        LabelStudioWriter,
        True,
    ),
    ExportFormat(
        "funsd",
        "FUNSD form JSON per page (entities with words and links), zipped",
        "application/zip",
        "zip",
        FunsdWriter,
        False,
        refers_to_images=True,
    ),
    ExportFormat(
        "conll",
        "CoNLL-2003 text: one word per line with its BIO tag, -DOCSTART- per task",
        "text/plain; charset=utf-8",
        "conll",
        ConllWriter,
        False,
    ),
    ExportFormat(
        "layoutlm",
        "Hugging Face token classification JSON Lines: words, 0-1000 bboxes, BIO ner_tags, "
        "image_path",
        "application/x-ndjson",
        "jsonl",
        LayoutLmWriter,
        False,
        refers_to_images=True,
    ),
    ExportFormat(
        "coco",
        "COCO detection JSON: images, categories, boxes",
        "application/json",
        "json",
        CocoWriter,
        False,
        refers_to_images=True,
    ),
    ExportFormat(
        "voc",
        "Pascal VOC XML per page, zipped",
        "application/zip",
        "zip",
        VocWriter,
        False,
        refers_to_images=True,
    ),
    ExportFormat(
        "csv",
        "CSV, one row per region: task, page, label, text, x, y, width, height",
        "text/csv; charset=utf-8",
        "csv",
        CsvWriter,
        False,
    ),
)
FORMATS_BY_NAME = {f.name: f for f in EXPORT_FORMATS}


def export_format(name: str) -> ExportFormat:
    try:
        return FORMATS_BY_NAME[name]
    except KeyError:
        raise InvalidInput(
            f"unknown export format {name!r}; choose one of {', '.join(FORMATS_BY_NAME)}",
            field="format",
        ) from None
