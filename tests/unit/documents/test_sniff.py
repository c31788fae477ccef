"""Sniffing decides by content: names never matter, unknown content is named in the error."""

from __future__ import annotations

from pathlib import Path

import pytest

from visualner.documents.sniff import FileKind, sniff_bytes, sniff_file_type
from visualner.errors import InvalidInput, UnsupportedFile

from .conftest import png_bytes, text_image


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 8, FileKind.PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", FileKind.JPEG),
        (b"II*\x00\x08\x00\x00\x00", FileKind.TIFF),
        (b"MM\x00*\x00\x00\x00\x08", FileKind.TIFF),
        (b"BM" + b"\x00" * 12 + (40).to_bytes(4, "little"), FileKind.BMP),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", FileKind.WEBP),
        (b"%PDF-1.7\n", FileKind.PDF),
        (b"\r\n  junk before the header %PDF-1.4\n", FileKind.PDF),
        (b"PK\x03\x04\x14\x00", FileKind.ZIP),
        (b'\xef\xbb\xbf  \n[{"text": "a"}]', FileKind.JSON),
        (b'{"pages": []}', FileKind.JSON),
    ],
)
def test_recognises_each_supported_kind_from_its_first_bytes(head: bytes, kind: FileKind) -> None:
    assert sniff_bytes(head, display_name="upload") is kind


def test_ignores_the_extension_of_a_pdf_named_png(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(b"%PDF-1.7\n%...")
    assert sniff_file_type(path) is FileKind.PDF


def test_refuses_a_png_that_is_really_text_and_quotes_it(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_text("hello, this is not an image\n")
    with pytest.raises(UnsupportedFile) as caught:
        sniff_file_type(path)
    assert caught.value.status_code == 415
    assert "photo.png is plain text (starting 'hello, this is not an image')" in str(caught.value)


@pytest.mark.parametrize(
    ("head", "seen"),
    [
        (b"GIF89a\x01\x00", "a GIF image"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "a HEIC image"),
        (b"\x1f\x8b\x08\x00", "a gzip archive"),
        (b"<?xml version='1.0'?><svg/>", "an XML/HTML/SVG document"),
        (
            b"\x00\x01\x02\x03\xfe\xfd\xfc\xfb",
            "unrecognised binary data (starting with bytes 00 01",
        ),
    ],
)
def test_names_what_it_saw_in_unsupported_content(head: bytes, seen: str) -> None:
    with pytest.raises(UnsupportedFile) as caught:
        sniff_bytes(head, display_name="upload.bin")
    assert str(caught.value).startswith(f"upload.bin is {seen}")


def test_refuses_a_zero_byte_file_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(InvalidInput, match=r"empty.pdf is empty \(0 bytes\)"):
        sniff_file_type(path)


def test_sniffs_a_real_png(tmp_path: Path) -> None:
    path = tmp_path / "page"
    path.write_bytes(png_bytes(text_image("x")))
    assert sniff_file_type(path).is_image
