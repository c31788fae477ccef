"""``voc``: Pascal VOC XML, one ``Annotations/<task-N_page-P>.xml`` per page, in a zip.

Every region is an ``object`` with its label as ``name`` and an integer ``bndbox``; the page
image's URL or blob-store path is in ``path``. ``labels.txt`` lists the labels. The XML is
written from a template with escaped values (ElementTree's serializer was far slower;
docs/bench.md).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from visualner.formats.records import (
    ExportContext,
    ExportPage,
    ExportTask,
    annotated_pages,
    page_stem,
    rounded_region_box,
)
from visualner.formats.sink import write_zip_member

HEAD = """<?xml version="1.0" encoding="utf-8"?>
<annotation>
  <folder>images</folder>
  <filename>{filename}</filename>
  <path>{path}</path>
  <source>
    <database>{database}</database>
  </source>
  <size>
    <width>{width}</width>
    <height>{height}</height>
    <depth>3</depth>
  </size>
  <segmented>0</segmented>
"""


def voc_xml(
    task: ExportTask,
    page: ExportPage,
    regions: list[dict[str, Any]],
    ctx: ExportContext,
    labels_seen: dict[str, None] | None = None,
) -> bytes:
    """The page's VOC XML; its regions' labels are added to ``labels_seen`` in order.

    Each ``<object>`` is an f-string (``str.format`` with keywords was a third of the time);
    word boxes are rounded once per page (see ``rounded_region_box``)."""
    extension = "jpg" if page.image_mime == "image/jpeg" else "png"
    parts = [
        HEAD.format(
            filename=f"{page_stem(task, page)}.{extension}",
            path=escape(ctx.image_ref(task.id, page.index, page.image_sha256)),
            database=escape(f"visualner project {ctx.project_id}"),
            width=page.width,
            height=page.height,
        )
    ]
    names: dict[str, str] = {}
    no_words: list[list[int]] = []
    for region in regions:
        xmin, ymin, xmax, ymax = rounded_region_box(
            region, no_words if region.get("bbox") else page.rounded_boxes
        )
        label = str(region.get("label", ""))
        name = names.get(label)
        if name is None:
            name = names[label] = escape(label)
        parts.append(
            f"""  <object>
    <name>{name}</name>
    <pose>Unspecified</pose>
    <truncated>0</truncated>
    <difficult>0</difficult>
    <bndbox>
      <xmin>{xmin}</xmin>
      <ymin>{ymin}</ymin>
      <xmax>{xmax}</xmax>
      <ymax>{ymax}</ymax>
    </bndbox>
  </object>
"""
        )
    if labels_seen is not None:
        labels_seen.update(dict.fromkeys(names))
    parts.append("</annotation>\n")
    return "".join(parts).encode()


class VocWriter:
    def __init__(self, sink: BinaryIO, ctx: ExportContext) -> None:
        self.archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
        self.ctx = ctx
        self.labels: dict[str, None] = dict.fromkeys(ctx.label_values)

    def write_task(self, task: ExportTask) -> None:
        for page, regions, _annotation in annotated_pages(task):
            write_zip_member(
                self.archive,
                f"Annotations/{page_stem(task, page)}.xml",
                voc_xml(task, page, regions, self.ctx, self.labels),
            )

    def close(self) -> Iterator[None]:
        write_zip_member(self.archive, "labels.txt", "".join(f"{x}\n" for x in self.labels))
        self.archive.close()
        yield
