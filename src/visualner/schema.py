"""Imports every model module so ``Base.metadata`` is complete (Alembic and tests use it)."""

from visualner.annotations import models as annotation_models
from visualner.assignments import models as assignment_models
from visualner.auth import models as auth_models
from visualner.comments import models as comment_models
from visualner.db import Base
from visualner.jobs import models as job_models
from visualner.ocr.servers import models as ocr_models
from visualner.preannotation import models as preannotation_models
from visualner.projects import models as project_models
from visualner.review import models as review_models
from visualner.search import models as search_models
from visualner.storages import models as storage_models
from visualner.tags import models as tag_models
from visualner.tasks import models as task_models

metadata = Base.metadata

#: Search-index objects written as SQL by migration 0005_search_index (FTS5 tables and their shadow
#: tables on SQLite, tsvector columns and their GIN indexes on PostgreSQL): not models.
SEARCH_INDEX_TABLE_PREFIXES = ("pages_fts", "tasks_fts", "annotation_terms_fts")
SEARCH_INDEX_COLUMNS = frozenset({"search_vector", "title_vector"})


def include_in_model_comparison(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's ``include_name``: leave the search index's SQL-made objects out of the
    comparison between the models and the database."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(SEARCH_INDEX_TABLE_PREFIXES)
    if type_ == "column":
        return name not in SEARCH_INDEX_COLUMNS
    if type_ == "index":
        return not name.endswith(tuple(SEARCH_INDEX_COLUMNS))
    return True


__all__ = [
    "annotation_models",
    "assignment_models",
    "auth_models",
    "comment_models",
    "include_in_model_comparison",
    "job_models",
    "metadata",
    "ocr_models",
    "preannotation_models",
    "project_models",
    "review_models",
    "search_models",
    "storage_models",
    "tag_models",
    "task_models",
]
