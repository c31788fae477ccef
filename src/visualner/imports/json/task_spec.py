"""JSON task lists, in Label Studio's shape or ours.

Accepted: a list of tasks, one task object, or ``{"tasks": [...]}``. A task is either
``{"data": {...}, "predictions": [...], "annotations": [...]}`` or flat data
(``{"image": "https://…/a.pdf", "meta": {…}}``). The document comes from the URL in the data
key the project's ``<Image value="$key">`` names (or ``image``, ``pdf``, ``file``, ``ocr``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from visualner.errors import InvalidInput

DOCUMENT_KEYS = ("image", "pdf", "file", "ocr", "document", "url")
RESERVED_KEYS = {"predictions", "annotations", "id", "drafts", "meta_info"}


@dataclass
class TaskSpec:
    data: dict[str, Any]
    document_ref: str
    predictions: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)


def read_task_list(payload: Any, *, name: str) -> list[Any]:
    """The tasks of a parsed JSON document: a list, ``{"tasks": [...]}`` or one task."""
    if isinstance(payload, dict) and isinstance(payload.get("tasks"), list):
        payload = payload["tasks"]
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list):
        raise InvalidInput(f"{name}: expected a list of tasks, found {type(payload).__name__}")
    return payload


def task_spec(raw: Any, *, image_key: str, where: str) -> TaskSpec:
    """Validate one task of a list; ``where`` names it in errors (``tasks.json[3]``)."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: a task must be an object, not {type(raw).__name__}")
    if "data" in raw:
        data = raw["data"]
        if not isinstance(data, dict):
            raise InvalidInput(f"{where}: 'data' must be an object")
    else:
        data = {k: v for k, v in raw.items() if k not in RESERVED_KEYS}
    keys = (image_key, *[k for k in DOCUMENT_KEYS if k != image_key])
    ref = next((data[k] for k in keys if isinstance(data.get(k), str) and data[k]), None)
    if ref is None:
        raise InvalidInput(
            f"{where}: no document URL; put it in data.{image_key} (the key of the project's "
            '<Image value="$…">)'
        )
    predictions = raw.get("predictions") or []
    annotations = raw.get("annotations") or []
    for key, value in (("predictions", predictions), ("annotations", annotations)):
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise InvalidInput(f"{where}: '{key}' must be a list of objects")
    return TaskSpec(data=data, document_ref=ref, predictions=predictions, annotations=annotations)
