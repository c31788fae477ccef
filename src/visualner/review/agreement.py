"""Agreement between annotators (and with the model) on the tasks they both submitted:
entity-level F1, per pair of annotators and per label.

Two regions agree when they have the same label on the same page and — token regions — the
exact same set of words, or — free boxes — boxes with IoU ≥ 0.5 (one-to-one, best overlap
first). F1 over a set of tasks is ``2·matched / (regions of one + regions of the other)``,
summed over the tasks before dividing, so a task with many regions weighs more.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation, Prediction
from visualner.auth.usernames import usernames
from visualner.ocr.engines.evaluation import box_iou
from visualner.tasks.models import Task

MIN_IOU = 0.5
MODEL = "model"


@dataclass
class Counts:
    """Regions matched, and how many each side had."""

    matched: int = 0
    left: int = 0
    right: int = 0

    def add(self, other: Counts) -> None:
        self.matched += other.matched
        self.left += other.left
        self.right += other.right

    @property
    def f1(self) -> float | None:
        total = self.left + self.right
        return 2 * self.matched / total if total else None


def _box_matches(left: list[Sequence[float]], right: list[Sequence[float]]) -> int:
    pairs = sorted(
        (
            (iou, i, j)
            for i, a in enumerate(left)
            for j, b in enumerate(right)
            if (iou := box_iou(tuple(a), tuple(b))) >= MIN_IOU  # type: ignore[arg-type]
        ),
        reverse=True,
    )
    used_left: set[int] = set()
    used_right: set[int] = set()
    for _, i, j in pairs:
        if i not in used_left and j not in used_right:
            used_left.add(i)
            used_right.add(j)
    return len(used_left)


def compare_regions(
    left: Iterable[dict[str, Any]], right: Iterable[dict[str, Any]]
) -> dict[str, Counts]:
    """Per label: regions of ``left`` and ``right`` and how many of them agree."""
    by_label: dict[str, Counts] = defaultdict(Counts)
    tokens: list[Counter[tuple[int, str, frozenset[int]]]] = [Counter(), Counter()]
    boxes: list[dict[tuple[int, str], list[Sequence[float]]]] = [
        defaultdict(list),
        defaultdict(list),
    ]
    for side, regions in enumerate((left, right)):
        for region in regions:
            label, page = str(region.get("label", "")), int(region.get("page", 0))
            if side == 0:
                by_label[label].left += 1
            else:
                by_label[label].right += 1
            if region.get("tokens"):
                tokens[side][(page, label, frozenset(region["tokens"]))] += 1
            elif region.get("bbox"):
                boxes[side][(page, label)].append(region["bbox"])
    for token_key, count in (tokens[0] & tokens[1]).items():
        by_label[token_key[1]].matched += count
    for box_key, left_boxes in boxes[0].items():
        by_label[box_key[1]].matched += _box_matches(left_boxes, boxes[1].get(box_key, []))
    return dict(by_label)


@dataclass
class Agreement:
    """Between two annotators (or an annotator and ``MODEL``) over ``tasks`` shared tasks."""

    left: str
    right: str
    tasks: int = 0
    total: Counts = field(default_factory=Counts)
    by_label: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))

    def add_task(self, per_label: dict[str, Counts]) -> None:
        self.tasks += 1
        for label, counts in per_label.items():
            self.by_label[label].add(counts)
            self.total.add(counts)


@dataclass
class AgreementReport:
    annotators: list[str]
    pairs: list[Agreement]
    vs_model: list[Agreement]

    def labels(self) -> dict[str, Counts]:
        """Per label, over every pair of annotators."""
        totals: dict[str, Counts] = defaultdict(Counts)
        for pair in self.pairs:
            for label, counts in pair.by_label.items():
                totals[label].add(counts)
        return dict(sorted(totals.items()))


def agreement_of(
    tasks: dict[int, dict[str, list[dict[str, Any]]]],
    predictions: dict[int, list[dict[str, Any]]] | None = None,
) -> AgreementReport:
    """``tasks``: task id → annotator → regions of their submitted annotation;
    ``predictions``: task id → regions of the model's latest prediction."""
    pairs: dict[tuple[str, str], Agreement] = {}
    vs_model: dict[str, Agreement] = {}
    names: set[str] = set()
    for task_id, by_annotator in tasks.items():
        names.update(by_annotator)
        for left, right in itertools.combinations(sorted(by_annotator), 2):
            pair = pairs.setdefault((left, right), Agreement(left, right))
            pair.add_task(compare_regions(by_annotator[left], by_annotator[right]))
        predicted = (predictions or {}).get(task_id)
        if predicted is not None:
            for name, regions in by_annotator.items():
                versus = vs_model.setdefault(name, Agreement(name, MODEL))
                versus.add_task(compare_regions(regions, predicted))
    return AgreementReport(
        annotators=sorted(names),
        pairs=[pairs[key] for key in sorted(pairs)],
        vs_model=[vs_model[key] for key in sorted(vs_model)],
    )


def project_agreement(session: Session, *, project_id: int) -> AgreementReport:
    """The agreement on the project's tasks that two or more annotators submitted."""
    shared = (
        select(Annotation.task_id)
        .join(Task, Task.id == Annotation.task_id)
        .where(Task.project_id == project_id, Annotation.status == "submitted")
        .group_by(Annotation.task_id)
        .having(func.count() >= 2)
    )
    rows = session.execute(
        select(Annotation.task_id, Annotation.user_id, Annotation.result).where(
            Annotation.task_id.in_(shared), Annotation.status == "submitted"
        )
    ).all()
    names = usernames(session, (user_id for _, user_id, _ in rows))
    tasks: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for task_id, user_id, result in rows:
        name = names.get(user_id, f"user {user_id}") if user_id else "unknown"
        tasks[task_id][name] = (result or {}).get("regions", [])
    latest = (
        select(func.max(Prediction.id))
        .where(Prediction.task_id.in_(list(tasks)))
        .group_by(Prediction.task_id)
    )
    predictions = {
        task_id: (result or {}).get("regions", [])
        for task_id, result in session.execute(
            select(Prediction.task_id, Prediction.result).where(Prediction.id.in_(latest))
        )
    }
    return agreement_of(dict(tasks), predictions)


def agreement_csv(report: AgreementReport) -> str:
    """One row per pair (and annotator vs model) and label, ``*`` for all labels."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["annotator_a", "annotator_b", "label", "tasks", "matched", "regions_a", "regions_b", "f1"]
    )
    for agreement in [*report.pairs, *report.vs_model]:
        rows = [("*", agreement.total), *sorted(agreement.by_label.items())]
        for label, counts in rows:
            f1 = "" if counts.f1 is None else f"{counts.f1:.4f}"
            writer.writerow(
                [
                    agreement.left,
                    agreement.right,
                    label,
                    agreement.tasks,
                    counts.matched,
                    counts.left,
                    counts.right,
                    f1,
                ]
            )
    return out.getvalue()
