"""Is a PNG or JPEG file exactly one image and nothing else? Only then is it kept as it came.

A page file kept byte for byte (``documents/originals.py``) is served back to browsers, so it
must not be anything besides an image: no HTML or script after a PNG's ``IEND`` or a JPEG's
``EOI``, no script in a JPEG comment (a JPEG whose first segment opens a ``/*`` comment is
also valid JavaScript), no chunk a browser would not need. The file's structure is walked
(every PNG chunk's CRC checked, every JPEG segment and the entropy-coded data between them
followed to the end); anything unexpected answers ``False`` and the page is decoded and
encoded again instead, which keeps only pixels. The walk reads the file once and decodes
nothing.
"""

from __future__ import annotations

import mmap
import re
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from visualner.documents.sniff import FileKind

#: the media types a stored page image has: every page is one of these, validated or encoded
PAGE_MEDIA_TYPES = frozenset({"image/png", "image/jpeg"})

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: chunks a kept PNG may hold: pixels, palette, and how to show them; no text, no
#: private chunks (anything else is dropped by encoding the page again)
_PNG_CHUNKS = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"pHYs", b"sBIT"}
)
_PNG_MAX_CHUNK = 2**31 - 1
_PNG_CRC_BLOCK = 1 << 20

_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
_APP0, _APP1, _APP2, _APP14 = 0xE0, 0xE1, 0xE2, 0xEE
#: frame headers (baseline, extended, progressive, lossless; Huffman and arithmetic)
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
#: tables and restart interval: DHT, DAC, DQT, DRI
_TABLES = frozenset({0xC4, 0xCC, 0xDB, 0xDD})
#: what an APPn segment a kept JPEG may hold must start with (JFIF, EXIF, XMP, ICC, Adobe)
_APP_IDENTIFIERS = {
    _APP0: (b"JFIF\x00",),
    _APP1: (b"Exif\x00", b"http://ns.adobe.com/xap/1.0/\x00"),
    _APP2: (b"ICC_PROFILE\x00", b"MPF\x00"),
    _APP14: (b"Adobe",),
}
#: read as Latin-1 script, a JPEG starts with an identifier (``ÿØÿà``); if the first
#: segment's length then begins a comment or a string (``/*``, ``"``, ``'``, `` ` ``), the
#: file can be made valid JavaScript (the JPEG/JS polyglot) — such a file is encoded again
_SCRIPT_OPENERS = frozenset(b"/\"'`")
#: in entropy-coded data, 0xFF starts a marker unless stuffed (00), a restart (D0–D7) or fill
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def validate_page_image_file(path: Path, kind: FileKind) -> bool:
    """True when ``path`` is exactly one PNG or JPEG image of ``kind``, with nothing before,
    inside or after it that is not part of showing it; False for anything else (other kinds,
    truncated files, trailing data, comments, text chunks), which must be encoded again."""
    if kind == FileKind.PNG:
        return _exact_png(path)
    if kind == FileKind.JPEG:
        return _exact_jpeg(path)
    return False


def _exact_png(path: Path) -> bool:
    with path.open("rb") as handle:
        if handle.read(8) != _PNG_SIGNATURE:
            return False
        first = True
        while True:
            header = handle.read(8)
            if len(header) != 8:
                return False  # cut before IEND
            length, chunk_type = struct.unpack(">I4s", header)
            if length > _PNG_MAX_CHUNK or chunk_type not in _PNG_CHUNKS:
                return False
            if first != (chunk_type == b"IHDR"):
                return False
            first = False
            if not _png_chunk_crc_matches(handle, chunk_type, length):
                return False
            if chunk_type == b"IEND":
                return length == 0 and handle.read(1) == b""


def _png_chunk_crc_matches(handle: BinaryIO, chunk_type: bytes, length: int) -> bool:
    read = handle.read
    crc = zlib.crc32(chunk_type)
    remaining = length
    while remaining:
        block = read(min(remaining, _PNG_CRC_BLOCK))
        if not block:
            return False
        crc = zlib.crc32(block, crc)
        remaining -= len(block)
    stored = read(4)
    return len(stored) == 4 and struct.unpack(">I", stored)[0] == crc & 0xFFFFFFFF


def _exact_jpeg(path: Path) -> bool:
    with path.open("rb") as handle:
        if path.stat().st_size < 4:
            return False
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _jpeg_segments_end_at_eoi(data)


def _jpeg_segments_end_at_eoi(data: mmap.mmap) -> bool:
    """Walk SOI, the segments, each scan's entropy-coded data, and EOI at the very end."""
    size = len(data)
    if data[0] != 0xFF or data[1] != _SOI or data[4] in _SCRIPT_OPENERS:
        return False
    position = 2
    seen_frame = False
    while position + 2 <= size:
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == _EOI:
            return seen_frame and position + 2 == size
        if position + 4 > size:
            return False
        length = (data[position + 2] << 8) | data[position + 3]
        end = position + 2 + length
        if length < 2 or end > size:
            return False
        if marker in _SOF:
            seen_frame = True
        elif marker in _APP_IDENTIFIERS:
            body = data[position + 4 : end]
            if not body.startswith(_APP_IDENTIFIERS[marker]):
                return False
            if marker == _APP0 and not _plain_jfif(body):
                return False
        elif marker != _SOS and marker not in _TABLES:
            return False  # comments, other APPn, anything unknown
        position = end
        if marker == _SOS:
            found = _NEXT_MARKER.search(data, position)
            if found is None:
                return False
            position = found.start()
    return False


def _plain_jfif(body: bytes) -> bool:
    """A JFIF header exactly as long as its thumbnail needs (a longer one hides bytes)."""
    if len(body) < 14:
        return False
    thumbnail_width, thumbnail_height = body[12], body[13]
    return len(body) == 14 + 3 * thumbnail_width * thumbnail_height
