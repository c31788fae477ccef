"""Expand an import's staged files into job items: one per document or JSON task.

ZIP archives are unpacked here (bad members become failed items, the rest import), and JSON
task lists become one item per task, so progress and errors are per document. A list (a JSON
array) is only split here, streaming (or its split is taken from the ``.split`` file saved
while it uploaded): each item keeps its task's byte range in the staged file, which stays
until the job ends, and the worker parses one task at a time — a 2 GB list never sits in
memory.
"""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from visualner.documents.archives import ArchiveLimits, ArchiveMemberError, iter_zip_members
from visualner.documents.sniff import FileKind, sniff_file_type
from visualner.errors import VisualnerError
from visualner.formats.funsd import is_funsd_form
from visualner.imports.json.array_split import first_significant_byte, iter_array_elements
from visualner.imports.json.split_ahead import read_split
from visualner.imports.json.task_spec import read_task_list
from visualner.jobs.handlers import PlannedItem
from visualner.settings import Settings


def _file_items(
    path: Path, name: str, staging: Path, *, title: str = "", archive: str = ""
) -> list[PlannedItem]:
    """``name`` labels the items in the job's report (``batch.zip/scans/a.png``); a document's
    task is titled ``title`` (an archive member's own path) and remembers its ``archive``."""
    relative = str(path.relative_to(staging))
    try:
        kind = sniff_file_type(path, display_name=name)
    except VisualnerError as exc:
        return [PlannedItem(name, error=exc.message)]
    if kind == FileKind.JSON:
        if first_significant_byte(path) == b"[":
            return _array_items(path, name, relative)
        try:  # an object: one task, {"tasks": [...]} or a FUNSD form, read whole
            payload = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            return [PlannedItem(name, error=f"{name}: not valid JSON ({exc})")]
        if is_funsd_form(payload):
            return [PlannedItem(name, {"kind": "funsd-annotation", "path": relative})]
        try:
            tasks = read_task_list(payload, name=name)
        except VisualnerError as exc:
            return [PlannedItem(name, error=exc.message)]
        if not tasks:
            return [PlannedItem(name, error=f"{name} is an empty list: no tasks to import")]
        return [
            PlannedItem(f"{name}[{i}]", {"kind": "task", "task": task, "source": name})
            for i, task in enumerate(tasks)
        ]
    document = {"kind": "file", "path": relative, "name": title or name}
    return [PlannedItem(name, {**document, "archive": archive} if archive else document)]


def _array_items(path: Path, name: str, relative: str) -> list[PlannedItem]:
    items = []
    try:
        elements = read_split(path) or iter_array_elements(path)  # split while it uploaded
        for index, element in enumerate(elements):
            where = f"{name}[{index}]"
            if element.is_scalar:
                payload = {"kind": "task", "task": element.scalar, "source": name}
            else:
                payload = {
                    "kind": "task",
                    "path": relative,
                    "offset": element.offset,
                    "length": element.length,
                    "source": name,
                }
            items.append(PlannedItem(where, payload))
    except VisualnerError as exc:
        return [PlannedItem(name, error=f"{name}: not valid JSON ({exc.message})")]
    if not items:
        return [PlannedItem(name, error=f"{name} is an empty list: no tasks to import")]
    return items


def _stem(name: str) -> str:
    return PurePosixPath(name).stem


def _pair_funsd(items: list[PlannedItem]) -> list[PlannedItem]:
    """A FUNSD annotation file and the image of the same name become one pre-annotated
    item (FUNSD keeps them in annotations/ and images/ folders)."""
    annotations = {
        _stem(item.name): item for item in items if item.payload.get("kind") == "funsd-annotation"
    }
    if not annotations:
        return items
    paired: list[PlannedItem] = []
    used: set[str] = set()
    for item in items:
        stem = _stem(item.name)
        if item.payload.get("kind") == "file" and stem in annotations and stem not in used:
            used.add(stem)
            paired.append(
                PlannedItem(
                    item.name,
                    {
                        "kind": "funsd",
                        "image": item.payload["path"],
                        "name": item.payload["name"],
                        "annotation": annotations[stem].payload["path"],
                        **(
                            {"archive": item.payload["archive"]}
                            if "archive" in item.payload
                            else {}
                        ),
                    },
                )
            )
        elif item.payload.get("kind") != "funsd-annotation":
            paired.append(item)
    for stem, item in annotations.items():
        if stem not in used:
            paired.append(
                PlannedItem(
                    item.name,
                    error=f"{item.name}: a FUNSD annotation "
                    f"without an image named {stem}.png (or .jpg)",
                )
            )
    return paired


def _archive_items(
    path: Path, name: str, staging: Path, number: int, settings: Settings, inflated: int
) -> tuple[list[PlannedItem], int]:
    """The archive's items, and the bytes inflated so far by the import's archives
    (``inflated`` before this one): the cap on them holds for the whole import."""
    limits = ArchiveLimits(
        max_members=settings.max_archive_members,
        max_member_bytes=settings.max_upload_mb * 2**20,
        max_total_bytes=settings.max_import_inflated_mb * 2**20,
        max_ratio=settings.max_archive_ratio,
        already_inflated=inflated,
    )
    folder = staging / f"archive-{number:05d}"
    folder.mkdir(exist_ok=True)
    items: list[PlannedItem] = []
    try:
        for index, member in enumerate(
            iter_zip_members(path, dest_dir=folder, limits=limits, display_name=name)
        ):
            member_name = f"{name}/{member.name}"
            if isinstance(member, ArchiveMemberError):
                items.append(PlannedItem(member_name, error=member.error.message))
                continue
            inflated += member.size
            kept = folder / f"{index:05d}"
            shutil.move(member.path, kept)
            items.extend(_file_items(kept, member_name, staging, title=member.name, archive=name))
    except VisualnerError as exc:
        items.append(PlannedItem(name, error=exc.message))
    if not items:
        items.append(PlannedItem(name, error=f"{name} holds no files to import"))
    return items, inflated


def plan_import(
    staging: Path, sources: list[dict[str, Any]], settings: Settings
) -> list[PlannedItem]:
    items: list[PlannedItem] = []
    inflated = 0
    for number, source in enumerate(sources):
        path = staging / source["path"]
        name = source["name"]
        try:
            kind = sniff_file_type(path, display_name=name)
        except VisualnerError as exc:
            items.append(PlannedItem(name, error=exc.message))
            continue
        if kind == FileKind.ZIP:
            archive_items, inflated = _archive_items(
                path, name, staging, number, settings, inflated
            )
            items.extend(archive_items)
        else:
            items.extend(_file_items(path, name, staging))
    return _pair_funsd(items)
