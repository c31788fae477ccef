"""``conll``: CoNLL-2003 columns, one word per line: ``word -X- _ TAG`` (BIO tags).

Each task starts with ``-DOCSTART- -X- -X- O`` and a blank line; a blank line ends each page.
Words are in reading order, as the annotation corrected them (``records.word_corrections``);
whitespace inside a word becomes ``_`` and empty words are left out, so every line has exactly
four columns. Free boxes (regions without words) tag nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from visualner.formats.records import (
    ExportContext,
    ExportTask,
    bio_tags,
    corrected_tagged_words,
    regions_by_page,
)

DOCSTART = "-DOCSTART- -X- -X- O\n\n"


def conll_word(text: str) -> str:
    """A word as one CoNLL column: inner whitespace runs become ``_``, outer ones go
    (``str.split`` splits on exactly the characters ``\\s`` matches, without a regex)."""
    return "_".join(text.split())


def conll_document(task: ExportTask) -> str:
    grouped = regions_by_page(task.chosen_result())
    lines = [DOCSTART]
    for page in task.pages:
        texts, regions = page.texts, grouped.get(page.index, [])
        tags = bio_tags(len(texts), regions)
        for _, text, tag in corrected_tagged_words(texts, tags, regions):
            word = conll_word(text)
            if word:
                lines.append(f"{word} -X- _ {tag}\n")
        lines.append("\n")
    return "".join(lines)


class ConllWriter:
    def __init__(self, sink: BinaryIO, ctx: ExportContext) -> None:
        self.sink = sink

    def write_task(self, task: ExportTask) -> None:
        if task.chosen_result() is not None:
            self.sink.write(conll_document(task).encode())

    def close(self) -> Iterator[None]:
        yield
