"""Read FUNSD annotation files into labelled pages for training and evaluating the tagger.

FUNSD lists words grouped by entity, not in reading order, and gives no line ids. We keep the
gold words and boxes (as if they came from a perfect PDF text layer), put them in the model's
reading order, and fill ``line``/``block`` from geometry, which is what the product gets from its
word sources. Words with empty text are dropped (no word source produces them), as the usual
LayoutLM preprocessing does; an entity left without words is dropped with them. Entities labelled
``other`` are not entities: their words stay on the page, untagged.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from visualner.errors import InvalidInput
from visualner.model.reading_order import layout_words
from visualner.model.tagger import Entity, LabeledPage
from visualner.words import PageWords, Word

logger = logging.getLogger(__name__)

FUNSD_LABELS: tuple[str, ...] = ("question", "answer", "header")


def parse_funsd(
    raw: dict[str, Any], *, width: int, height: int, name: str = "", file_order: bool = False
) -> LabeledPage:
    """Turn one FUNSD ``{"form": [...]}`` document into a labelled page in reading order.

    With ``file_order`` the words keep the file's order instead (entity after entity, each
    entity's words together), the sequence LayoutLM and BERT were scored on: it tells where
    entities begin and end, which a real word source does not, so it is only for comparing
    with those published figures.
    """
    if not isinstance(raw.get("form"), list):
        raise InvalidInput(f"{name or 'FUNSD file'}: expected a top-level 'form' list")
    words: list[Word] = []
    owner: list[int] = []  # FUNSD entity id for each kept word
    labels: dict[int, str] = {}
    links: set[tuple[int, int]] = set()
    for item in raw["form"]:
        entity_id = int(item["id"])
        labels[entity_id] = str(item.get("label", "other"))
        for pair in item.get("linking", []):
            links.add((int(pair[0]), int(pair[1])))
        for w in item.get("words", []):
            text = str(w.get("text", "")).strip()
            if not text:
                continue
            x0, y0, x1, y1 = (float(v) for v in w["box"])
            words.append(Word(text=text, bbox=(x0, y0, x1, y1)))
            owner.append(entity_id)

    layout = layout_words(words)
    original_of = list(range(len(words))) if file_order else layout.order
    ordered = [
        Word(
            text=words[i].text,
            bbox=words[i].bbox,
            line=layout.segment[i],
            block=layout.block[i],
        )
        for i in original_of
    ]

    members: dict[int, list[int]] = {}
    for new_index, old_index in enumerate(original_of):
        members.setdefault(owner[old_index], []).append(new_index)
    entities: list[Entity] = []
    entity_index: dict[int, int] = {}
    for entity_id, indices in members.items():
        label = labels[entity_id]
        if label not in FUNSD_LABELS:
            continue
        entity_index[entity_id] = len(entities)
        entities.append(Entity(label=label, word_indices=tuple(sorted(indices))))
    relation_pairs = sorted(
        (entity_index[a], entity_index[b])
        for a, b in links
        if a in entity_index
        and b in entity_index
        and labels[a] == "question"
        and labels[b] == "answer"
    )
    page = PageWords(width=width, height=height, words=ordered, engine="funsd")
    return LabeledPage(page=page, entities=entities, links=relation_pairs, name=name)


def _png_size(path: Path) -> tuple[int, int]:
    """Read width and height from a PNG header without decoding the image."""
    with path.open("rb") as handle:
        header = handle.read(24)
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise InvalidInput(f"{path.name}: not a PNG file")
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def _gray(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L"))


def load_funsd(folder: Path, *, images: bool = True, file_order: bool = False) -> list[LabeledPage]:
    """Load every ``annotations/*.json`` of a FUNSD split, sorted by file name.

    Page size comes from the matching ``images/*.png``; without it the largest box edge is used.
    With ``images`` the page image (grey numpy array) is attached as ``LabeledPage.image``;
    ``file_order`` is passed to ``parse_funsd``.
    A file that cannot be read is logged and skipped so one bad file does not stop a run.
    """
    pages: list[LabeledPage] = []
    for path in sorted((folder / "annotations").glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            image = folder / "images" / f"{path.stem}.png"
            if image.exists():
                width, height = _png_size(image)
            else:
                boxes = [e["box"] for e in raw.get("form", [])]
                width = int(max((b[2] for b in boxes), default=1))
                height = int(max((b[3] for b in boxes), default=1))
            page = parse_funsd(
                raw, width=width, height=height, name=path.stem, file_order=file_order
            )
            if images and image.exists():
                page.image = _gray(image)
            pages.append(page)
        except (OSError, ValueError, KeyError, TypeError, InvalidInput) as error:
            logger.warning("skipping %s: %s", path.name, error)
    return pages
