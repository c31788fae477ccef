"""Which labels a project's regions use, and renaming or removing labels in all of them.

A labeling config edit that drops a label some regions carry would leave those regions with a
label the config lacks: they could not be shown with a colour nor saved again. So
``projects.service.update_project`` plans the edit here first (``plan_label_changes``): every
label the old config had and the new one lacks must be renamed, relabelled or have its regions
deleted, or the edit is refused with the counts (``LabelsInUse``, 409). ``apply_label_mapping``
then rewrites every annotation and prediction of the project in the config edit's transaction;
an annotation changed this way gets a new version, the previous one is kept like any save's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session

from visualner.annotations.models import Annotation, Prediction
from visualner.annotations.service import write_next_version
from visualner.errors import Conflict, InvalidInput, LabelsInUse
from visualner.projects.config import LabelConfig

#: how the API asks for a removed label's regions to be deleted, or given another label
DELETE_REGIONS = "delete"
RELABEL_PREFIX = "relabel:"
#: rows rewritten per round trip
BATCH = 500

# A project's regions, one row each with its label, per table: counted and searched inside
# the database (a project may hold 100k annotations; only counts and ids cross the wire).
# ``{table}`` is a fixed table name, never user input.
_SQLITE_REGIONS = """
FROM {table} AS row JOIN tasks ON tasks.id = row.task_id, json_each(row.result, '$.regions') AS r
WHERE tasks.project_id = :project_id AND r.type = 'object'
  AND json_type(r.value, '$.label') = 'text'
"""
_SQLITE_LABEL = "json_extract(r.value, '$.label')"
_POSTGRES_REGIONS = """
FROM {table} AS row JOIN tasks ON tasks.id = row.task_id
CROSS JOIN LATERAL json_array_elements(
  CASE WHEN json_typeof(row.result -> 'regions') = 'array' THEN row.result -> 'regions'
       ELSE '[]'::json END) AS r
WHERE tasks.project_id = :project_id AND json_typeof(r) = 'object'
  AND json_typeof(r -> 'label') = 'string'
"""
_POSTGRES_LABEL = "(r ->> 'label')"


def _regions_sql(session: Session, table: str) -> tuple[str, str]:
    """The FROM … WHERE over ``table``'s regions of a project, and its label expression."""
    if session.get_bind().dialect.name == "postgresql":
        return _POSTGRES_REGIONS.format(table=table), _POSTGRES_LABEL
    return _SQLITE_REGIONS.format(table=table), _SQLITE_LABEL


@dataclass(frozen=True, slots=True)
class LabelUsage:
    """How many regions carry one label: in annotations, and in model predictions."""

    regions: int = 0
    annotations: int = 0
    predicted_regions: int = 0
    predictions: int = 0

    @property
    def in_use(self) -> bool:
        return bool(self.regions or self.predicted_regions)

    def to_json(self) -> dict[str, int]:
        return {
            "regions": self.regions,
            "annotations": self.annotations,
            "predicted_regions": self.predicted_regions,
            "predictions": self.predictions,
        }


def _region_label_counts(
    session: Session, *, table: str, project_id: int
) -> dict[str, tuple[int, int]]:
    """label → (regions, rows holding them) over ``table``'s rows of the project."""
    regions, label = _regions_sql(session, table)
    query = text(
        f"SELECT {label} AS label, count(*), count(DISTINCT row.id) {regions} GROUP BY {label}"
    )
    rows = session.execute(query, {"project_id": project_id}).all()
    return {name: (count, holders) for name, count, holders in rows}


def _ids_using(
    session: Session, *, table: str, project_id: int, labels: Iterable[str]
) -> list[int]:
    """The ids of ``table``'s rows of the project with a region labelled one of ``labels``."""
    regions, label = _regions_sql(session, table)
    query = text(f"SELECT DISTINCT row.id {regions} AND {label} IN :labels ORDER BY row.id")
    query = query.bindparams(bindparam("labels", expanding=True))
    return list(session.scalars(query, {"project_id": project_id, "labels": list(labels)}))


def label_usage(session: Session, *, project_id: int) -> dict[str, LabelUsage]:
    """Every label the project's annotations or predictions use, with its counts."""
    annotated = _region_label_counts(session, table="annotations", project_id=project_id)
    predicted = _region_label_counts(session, table="predictions", project_id=project_id)
    return {
        label: LabelUsage(
            *annotated.get(label, (0, 0)),
            *predicted.get(label, (0, 0)),
        )
        for label in sorted(annotated.keys() | predicted.keys())
    }


def config_label_usage(
    session: Session, *, project_id: int, config: LabelConfig
) -> list[dict[str, Any]]:
    """The config's labels in order, then labels only regions use, each with its kind
    (``labels`` words, ``rectanglelabels`` boxes, ``""`` outside the config) and counts."""
    usage = label_usage(session, project_id=project_id)
    kinds: dict[str, str] = {}
    for group in config.label_groups:
        for label in group.labels:
            kinds.setdefault(label.value, group.kind)
    names = config.label_values + [label for label in usage if label not in kinds]
    return [
        {
            "label": name,
            "in_config": name in kinds,
            "kind": kinds.get(name, ""),
            **usage.get(name, LabelUsage()).to_json(),
        }
        for name in names
    ]


def _kinds(config: LabelConfig, label: str) -> set[str]:
    """The kinds of control (``labels``: words, ``rectanglelabels``: boxes) offering ``label``."""
    return {g.kind for g in config.label_groups if any(lab.value == label for lab in g.labels)}


def _target(old: LabelConfig, new: LabelConfig, label: str, target: str, field: str) -> str:
    """Check that ``label``'s regions may take ``target``: a label of the new config, of the
    same kind (a word label never lands on a box label's regions, nor the other way)."""
    if target not in new.label_values:
        raise InvalidInput(
            f"{label!r} cannot become {target!r}: {target!r} is not a label of the new config "
            f"({', '.join(new.label_values)})",
            field=field,
        )
    kinds = _kinds(old, label)  # none for a label the current config already lacks
    if kinds and not kinds & _kinds(new, target):
        raise InvalidInput(
            f"{label!r} cannot become {target!r}: one is a word label (<Labels>) and the other "
            "a box label (<RectangleLabels>)",
            field=field,
        )
    return target


def _check_dropped(label: str, verb: str, changeable: set[str], new: LabelConfig) -> None:
    """A rename or removal must name a label the edit drops, or one that regions use though
    the config already lacks it."""
    if label not in changeable:
        why = (
            "the new config still has it"
            if label in new.label_values
            else "it is neither a label of the current config nor used by any region"
        )
        raise InvalidInput(f"cannot {verb} {label!r}: {why}", field=f"label_changes.{verb}")


def plan_label_changes(
    session: Session,
    *,
    project_id: int,
    old: LabelConfig,
    new: LabelConfig,
    rename: Mapping[str, str],
    remove: Mapping[str, str],
) -> dict[str, str | None]:
    """The mapping a config edit from ``old`` to ``new`` applies to the project's regions:
    label → its new label, or ``None`` to delete those regions.

    ``rename`` maps an old label to its new name; ``remove`` maps a dropped label to
    ``"delete"`` or ``"relabel:OTHER"``. A label of ``old`` that ``new`` lacks and that regions
    still use must be in one of them, or ``LabelsInUse`` (409) says which and how many. They
    may also name a label regions use that neither config has (left by an edit made before
    this check, or an import): the way to repair those regions.
    """
    dropped = [label for label in old.label_values if label not in new.label_values]
    if not dropped and not rename and not remove:
        return {}  # nothing to count: the usual edit (a colour, a hotkey, a new label)
    usage = label_usage(session, project_id=project_id)
    orphans = {
        label
        for label, u in usage.items()
        if u.in_use and label not in old.label_values and label not in new.label_values
    }
    changeable = set(dropped) | orphans
    mapping: dict[str, str | None] = {}
    for label, target in rename.items():
        if label in remove:
            raise InvalidInput(f"{label!r} is both renamed and removed", field="label_changes")
        _check_dropped(label, "rename", changeable, new)
        mapping[label] = _target(old, new, label, target, "label_changes.rename")
    for label, action in remove.items():
        _check_dropped(label, "remove", changeable, new)
        if action == DELETE_REGIONS:
            mapping[label] = None
        elif action.startswith(RELABEL_PREFIX):
            target = action.removeprefix(RELABEL_PREFIX)
            mapping[label] = _target(old, new, label, target, "label_changes.remove")
        else:
            raise InvalidInput(
                f"what to do with {label!r}'s regions: {DELETE_REGIONS!r} or "
                f"'{RELABEL_PREFIX}OTHER_LABEL', not {action!r}",
                field="label_changes.remove",
            )
    undecided = {
        label: usage[label]
        for label in dropped
        if label not in mapping and label in usage and usage[label].in_use
    }
    if undecided:
        raise LabelsInUse(
            "the new config drops labels that regions still use: "
            + "; ".join(
                f"{label} ({u.regions} regions in {u.annotations} annotations, "
                f"{u.predicted_regions} predicted)"
                for label, u in undecided.items()
            )
            + '. Say what to do with them in "label_changes": rename them '
            '({"rename": {"OLD": "NEW"}}) or remove them ({"remove": {"OLD": "delete"}} or '
            '{"remove": {"OLD": "relabel:OTHER"}})',
            labels={label: u.to_json() for label, u in undecided.items()},
        )
    return mapping


def relabel_result(result: Mapping[str, Any], mapping: Mapping[str, str | None]) -> dict[str, Any]:
    """``result`` with its regions relabelled by ``mapping``; regions mapped to ``None`` go,
    and so do the relations that pointed at them."""
    kept: list[Any] = []
    dropped: set[Any] = set()
    for region in result.get("regions") or []:
        label = region.get("label") if isinstance(region, dict) else None
        if not isinstance(label, str) or label not in mapping:
            kept.append(region)
        elif (target := mapping[label]) is None:
            dropped.add(region.get("id"))
        else:
            kept.append({**region, "label": target})
    relations = [
        relation
        for relation in result.get("relations") or []
        if not isinstance(relation, dict)
        or (relation.get("from_id") not in dropped and relation.get("to_id") not in dropped)
    ]
    return {**result, "regions": kept, "relations": relations}


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def apply_label_mapping(
    session: Session, *, project_id: int, mapping: Mapping[str, str | None]
) -> tuple[int, int]:
    """Rewrite every annotation and prediction of the project that uses a label of
    ``mapping``; answers how many of each changed. Each changed annotation keeps its previous
    state as a version and gets the next version number, so a labeling page still holding the
    old one is told to reload (409) instead of saving the old labels back."""
    if not mapping:
        return 0, 0
    annotation_ids = _ids_using(session, table="annotations", project_id=project_id, labels=mapping)
    for batch in _batches(annotation_ids):
        for annotation in session.scalars(select(Annotation).where(Annotation.id.in_(batch))):
            written = write_next_version(
                session,
                annotation=annotation,
                based_on_version=annotation.version,
                status=annotation.status,
                result=relabel_result(annotation.result, mapping),
                user_id=annotation.user_id,
            )
            if not written:
                raise Conflict(
                    f"annotation {annotation.id} was saved while its labels were being "
                    "renamed; nothing was changed, try again"
                )
    prediction_ids = _ids_using(session, table="predictions", project_id=project_id, labels=mapping)
    for batch in _batches(prediction_ids):
        for prediction_id, result in session.execute(
            select(Prediction.id, Prediction.result).where(Prediction.id.in_(batch))
        ).all():
            session.execute(
                update(Prediction)
                .where(Prediction.id == prediction_id)
                .values(result=relabel_result(result, mapping))
                .execution_options(synchronize_session=False)
            )
    return len(annotation_ids), len(prediction_ids)
