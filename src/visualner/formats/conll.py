"""``conll``: CoNLL-2003 columns, one word per line: ``word -X- _ TAG`` (BIO tags).

Each task starts with ``-DOCSTART- -X- -X- O`` and a blank line; a blank line ends each page.
Words are in reading order; whitespace inside a word becomes ``_`` and empty words are left
out, so every line has exactly four columns. Free boxes (regions without words) tag nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from visualner.formats.records import ExportContext, ExportTask, bio_tags, regions_by_page

DOCSTART = "-DOCSTART- -X- -X- O\n\n"
WHITESPACE = re.compile(r"\s+")


def conll_document(task: ExportTask) -> str:
    grouped = regions_by_page(task.chosen_result())
    lines = [DOCSTART]
    for page in task.pages:
        words = page.words
        tags = bio_tags(len(words), grouped.get(page.index, []))
        for word, tag in zip(words, tags, strict=True):
            text = WHITESPACE.sub("_", word.text.strip())
            if text:
                lines.append(f"{text} -X- _ {tag}\n")
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
