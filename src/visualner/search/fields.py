"""The ``name:value`` terms of the search language: one ``FieldSpec`` per name.

A field is a conditions builder over ``tasks`` (``Task``): it checks its value against the
project (labels and choices against its config, statuses against the known ones) and raises
``QueryError`` naming the term, or answers a boolean SQL expression. Adding a field (the team
workflow's ``assignee:``, ``reviewer:``, ``has:comments``) is one ``register_field`` call or
one ``HAS_CONDITIONS`` entry (``has:comments``: an open comment).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute

from visualner.annotations.models import Annotation, Prediction
from visualner.assignments.models import AssignmentRole, TaskAssignment
from visualner.auth.models import User
from visualner.comments.models import Comment
from visualner.db import MAX_INTEGER
from visualner.projects.config import LabelConfig
from visualner.search.fulltext import FullText
from visualner.search.models import AnnotationTerm
from visualner.search.query import FieldTerm, QueryError
from visualner.search.text import search_tokens
from visualner.tags.models import Tag, TaskTag, tag_key
from visualner.tasks.models import Task, TaskStatus

NAME_CHARS = 200


@dataclass(frozen=True)
class QueryContext:
    """What a field needs to know about the project it searches."""

    project_id: int
    config: LabelConfig
    fulltext: FullText
    #: what "the task is in this set" terms compare: ``Task.id``, or ``Task.id + 0`` for a
    #: page of results in index order on SQLite, so its planner walks the sort index and
    #: probes the set instead of reading and sorting every match
    task_key: ColumnElement[int] = field(default_factory=lambda: Task.id.expression)


@dataclass(frozen=True)
class ProjectTaskIds:
    """A term that holds exactly for the task ids one indexed table lists for the project
    (``label:``, ``choice:``): the condition is "the task is in the list", and a query of
    this term alone is counted from that table's index, never reading ``tasks``."""

    task_id: ColumnElement[int]
    where: tuple[ColumnElement[bool], ...]

    def condition(self, context: QueryContext) -> ColumnElement[bool]:
        return context.task_key.in_(select(self.task_id).where(*self.where))

    def count(self) -> Select[int]:
        # COUNT(*) of a DISTINCT walks the index in task order (no sort, unlike COUNT(DISTINCT))
        distinct_ids = select(self.task_id).where(*self.where).distinct().subquery()
        return select(func.count()).select_from(distinct_ids)


FieldBuilder = Callable[[FieldTerm, QueryContext], "ColumnElement[bool] | ProjectTaskIds"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    ops: tuple[str, ...]
    build: FieldBuilder
    #: one line for the docs and the error listing the fields
    usage: str


FIELDS: dict[str, FieldSpec] = {}


def register_field(
    name: str, *, ops: tuple[str, ...] = (":",), usage: str
) -> Callable[[FieldBuilder], FieldBuilder]:
    def register(build: FieldBuilder) -> FieldBuilder:
        FIELDS[name] = FieldSpec(name, ops, build, usage)
        return build

    return register


def field_condition(term: FieldTerm, context: QueryContext) -> ColumnElement[bool] | ProjectTaskIds:
    spec = FIELDS.get(term.name)
    if spec is None:
        raise QueryError(
            f"{term.raw!r}: unknown field {term.name!r} (fields: {', '.join(sorted(FIELDS))}); "
            "to search for this text, put it in quotes"
        )
    if term.op not in spec.ops:
        raise QueryError(f"{term.raw!r}: {term.name} is written {spec.usage}")
    if not term.value_segments:
        raise QueryError(f"{term.raw!r}: {term.name} needs a value, as in {spec.usage}")
    return spec.build(term, context)


def _one_of(term: FieldTerm, value: str, known: list[str], what: str) -> str:
    """The known name ``value`` means, compared case-insensitively."""
    wanted = value.casefold()
    for name in known:
        if name.casefold() == wanted:
            return name
    listing = ", ".join(known) if known else "none"
    raise QueryError(f"{term.raw!r}: the project has no {what} {value!r} ({what}s: {listing})")


def _terms_of_tasks(
    context: QueryContext, kind: str, name: str, *more: ColumnElement[bool]
) -> ProjectTaskIds:
    return ProjectTaskIds(
        AnnotationTerm.task_id.expression,
        (
            AnnotationTerm.project_id == context.project_id,
            AnnotationTerm.kind == kind,
            AnnotationTerm.name == name[:NAME_CHARS],
            *more,
        ),
    )


@register_field("label", usage="label:NAME or label:NAME=text")
def _label(term: FieldTerm, context: QueryContext) -> ProjectTaskIds:
    label_part, text = term.split_value("=")
    label = _one_of(term, label_part, context.config.label_values, "label")
    if text is None:
        return _terms_of_tasks(context, "label", label)
    if not search_tokens(text):
        raise QueryError(f"{term.raw!r}: the text after '=' has no letters or digits")
    matching_terms = context.fulltext.annotation_term_ids(text, prefix=text.endswith("*"))
    return _terms_of_tasks(context, "label", label, AnnotationTerm.id.in_(matching_terms))


@register_field("choice", usage="choice:VALUE")
def _choice(term: FieldTerm, context: QueryContext) -> ProjectTaskIds:
    values = [c.value for group in context.config.choices for c in group.choices]
    return _terms_of_tasks(context, "choice", _one_of(term, term.value, values, "choice"))


STATUS_NAMES = [s.value for s in TaskStatus]


@register_field("status", usage="status:" + "|".join(STATUS_NAMES))
def _status(term: FieldTerm, context: QueryContext) -> ColumnElement[bool]:
    value = term.value.strip().lower().replace(" ", "_").replace("-", "_")
    if value not in STATUS_NAMES:
        raise QueryError(
            f"{term.raw!r}: unknown status {term.value!r} (statuses: {', '.join(STATUS_NAMES)})"
        )
    return Task.status == value


@register_field("tag", usage='tag:NAME or tag:"two words"')
def _tag(term: FieldTerm, context: QueryContext) -> ColumnElement[bool]:
    return context.task_key.in_(
        select(TaskTag.task_id)
        .join(Tag, Tag.id == TaskTag.tag_id)
        .where(Tag.project_id == context.project_id, Tag.key == tag_key(term.value))
    )


@register_field("model", usage="model:VERSION (name@version, or a name for any of its versions)")
def _model(term: FieldTerm, context: QueryContext) -> ColumnElement[bool]:
    version = term.value
    same = Prediction.model_version == version
    if "@" not in version:
        escaped = version.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        same = same | Prediction.model_version.like(escaped + "@%", escape="\\")
    return exists().where(Prediction.task_id == Task.id, same)


@register_field("annotator", usage="annotator:USERNAME")
def _annotator(term: FieldTerm, context: QueryContext) -> ColumnElement[bool]:
    return context.task_key.in_(
        select(Annotation.task_id)
        .join(User, User.id == Annotation.user_id)
        .where(User.username == term.value)
    )


def _assigned_to(
    term: FieldTerm, context: QueryContext, role: AssignmentRole
) -> ColumnElement[bool]:
    return context.task_key.in_(
        select(TaskAssignment.task_id)
        .join(User, User.id == TaskAssignment.user_id)
        .where(
            TaskAssignment.project_id == context.project_id,
            TaskAssignment.role == role.value,
            User.username == term.value,
        )
    )


@register_field("assignee", usage="assignee:USERNAME")
def _assignee(term: FieldTerm, context: QueryContext) -> ColumnElement[bool]:
    return _assigned_to(term, context, AssignmentRole.ANNOTATOR)


@register_field("reviewer", usage="reviewer:USERNAME")
def _reviewer(term: FieldTerm, context: QueryContext) -> ColumnElement[bool]:
    return _assigned_to(term, context, AssignmentRole.REVIEWER)


#: ``has:WHAT`` → the condition; the team workflow adds ``comments`` here.
HAS_CONDITIONS: dict[str, Callable[[QueryContext], ColumnElement[bool]]] = {
    "predictions": lambda context: Task.prediction_count > 0,
    "annotations": lambda context: Task.annotation_count > 0,
    "tags": lambda context: exists().where(TaskTag.task_id == Task.id),
    "comments": lambda context: exists().where(
        Comment.task_id == Task.id, Comment.resolved_at.is_(None)
    ),
    "assignees": lambda context: exists().where(
        TaskAssignment.task_id == Task.id, TaskAssignment.role == AssignmentRole.ANNOTATOR.value
    ),
}


@register_field("has", usage="has:" + "|".join(HAS_CONDITIONS))
def _has(term: FieldTerm, context: QueryContext) -> ColumnElement[bool]:
    condition = HAS_CONDITIONS.get(term.value.lower())
    if condition is None:
        raise QueryError(
            f"{term.raw!r}: has: takes one of {', '.join(HAS_CONDITIONS)}, not {term.value!r}"
        )
    return condition(context)


def _count_field(column: InstrumentedAttribute[int], name: str) -> FieldBuilder:
    def build(term: FieldTerm, context: QueryContext) -> ColumnElement[bool]:
        try:
            number = int(term.value)
        except ValueError:
            raise QueryError(f"{term.raw!r}: {name} compares with a whole number") from None
        if not 0 <= number <= MAX_INTEGER:
            raise QueryError(f"{term.raw!r}: {number} is out of range")
        op = "=" if term.op == ":" else term.op
        compare = {
            "=": column == number,
            ">": column > number,
            "<": column < number,
            ">=": column >= number,
            "<=": column <= number,
        }
        return compare[op]

    return build


register_field("pages", ops=(":", "=", ">", "<", ">=", "<="), usage="pages>3, pages<3, pages=3")(
    _count_field(Task.page_count, "pages")
)
register_field(
    "annotations",
    ops=(":", "=", ">", "<", ">=", "<="),
    usage="annotations>1 (annotations per task)",
)(_count_field(Task.annotation_count, "annotations"))
