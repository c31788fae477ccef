"""Adding and removing tags on tasks, and reading them back for lists and task pages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Integer, Select, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from visualner.db import on_postgresql, one_of_ids
from visualner.errors import InvalidInput
from visualner.tags.models import MAX_TAG_CHARS, Tag, TaskTag, tag_key

MAX_TAGS_PER_CALL = 50


def clean_tag_names(names: Iterable[str]) -> list[str]:
    """Tag names as shown (spaces collapsed), each once; refuses empty or long names."""
    cleaned: dict[str, str] = {}
    for name in names:
        shown = " ".join(str(name).split())
        if not shown:
            raise InvalidInput("a tag needs at least one visible character", field="tags")
        if "\x00" in shown:
            raise InvalidInput("a tag cannot contain a NUL character", field="tags")
        if len(shown) > MAX_TAG_CHARS:
            raise InvalidInput(
                f"tag {shown[:40]!r}… is longer than {MAX_TAG_CHARS} characters", field="tags"
            )
        cleaned.setdefault(tag_key(shown), shown)
    if len(cleaned) > MAX_TAGS_PER_CALL:
        raise InvalidInput(f"at most {MAX_TAGS_PER_CALL} tags at once", field="tags")
    return list(cleaned.values())


def _tag_ids(session: Session, project_id: int, names: list[str], *, create: bool) -> list[int]:
    keys = {tag_key(name): name for name in names}
    existing = dict(
        session.execute(
            select(Tag.key, Tag.id).where(Tag.project_id == project_id, Tag.key.in_(list(keys)))
        ).all()
    )
    if create:
        for key, name in keys.items():
            if key not in existing:
                tag = Tag(project_id=project_id, name=name, key=key)
                session.add(tag)
                session.flush()
                existing[key] = tag.id
    return list(existing.values())


def _taggings(session: Session, tag_id: int) -> int:
    return session.scalar(select(func.count()).where(TaskTag.tag_id == tag_id)) or 0


def add_tags(session: Session, *, project_id: int, task_ids: Select[int], names: list[str]) -> int:
    """Tag the selected tasks (of this project); answers how many taggings were new."""
    added = 0
    selected = task_ids.subquery()
    task_id = selected.c[0]
    for tag_id in _tag_ids(session, project_id, clean_tag_names(names), create=True):
        untagged = select(task_id, literal(tag_id, Integer())).where(
            ~exists().where(TaskTag.tag_id == tag_id, TaskTag.task_id == task_id)
        )
        before = _taggings(session, tag_id)
        session.execute(insert(TaskTag).from_select(["task_id", "tag_id"], untagged))
        added += _taggings(session, tag_id) - before
    return added


def remove_tags(
    session: Session, *, project_id: int, task_ids: Select[int], names: list[str]
) -> int:
    """Untag the selected tasks; tags no task uses any more are forgotten."""
    tag_ids = _tag_ids(session, project_id, clean_tag_names(names), create=False)
    if not tag_ids:
        return 0
    result = session.connection().execute(
        delete(TaskTag).where(TaskTag.tag_id.in_(tag_ids), TaskTag.task_id.in_(task_ids))
    )
    session.execute(
        delete(Tag).where(
            Tag.id.in_(tag_ids), ~select(TaskTag.task_id).where(TaskTag.tag_id == Tag.id).exists()
        )
    )
    return max(result.rowcount, 0)


def tags_of_tasks(session: Session, task_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if task_ids:
        for task_id, name in session.execute(
            select(TaskTag.task_id, Tag.name)
            .join(Tag, Tag.id == TaskTag.tag_id)
            .where(one_of_ids(TaskTag.task_id, task_ids, postgresql=on_postgresql(session)))
            .order_by(Tag.key)
        ):
            found[task_id].append(name)
    return dict(found)


def project_tags(session: Session, *, project_id: int) -> list[tuple[str, int]]:
    """Every tag of the project with how many tasks carry it, by name."""
    return [
        (name, count)
        for name, count in session.execute(
            select(Tag.name, func.count(TaskTag.task_id))
            .join(TaskTag, TaskTag.tag_id == Tag.id, isouter=True)
            .where(Tag.project_id == project_id)
            .group_by(Tag.id, Tag.name, Tag.key)
            .order_by(Tag.key)
        )
    ]
