"""Pre-annotation measured the way users get it: OCR words from the import pipeline, then entities.

Not a test: it prints figures (copied into docs/ocr.md) and asserts nothing.

1. OCR: the FUNSD training forms are imported into a real ``visualner serve`` (SQLite) whose
   built-in OCR server runs ``--engine`` with its defaults, and each page's stored words are
   read back through the API. ``--cache DIR`` keeps them (one JSON per engine) so model runs
   need not OCR again; the cache is keyed by the engine name only, so delete it after an
   engine change.
2. Projection: an OCR word belongs to the gold entity whose box covers most of it (at least
   half of the word's area); words of ``other`` entities or of none stay unlabelled. Gold
   question -> answer links carry over between projected entities. These are the annotations
   a project's annotators produce on OCR words, and the model trains on them.
3. Cross-validation inside the forms (page k is in fold k mod 4; each fold is predicted by a
   model trained on the other three) and scoring against the *gold* entities: a predicted
   entity matches when its label is equal, its text agrees (case- and whitespace-insensitive)
   and the union boxes have IoU >= 0.5; one-to-one.

Printed: per-label and micro P/R/F1 (and each fold's micro F1), and the share of gold entities
that are reachable at all (their projected OCR words give the gold text and box). ``--errors``
adds what went wrong, per label: each missed gold entity and each false positive by kind
(``miss_kinds``). Example:

    .venv/bin/python bench/e2e.py --engine rapidocr --cache /tmp/e2e-cache --errors
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _server import admin_token, serve

from tests.datasets import FUNSD_TRAINING
from visualner.model.funsd import FUNSD_LABELS
from visualner.model.tagger import Entity, LabeledPage, TrainedModel, train
from visualner.ocr.engines.evaluation import box_iou
from visualner.words import PageWords, Word

DEFAULT_DATA = FUNSD_TRAINING
FOLDS = 4
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class GoldEntity:
    label: str
    text: str
    box: Box


@dataclass
class Form:
    name: str
    page: PageWords
    gold: list[GoldEntity]
    gold_links: list[tuple[int, int]]  # indices into gold
    owner: list[int]  # per OCR word: index into gold, or -1
    image: np.ndarray


def normalized(text: str) -> str:
    return "".join(text.split()).lower()


def union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def covered(word: Box, entity: Box) -> float:
    """Share of the word's area inside the entity's box."""
    ix = min(word[2], entity[2]) - max(word[0], entity[0])
    iy = min(word[3], entity[3]) - max(word[1], entity[1])
    area = (word[2] - word[0]) * (word[3] - word[1])
    return ix * iy / area if ix > 0 and iy > 0 and area > 0 else 0.0


def ocr_through_import(engine: str, data: Path, names: list[str]) -> dict[str, Any]:
    """Import the forms into a real server with the built-in OCR running ``engine``."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        env = {"VISUALNER_OCR_ENGINE": engine}
        with serve(root / "data", f"sqlite:///{root / 'data' / 'visualner.db'}", **env) as server:
            client = httpx.Client(
                base_url=server.url,
                timeout=3600,
                headers={"Authorization": f"Token {admin_token(server.url)}"},
            )
            project = client.post("/api/projects", json={"title": "e2e", "template": "forms"})
            project_id = project.json()["id"]
            files = [data / "images" / f"{name}.png" for name in names]
            started = time.perf_counter()
            handles = [path.open("rb") for path in files]
            try:
                response = client.post(
                    f"/api/projects/{project_id}/import",
                    files=[("files", (p.name, h)) for p, h in zip(files, handles, strict=True)],
                    data={"options": json.dumps({"ocr_servers": ["built-in"]})},
                )
            finally:
                for handle in handles:
                    handle.close()
            response.raise_for_status()
            job_id = response.json()["job_id"]
            while client.get(f"/api/jobs/{job_id}").json()["status"] in {"queued", "running"}:
                time.sleep(0.5)
            seconds = time.perf_counter() - started
            tasks = client.get(f"/api/projects/{project_id}/tasks?page_size=500").json()["items"]
            pages: dict[str, Any] = {}
            for task in tasks:
                stem = Path(task["title"]).stem
                pages[stem] = client.get(f"/api/tasks/{task['id']}/pages/0").json()
    sys.stdout.write(
        f"imported {len(pages)} forms with OCR engine {engine} in {seconds:.0f} s "
        f"({seconds / max(len(pages), 1):.2f} s/page wall, 2 cores, load {load()})\n"
    )
    return pages


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def read_form(data: Path, name: str, stored: dict[str, Any]) -> Form:
    raw = json.loads((data / "annotations" / f"{name}.json").read_text(encoding="utf-8"))
    gold: list[GoldEntity] = []
    by_id: dict[int, int] = {}
    labelled: list[tuple[Box, int]] = []  # every entity's box, "other" included, and its gold
    for item in raw["form"]:
        words = [w for w in item["words"] if w["text"].strip()]
        if not words:
            continue
        box: Box = union([tuple(float(v) for v in w["box"]) for w in words])  # type: ignore[misc]
        index = -1
        if item["label"] in FUNSD_LABELS:
            index = by_id[int(item["id"])] = len(gold)
            gold.append(GoldEntity(item["label"], " ".join(w["text"] for w in words), box))
        labelled.append((box, index))
    links = sorted(
        {
            (by_id[a], by_id[b])
            for item in raw["form"]
            for a, b in item.get("linking", [])
            if a in by_id and b in by_id
            and gold[by_id[a]].label == "question" and gold[by_id[b]].label == "answer"
        }
    )  # fmt: skip
    words = [Word.from_json(w) for w in stored["words"]]
    owner = []
    for word in words:
        best, share = -1, 0.5
        for box, index in labelled:
            part = covered(word.bbox, box)
            if part > share:
                best, share = index, part
        owner.append(best)
    page = PageWords(width=stored["width"], height=stored["height"], words=words, engine="ocr")
    with Image.open(data / "images" / f"{name}.png") as image:
        grey = np.asarray(image.convert("L"))
    return Form(name, page, gold, links, owner, grey)


def labeled_page(form: Form) -> LabeledPage:
    """The annotation an annotator makes on the OCR words: the projected gold entities."""
    members: dict[int, list[int]] = {}
    for word_index, gold_index in enumerate(form.owner):
        if gold_index >= 0:
            members.setdefault(gold_index, []).append(word_index)
    order = sorted(members)
    position = {gold_index: k for k, gold_index in enumerate(order)}
    entities = [Entity(form.gold[g].label, tuple(members[g])) for g in order]
    links = [
        (position[a], position[b]) for a, b in form.gold_links if a in position and b in position
    ]
    return LabeledPage(form.page, entities, links, name=form.name, image=form.image)


def entity_of(form: Form, label: str, indices: Sequence[int]) -> GoldEntity:
    words = [form.page.words[i] for i in sorted(indices)]
    return GoldEntity(label, " ".join(w.text for w in words), union([w.bbox for w in words]))


def matches(a: GoldEntity, b: GoldEntity) -> bool:
    return (
        a.label == b.label
        and normalized(a.text) == normalized(b.text)
        and box_iou(a.box, b.box) >= 0.5
    )


def matched_to(predicted: list[GoldEntity], gold: list[GoldEntity]) -> list[int]:
    """Per gold entity: the first still unused predicted entity that matches it, or -1."""
    used: set[int] = set()
    found = []
    for entity in gold:
        hit = next((k for k, p in enumerate(predicted) if k not in used and matches(p, entity)), -1)
        if hit >= 0:
            used.add(hit)
        found.append(hit)
    return found


def count_matches(predicted: list[GoldEntity], gold: list[GoldEntity]) -> list[int]:
    """Per gold entity: 1 when some still unused predicted entity matches it."""
    return [int(k >= 0) for k in matched_to(predicted, gold)]


def reachable(form: Form) -> list[int]:
    """Per gold entity: can its text and box be read exactly from the OCR words at all?"""
    page = labeled_page(form)
    projected = [entity_of(form, e.label, e.word_indices) for e in page.entities]
    return count_matches(projected, form.gold)


def score(
    model: TrainedModel,
    forms: list[Form],
    totals: dict[str, list[int]],
    errors: Counter[tuple[str, str, str]] | None = None,
) -> None:
    """Add (gold, predicted, matched) per label to ``totals``, and with ``errors`` the kind of
    every miss and false positive (``miss_kinds``)."""
    for form in forms:
        result = model.predict_document(form.page, form.image)
        found = [(e.label, tuple(sorted(e.word_indices))) for e in result.entities]
        predicted = [entity_of(form, label, indices) for label, indices in found]
        pairs = matched_to(predicted, form.gold)
        hits = [int(k >= 0) for k in pairs]
        for label in FUNSD_LABELS:
            gold_n = sum(1 for g in form.gold if g.label == label)
            pred_n = sum(1 for p in predicted if p.label == label)
            hit_n = sum(h for h, g in zip(hits, form.gold, strict=True) if g.label == label)
            row = totals.setdefault(label, [0, 0, 0])
            row[0] += gold_n
            row[1] += pred_n
            row[2] += hit_n
        if errors is not None:
            errors.update(miss_kinds(form, found, pairs))


def miss_kinds(
    form: Form,
    found: list[tuple[str, tuple[int, ...]]],
    pairs: list[int],
) -> list[tuple[str, str, str]]:
    """``(side, label, kind)`` for every gold entity missed and every predicted one unmatched.

    A missed gold entity is *unreachable* (its projected OCR words do not give its text and
    box), or, reachable, it was predicted with a *wrong label*, *split* over several
    predicted groups, *merged* into a larger one, predicted in *partial* (some of its words,
    the rest unlabelled), cut across (*overlap*: some of its words in a group with others), or
    *not predicted* (its words left unlabelled). A false positive
    covers no labelled word (*spurious*), is exactly a gold entity's projected words but
    with a *wrong label*, or exactly an unreachable one's (*unreadable*), or else has wrong
    *boundaries*.
    """
    projected: dict[int, tuple[int, ...]] = {}
    for word, gold_index in enumerate(form.owner):
        if gold_index >= 0:
            projected[gold_index] = (*projected.get(gold_index, ()), word)
    reach = reachable(form)
    group_of = {word: k for k, (_label, indices) in enumerate(found) for word in indices}
    kinds: list[tuple[str, str, str]] = []
    for g, (gold, hit) in enumerate(zip(form.gold, pairs, strict=True)):
        if hit >= 0:
            continue
        words = projected.get(g, ())
        groups = {group_of[w] for w in words if w in group_of}
        if not reach[g]:
            kind = "unreachable"
        elif not groups:
            kind = "not predicted"
        elif len(groups) > 1:
            kind = "split"
        else:
            members = set(found[groups.pop()][1])
            if members == set(words):
                kind = "wrong label"
            elif members > set(words):
                kind = "merged"
            elif members < set(words):
                kind = "partial"
            else:
                kind = "overlap"
        kinds.append(("miss", gold.label, kind))
    by_words = {words: g for g, words in projected.items()}
    matched = set(pairs)
    for k, (label, indices) in enumerate(found):
        if k in matched:
            continue
        g = by_words.get(indices, -1)
        if all(form.owner[i] < 0 for i in indices):
            kind = "spurious"
        elif g < 0:
            kind = "boundaries"
        elif form.gold[g].label != label:
            kind = "wrong label"
        else:
            kind = "unreadable"
        kinds.append(("false positive", label, kind))
    return kinds


def print_errors(errors: Counter[tuple[str, str, str]]) -> None:
    kinds = sorted({kind for _side, _label, kind in errors})
    for side, title in (("miss", "missed gold entities"), ("false positive", "false positives")):
        sys.stdout.write(f"\n{title} by kind:\n")
        present = [k for k in kinds if any(errors[(side, label, k)] for label in FUNSD_LABELS)]
        sys.stdout.write("  " + f"{'label':9s}" + "".join(f"{k:>15s}" for k in present) + "\n")
        for label in FUNSD_LABELS:
            cells = "".join(f"{errors[(side, label, k)]:15d}" for k in present)
            sys.stdout.write(f"  {label:9s}{cells}\n")


def prf(gold: int, predicted: int, matched: int) -> tuple[float, float, float]:
    precision = matched / predicted if predicted else 0.0
    recall = matched / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FUNSD split folder")
    parser.add_argument("--engine", default="", help="OCR engine (default: the product's)")
    parser.add_argument("--limit", type=int, default=0, help="first N forms (0 = all)")
    parser.add_argument("--cache", type=Path, default=None, help="keep OCR words here")
    parser.add_argument("--folds", type=int, default=FOLDS, help=f"folds evaluated (of {FOLDS})")
    parser.add_argument("--errors", action="store_true", help="print misses and false positives")
    args = parser.parse_args(argv)

    from visualner.settings import Settings

    engine = args.engine or Settings.model_fields["ocr_engine"].default
    names = sorted(p.stem for p in (args.data / "annotations").glob("*.json"))
    if args.limit:
        names = names[: args.limit]
    cached = args.cache / f"{engine}.json" if args.cache else None
    if cached is not None and cached.exists():
        pages = json.loads(cached.read_text())
        sys.stdout.write(f"OCR words of engine {engine} from {cached}\n")
    else:
        pages = ocr_through_import(engine, args.data, names)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps(pages))
    forms = [read_form(args.data, name, pages[name]) for name in names if name in pages]
    reach = [r for form in forms for r in reachable(form)]
    sys.stdout.write(
        f"{len(forms)} forms, {len(reach)} gold entities; reachable from the OCR words: "
        f"{sum(reach) / max(len(reach), 1):.3f}\n"
    )
    totals: dict[str, list[int]] = {}
    errors: Counter[tuple[str, str, str]] | None = Counter() if args.errors else None
    for fold in range(args.folds):
        fit = [labeled_page(f) for k, f in enumerate(forms) if k % FOLDS != fold]
        check = [f for k, f in enumerate(forms) if k % FOLDS == fold]
        started = time.perf_counter()
        model = train(fit, labels=FUNSD_LABELS)
        fold_totals: dict[str, list[int]] = {}
        score(model, check, fold_totals, errors)
        for label, row in fold_totals.items():
            totals[label] = [a + b for a, b in zip(totals.get(label, [0, 0, 0]), row, strict=True)]
        fold_f1 = prf(*(sum(row[k] for row in fold_totals.values()) for k in range(3)))[2]
        sys.stdout.write(
            f"fold {fold}: trained on {len(fit)} forms, scored {len(check)}, micro F1 "
            f"{fold_f1:.3f} ({time.perf_counter() - started:.0f} s)\n"
        )
    sys.stdout.write(f"\nengine {engine}, entity P/R/F1 (label, text, box IoU >= 0.5):\n")
    for label in FUNSD_LABELS:
        gold_n, pred_n, hit_n = totals[label]
        p, r, f = prf(gold_n, pred_n, hit_n)
        sys.stdout.write(f"  {label:9s} P {p:.3f} R {r:.3f} F1 {f:.3f} (gold {gold_n})\n")
    gold_n, pred_n, hit_n = (sum(row[k] for row in totals.values()) for k in range(3))
    p, r, f = prf(gold_n, pred_n, hit_n)
    sys.stdout.write(f"  micro     P {p:.3f} R {r:.3f} F1 {f:.3f} (gold {gold_n})\n")
    if errors is not None:
        print_errors(errors)
    sys.stdout.write(f"load {load()}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
