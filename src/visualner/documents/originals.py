"""Page files kept exactly as they came, when browsers and OCR can use them as they are.

A scanner's 1-bit PNG or greyscale JPEG is already what the labeling page shows: decoding it
and encoding it again costs CPU on every page (docs/bench.md), changes nothing a user can see (or
loses quality, for a JPEG encoded twice) and gives a different file. So a PNG or JPEG whose
header says it is displayed as stored is kept byte for byte, and only its header is read for
the page's size (the OCR, when on, decodes the stored file itself). Anything else goes through
``documents/images.py``: other formats, alpha or palette PNGs (flattened onto white paper),
16-bit samples, CMYK JPEGs, animated PNGs, JPEGs whose EXIF turns them (the page's
width and height must be those the browser shows), and any file that is not exactly one
image and nothing else (``documents/image_validation.py``: trailing data, comments, text).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from visualner.documents.image_validation import validate_page_image_file
from visualner.documents.images import check_decode_caps, open_image
from visualner.documents.sniff import FileKind

#: modes a browser and every OCR engine read as they are, per format
_KEPT_MODES = {FileKind.PNG: ("1", "L", "RGB"), FileKind.JPEG: ("L", "RGB")}
_MEDIA_TYPES = {FileKind.PNG: "image/png", FileKind.JPEG: "image/jpeg"}
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True, slots=True)
class OriginalPage:
    """A page file that can be stored as it is: its size and media type."""

    width: int
    height: int
    media_type: str


def browser_ready(
    path: Path, kind: FileKind, *, max_pixels: int, max_decode_bytes: int, display_name: str
) -> OriginalPage | None:
    """The page ``path`` is, if it can be stored byte for byte; ``None`` when it must be
    decoded and encoded. Reads the header and walks the file's structure (decodes no
    pixel); raises ``TooLarge`` above ``max_pixels`` or ``max_decode_bytes`` (the OCR and
    the page's readers decode it)
    and ``InvalidInput`` for a file whose header cannot be read."""
    modes = _KEPT_MODES.get(kind)
    if modes is None:
        return None
    with open_image(path, display_name) as image:
        check_decode_caps(
            image, display_name, max_pixels=max_pixels, max_decode_bytes=max_decode_bytes
        )
        width, height = image.size
        if not _shown_as_stored(image, kind, modes):
            return None
    if not validate_page_image_file(path, kind):
        return None
    return OriginalPage(width, height, _MEDIA_TYPES[kind])


def _shown_as_stored(image: Image.Image, kind: FileKind, modes: tuple[str, ...]) -> bool:
    if image.format != kind.name or image.mode not in modes:
        return False
    if getattr(image, "n_frames", 1) != 1 or "transparency" in image.info:
        return False
    if kind == FileKind.JPEG:
        return image.getexif().get(_EXIF_ORIENTATION, 1) == 1
    return True
