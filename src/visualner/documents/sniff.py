"""What a file really is, from its first bytes, never from its name.

Uploads lie: ``scan.png`` may be a PDF, a phone's ``photo.jpg`` may be HEIC, and a renamed
text file must not reach an image decoder. The importer sniffs every file (and every ZIP
member) with :func:`sniff_file_type` and dispatches on the answer; the extension is only
used to name things.
"""

from __future__ import annotations

import enum
import logging
import re
from pathlib import Path

from visualner.errors import InvalidInput, UnsupportedFile

logger = logging.getLogger(__name__)

#: Bytes read from the start of a file; enough for every signature below, including a PDF
#: header preceded by junk (PDF readers accept it within the first 1 KiB).
SNIFF_BYTES = 4096
_PDF_HEADER_WINDOW = 1024
_BMP_DIB_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}


class FileKind(enum.StrEnum):
    """The importable kinds of file."""

    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    BMP = "bmp"
    WEBP = "webp"
    PDF = "pdf"
    ZIP = "zip"
    JSON = "json"

    @property
    def is_image(self) -> bool:
        return self in _IMAGE_KINDS


_IMAGE_KINDS = frozenset({FileKind.PNG, FileKind.JPEG, FileKind.TIFF, FileKind.BMP, FileKind.WEBP})

# Recognised but not importable: named in the error so the user knows what we saw.
_KNOWN_UNSUPPORTED: tuple[tuple[bytes, int, str], ...] = (
    (b"GIF87a", 0, "a GIF image"),
    (b"GIF89a", 0, "a GIF image"),
    (b"\x1f\x8b", 0, "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "a RAR archive"),
    (b"BZh", 0, "a bzip2 archive"),
    (b"\xfd7zXZ\x00", 0, "an xz archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "a legacy Microsoft Office document"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", 0, "a JPEG 2000 image"),
    (b"\xff\x4f\xff\x51", 0, "a JPEG 2000 codestream"),
    (b"8BPS", 0, "a Photoshop document"),
    (b"%!PS", 0, "a PostScript file"),
    (b"AT&TFORM", 0, "a DjVu document"),
)
_FTYP_BRANDS = {
    b"heic": "a HEIC image",
    b"heix": "a HEIC image",
    b"mif1": "a HEIF image",
    b"msf1": "a HEIF image",
    b"avif": "an AVIF image",
    b"jp2 ": "a JPEG 2000 image",
}
_MARKUP = re.compile(rb"^\s*<(\?xml|!doctype html|html|svg)", re.IGNORECASE)


def sniff_file_type(path: Path, *, display_name: str | None = None) -> FileKind:
    """Sniff a file on disk; ``display_name`` is the name shown in errors (the upload's).

    Raises ``InvalidInput`` for an empty file and ``UnsupportedFile`` (415) naming what the
    content looks like for anything we cannot import.
    """
    name = display_name or path.name
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    return sniff_bytes(head, display_name=name)


def sniff_bytes(head: bytes, *, display_name: str) -> FileKind:
    """Sniff the first bytes of a file (at least :data:`SNIFF_BYTES` when it is that long)."""
    if not head:
        raise InvalidInput(f"{display_name} is empty (0 bytes)")
    kind = _match_signature(head)
    if kind is not None:
        return kind
    seen = describe_unknown_content(head)
    raise UnsupportedFile(
        f"{display_name} is {seen}, which cannot be imported; supported files are PNG, "
        "JPEG, TIFF, BMP and WebP images, PDF, ZIP archives of those, and JSON"
    )


def _match_signature(head: bytes) -> FileKind | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return FileKind.TIFF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return FileKind.WEBP
    if (
        head.startswith(b"BM")
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in _BMP_DIB_HEADER_SIZES
    ):
        return FileKind.BMP
    if b"%PDF-" in head[:_PDF_HEADER_WINDOW]:
        return FileKind.PDF
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return FileKind.ZIP
    if _looks_like_json(head):
        return FileKind.JSON
    return None


def _looks_like_json(head: bytes) -> bool:
    """A JSON document starts, after an optional BOM and whitespace, with ``{`` or ``[``.

    Only the start is checked; the JSON importer parses the whole file and reports errors
    with line numbers, which is more useful than anything a sniffer could say.
    """
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return text[:1] in (b"{", b"[")


def describe_unknown_content(head: bytes) -> str:
    """A short human description of content that matched no importable signature."""
    for signature, offset, description in _KNOWN_UNSUPPORTED:
        if head[offset : offset + len(signature)] == signature:
            return description
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], "an ISO media file (video or HEIF image)")
    if _MARKUP.match(head):
        return "an XML/HTML/SVG document"
    sample = head[:512]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still text.
        text = sample[: exc.start].decode("utf-8") if exc.start >= len(sample) - 3 else ""
    if text and all(ch.isprintable() or ch in "\r\n\t" for ch in text.rstrip("\x00")):
        preview = " ".join(text.split())[:40]
        return f"plain text (starting {preview!r})"
    return f"unrecognised binary data (starting with bytes {head[:8].hex(' ')})"
