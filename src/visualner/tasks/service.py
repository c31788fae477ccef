"""Tasks and pages: listing, reading and creating them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from visualner.errors import NotFound
from visualner.projects.models import Project
from visualner.tasks.models import OcrStatus, Page, Task
from visualner.word_codec import encode_words, page_text
from visualner.words import Word


@dataclass
class NewPage:
    """A page about to be stored: its size, its stored image and (optionally) its words."""

    width: int
    height: int
    image_sha256: str | None = None
    image_mime: str = "image/png"
    words: list[Word] | None = None
    words_source: str = ""
    ocr_engine: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task


_PROJECTS = cast(Table, Project.__table__)
COUNT_AND_NUMBER_NEW_TASK = (
    update(_PROJECTS)
    .where(_PROJECTS.c.id == bindparam("counted_project_id"))
    .values(task_count=_PROJECTS.c.task_count + 1, tasks_numbered=_PROJECTS.c.tasks_numbered + 1)
    .returning(_PROJECTS.c.tasks_numbered)
)


def count_and_number_new_task(session: Session, project_id: int) -> int:
    """Count a task about to be added to ``projects.task_count`` (kept exact, so listing 100k
    tasks needs no COUNT(*)) and give it its number in the project: one atomic UPDATE, so two
    imports into one project never hand out the same number."""
    number: int = session.execute(
        COUNT_AND_NUMBER_NEW_TASK, {"counted_project_id": project_id}
    ).scalar_one()
    return number


_TASKS = cast(Table, Task.__table__)
COUNT_AND_NUMBER_NEW_TASKS = (
    update(_PROJECTS)
    .where(_PROJECTS.c.id == bindparam("counted_project_id"))
    .values(
        task_count=_PROJECTS.c.task_count + bindparam("added"),
        tasks_numbered=_PROJECTS.c.tasks_numbered + bindparam("added"),
    )
    .returning(_PROJECTS.c.tasks_numbered)
)
SET_TASK_NUMBER = (
    update(_TASKS)
    .where(_TASKS.c.id == bindparam("numbered_task_id"))
    .values(number=bindparam("task_number"))
)


def count_and_number_imported_tasks(
    session: Session, *, project_id: int, import_job_id: int
) -> int:
    """Count and number, in id order, the tasks an import added to the project in this
    transaction (stored without a number); returns how many.

    Called once as a batch's transaction ends rather than once per task: the project's row
    is then locked only for the commit, so several processes sharing an import store their
    batches side by side on PostgreSQL instead of one after the other."""
    task_ids = list(
        session.scalars(
            select(Task.id)
            .where(
                Task.project_id == project_id,
                Task.number.is_(None),
                Task.import_job_id == import_job_id,
            )
            .order_by(Task.id)
        )
    )
    if not task_ids:
        return 0
    last: int = session.execute(
        COUNT_AND_NUMBER_NEW_TASKS, {"counted_project_id": project_id, "added": len(task_ids)}
    ).scalar_one()
    first = last - len(task_ids) + 1
    session.execute(
        SET_TASK_NUMBER,
        [
            {"numbered_task_id": task_id, "task_number": first + offset}
            for offset, task_id in enumerate(task_ids)
        ],
    )
    return len(task_ids)


def pages_of_task(session: Session, *, task_id: int) -> list[Page]:
    return list(
        session.scalars(select(Page).where(Page.task_id == task_id).order_by(Page.page_index))
    )


def get_page(session: Session, *, task_id: int, page_index: int) -> Page:
    page = session.scalar(
        select(Page).where(Page.task_id == task_id, Page.page_index == page_index)
    )
    if page is None:
        raise NotFound(f"task {task_id} has no page {page_index}")
    return page


def store_page_words(page: Page, words: list[Word], *, source: str, engine: str = "") -> None:
    page.words_blob = encode_words(words)
    page.word_count = len(words)
    page.page_text = page_text(words)
    page.words_source = source
    page.ocr_engine = engine
    page.ocr_status = OcrStatus.DONE.value
    page.ocr_error = ""


def create_task(
    session: Session,
    *,
    project_id: int,
    title: str,
    data: dict[str, Any],
    pages: list[NewPage],
    source_sha256: str | None = None,
    import_job_id: int | None = None,
) -> Task:
    task = Task(
        project_id=project_id,
        number=count_and_number_new_task(session, project_id),
        title=title[:500],
        data=data,
        page_count=len(pages),
        source_sha256=source_sha256,
        import_job_id=import_job_id,
    )
    session.add(task)
    session.flush()
    for index, new_page in enumerate(pages):
        page = Page(
            task_id=task.id,
            page_index=index,
            width=new_page.width,
            height=new_page.height,
            image_sha256=new_page.image_sha256,
            image_mime=new_page.image_mime,
        )
        if new_page.words is not None:
            store_page_words(
                page, new_page.words, source=new_page.words_source, engine=new_page.ocr_engine
            )
        session.add(page)
    session.flush()
    return task
