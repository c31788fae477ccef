"""``funsd``: FUNSD's form JSON, one file per page in a zip; and FUNSD → task for imports.

An exported page is ``{"form": [entity, …]}`` with each entity ``{id, box, text, label,
words: [{text, box}], linking: [[from, to], …]}`` (a link is listed on both its entities, as in
FUNSD). Region ids that are integers (FUNSD imports) are kept as entity ids. Words no region
covers become ``other`` entities, one per OCR line, so every word of the page appears once,
as in FUNSD. Boxes are integer pixels.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from visualner.errors import InvalidInput
from visualner.formats.records import (
    ExportContext,
    ExportPage,
    ExportTask,
    annotated_pages,
    page_stem,
    region_box,
    union_box,
)
from visualner.formats.sink import write_zip_member
from visualner.model.reading_order import layout_words
from visualner.words import Word

OTHER_LABEL = "other"


def _entity_ids(ids: list[str]) -> dict[str, int]:
    if all(i.isdigit() for i in ids) and len(set(ids)) == len(ids):
        return {i: int(i) for i in ids}
    return {region_id: number for number, region_id in enumerate(ids)}


def funsd_page(
    regions: list[dict[str, Any]], relations: list[dict[str, Any]], page: ExportPage
) -> dict[str, Any]:
    """One page's regions (and the relations between them; others are left out) as a
    FUNSD ``form``.

    Boxes are rounded once per word; a token region's box is the union of its words'
    rounded boxes, which equals the rounded union since rounding keeps order. Regions of
    one valid word, the usual case, skip the list building that longer ones need."""
    ids = [str(region["id"]) for region in regions]
    entity_of = _entity_ids(ids)
    texts = page.texts
    boxes = page.rounded_boxes
    count = len(texts)
    form: list[dict[str, Any]] = []
    covered: set[int] = set()
    for region, region_id in zip(regions, ids, strict=True):
        tokens: list[int] = region.get("tokens") or []
        if len(tokens) == 1 and 0 <= tokens[0] < count:
            index = tokens[0]
            covered.add(index)
            words = [{"text": texts[index], "box": boxes[index]}]
            text = region.get("text") or texts[index]
            token_box = boxes[index]
        else:
            tokens = [i for i in tokens if 0 <= i < count]
            covered.update(tokens)
            words = [{"text": texts[i], "box": boxes[i]} for i in tokens]
            text = region.get("text") or " ".join(texts[i] for i in tokens if texts[i])
            token_box = union_box(boxes, tokens) if tokens else [0, 0, 0, 0]
        bbox = region.get("bbox")
        form.append(
            {
                "id": entity_of[region_id],
                "box": [
                    round(float(bbox[0])),
                    round(float(bbox[1])),
                    round(float(bbox[2])),
                    round(float(bbox[3])),
                ]
                if bbox
                else token_box,
                "text": text,
                "label": region.get("label", ""),
                "words": words,
                "linking": [],
            }
        )
    by_id = {entity["id"]: entity for entity in form}
    for relation in relations:
        start = entity_of.get(str(relation.get("from_id")))
        end = entity_of.get(str(relation.get("to_id")))
        if start is None or end is None:
            continue
        for entity_id in (start, end):
            by_id[entity_id]["linking"].append([start, end])
    next_id = max(by_id, default=-1) + 1
    if len(covered) < count:
        for line in _uncovered_lines(page, covered):
            form.append(
                {
                    "id": next_id,
                    "box": union_box(boxes, line),
                    "text": " ".join(texts[i] for i in line),
                    "label": OTHER_LABEL,
                    "words": [{"text": texts[i], "box": boxes[i]} for i in line],
                    "linking": [],
                }
            )
            next_id += 1
    return {"form": form}


def _uncovered_lines(page: ExportPage, covered: set[int]) -> list[list[int]]:
    lines: list[list[int]] = []
    last_key: tuple[int, int] | None = None
    keys = zip(page.columns["block"], page.columns["line"], strict=True)
    for index, key in enumerate(keys):
        if index in covered:
            last_key = None
            continue
        if key != last_key:
            lines.append([])
        lines[-1].append(index)
        last_key = key
    return lines


class FunsdWriter:
    """A zip of ``<task-N_page-P>.json`` FUNSD files, one per page of an annotated task; each
    names its page image in ``image`` (a URL, or its path in a zip with the images)."""

    def __init__(self, sink: BinaryIO, ctx: ExportContext) -> None:
        self.archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
        self.ctx = ctx

    def write_task(self, task: ExportTask) -> None:
        for page, regions, annotation in annotated_pages(task):
            document = funsd_page(regions, annotation.relations, page)
            document["image"] = self.ctx.image_ref(task.id, page.index, page.image_sha256)
            write_zip_member(self.archive, f"{page_stem(task, page)}.json", orjson.dumps(document))

    def close(self) -> Iterator[None]:
        self.archive.close()
        yield


def funsd_to_task(
    form: dict[str, Any],
    *,
    name: str,
    width: int,
    height: int,
    image_sha256: str | None = None,
    image_mime: str = "image/png",
) -> dict[str, Any]:
    """A FUNSD document (and its image, already stored) as a native task with one submitted
    annotation: every entity a region (``other`` included) whose tokens are its words, every
    link a relation. Words are put in reading order (line/block ids from their layout)."""
    entities = form.get("form") if isinstance(form, dict) else None
    if not isinstance(entities, list):
        raise InvalidInput(f"{name}: expected a FUNSD document with a top-level 'form' list")
    words: list[Word] = []
    owner: list[int] = []
    for position, entity in enumerate(entities):
        try:
            for raw_word in entity.get("words") or []:
                x0, y0, x1, y1 = (float(v) for v in raw_word["box"])
                words.append(Word(str(raw_word.get("text", "")), (x0, y0, x1, y1)))
                owner.append(position)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(
                f"{name}: form[{position}] has a malformed word: each word needs a 'text' and "
                "a 'box' of four numbers"
            ) from exc
    layout = layout_words(words)
    new_index = {old: new for new, old in enumerate(layout.order)}
    ordered = [
        Word(
            words[old].text,
            words[old].bbox,
            1.0,
            layout.segment[old],
            layout.block[old],
        )
        for old in layout.order
    ]
    regions: list[dict[str, Any]] = []
    links: dict[tuple[str, str], None] = {}
    word_cursor = 0
    for position, entity in enumerate(entities):
        count = len(entity.get("words") or [])
        tokens = [new_index[old] for old in range(word_cursor, word_cursor + count)]
        word_cursor += count
        region_id = str(entity.get("id", position))
        regions.append(
            {
                "id": region_id,
                "page": 0,
                "label": str(entity.get("label") or OTHER_LABEL),
                "tokens": tokens,
                "bbox": [
                    float(v)
                    for v in entity.get("box")
                    or region_box({"tokens": tokens}, [w.bbox for w in ordered])
                ],
                "text": str(entity.get("text", "")),
                "origin": "funsd",
            }
        )
        for pair in entity.get("linking") or []:
            links[(str(pair[0]), str(pair[1]))] = None
    region_ids = {r["id"] for r in regions}
    relations = [
        {"from_id": a, "to_id": b, "label": ""}
        for a, b in links
        if a in region_ids and b in region_ids
    ]
    image = {"sha256": image_sha256, "mime": image_mime} if image_sha256 else None
    return {
        "title": name,
        "data": {"image": name, "source": {"name": name, "type": "funsd"}},
        "pages": [
            {
                "index": 0,
                "width": width,
                "height": height,
                "image": image,
                "words_source": "funsd",
                "ocr_engine": "funsd",
                "words": [w.to_json() for w in ordered],
            }
        ],
        "annotations": [
            {"status": "submitted", "regions": regions, "relations": relations, "choices": {}}
        ],
    }


def is_funsd_form(payload: Any) -> bool:
    """A FUNSD annotation file: ``{"form": [{"box", "words", "label", ...}, ...]}``."""
    return (
        isinstance(payload, dict)
        and isinstance(payload.get("form"), list)
        and all(isinstance(entity, dict) and "words" in entity for entity in payload["form"])
    )


def read_funsd_form(path: Path, *, name: str) -> dict[str, Any]:
    try:
        payload = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{name}: not valid JSON ({exc})") from exc
    if not is_funsd_form(payload):
        raise InvalidInput(f"{name}: not a FUNSD annotation (no 'form' list of entities)")
    form: dict[str, Any] = payload
    return form
