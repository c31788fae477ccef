"""A page file is kept as it came only when it is exactly one PNG or JPEG image."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL.PngImagePlugin import PngInfo

from tests.fixture_files import png_bytes, text_image
from visualner.documents.image_validation import validate_page_image_file
from visualner.documents.sniff import FileKind


def _jpeg(**options: object) -> bytes:
    buffer = io.BytesIO()
    text_image("Policy 12345").save(buffer, "JPEG", **options)
    return buffer.getvalue()


def _written(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "page"
    path.write_bytes(content)
    return path


def test_plain_png_and_jpeg_files_are_kept(tmp_path: Path) -> None:
    assert validate_page_image_file(_written(tmp_path, png_bytes(text_image("a"))), FileKind.PNG)
    assert validate_page_image_file(_written(tmp_path, _jpeg()), FileKind.JPEG)
    with_exif = _jpeg()[:2] + _exif_segment(0x0100) + _jpeg()[2:]
    assert validate_page_image_file(_written(tmp_path, with_exif), FileKind.JPEG)
    assert validate_page_image_file(_written(tmp_path, _jpeg(progressive=True)), FileKind.JPEG)


def _exif_segment(length: int) -> bytes:
    return b"\xff\xe1" + length.to_bytes(2, "big") + b"Exif\x00\x00" + bytes(length - 8)


def _png_with_text_chunk() -> bytes:
    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    buffer = io.BytesIO()
    text_image("a").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "kind,content",
    [
        (FileKind.PNG, png_bytes(text_image("a")) + b"<html>"),
        (FileKind.PNG, png_bytes(text_image("a"))[:-20]),
        (FileKind.PNG, _png_with_text_chunk()),
        (FileKind.JPEG, _jpeg() + b"<script>"),
        (FileKind.JPEG, _jpeg()[:-200]),
        (FileKind.JPEG, _jpeg()[:2] + b"\xff\xfe\x00\x06*/=1" + _jpeg()[2:]),
        # a JFIF header longer than it says it is hides bytes (the JPEG/JavaScript polyglot)
        (FileKind.JPEG, b"\xff\xd8\xff\xe0\x2f\x2aJFIF\x00" + b"\x00" * 12068 + _jpeg()[20:]),
        (FileKind.BMP, b"BM" + b"\x00" * 60),
        # an EXIF segment 0x2F2A bytes long: "ÿØÿá/*" opens a script comment
        (FileKind.JPEG, _jpeg()[:2] + _exif_segment(0x2F2A) + _jpeg()[2:]),
    ],
    ids=[
        "png-trailer",
        "png-truncated",
        "png-text-chunk",
        "jpeg-trailer",
        "jpeg-truncated",
        "jpeg-comment",
        "jpeg-long-jfif",
        "bmp",
        "jpeg-script-opener",
    ],
)
def test_anything_beside_the_image_means_encoding_it_again(
    tmp_path: Path, kind: FileKind, content: bytes
) -> None:
    assert not validate_page_image_file(_written(tmp_path, content), kind)
