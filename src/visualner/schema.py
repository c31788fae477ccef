"""Imports every model module so ``Base.metadata`` is complete (Alembic and tests use it)."""

from visualner.annotations import models as annotation_models
from visualner.auth import models as auth_models
from visualner.db import Base
from visualner.jobs import models as job_models
from visualner.ocr.servers import models as ocr_models
from visualner.preannotation import models as preannotation_models
from visualner.projects import models as project_models
from visualner.tasks import models as task_models

metadata = Base.metadata

__all__ = [
    "annotation_models",
    "auth_models",
    "job_models",
    "metadata",
    "ocr_models",
    "preannotation_models",
    "project_models",
    "task_models",
]
