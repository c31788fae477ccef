"""Image files as pages: safe decoding, one page at a time, and encoding pages for storage.

Safety comes first because images are the cheapest attack: a 40-byte PNG header can declare
a 100,000 × 100,000 image that would take 30 GB to decode. Every page's size is read from
its header and checked against the caller's pixel cap *before* any pixel is decoded, and
Pillow's own bomb guard is mapped to the same ``TooLarge`` error.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from visualner.documents.blobstore import BlobStore
from visualner.documents.png_writer import encode_png
from visualner.errors import InvalidInput, TooLarge

logger = logging.getLogger(__name__)

#: Decoders we let Pillow use; anything else (EPS, which runs Ghostscript, ICO, ...) is
#: refused even if Pillow could read it.
ALLOWED_FORMATS = ("PNG", "JPEG", "TIFF", "BMP", "WEBP")
#: JPEG quality for photographs and scans: visually lossless for OCR and annotation.
JPEG_QUALITY = 85
#: Level 1, the fast end: much faster than the default 6 for files barely larger (docs/bench.md).
#: Greyscale and RGB pages go through ``png_writer`` (ISA-L's level 1), 1-bit pages through
#: Pillow's zlib.
PNG_COMPRESS_LEVEL = 1
#: A page whose most common colour covers at least this share of its pixels is "flat"
#: (rendered or clean digital content) and is stored as lossless PNG.
FLAT_CONTENT_SHARE = 0.5
_JPEG_MAX_SIDE = 65_535
_BILEVEL_STRIP_BYTES = 1 << 16

#: What Pillow's decoders raise for corrupt or truncated data (``OSError`` covers
#: "image file is truncated", ``struct.error`` and ``zlib.error`` short headers and streams).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error)


@dataclass(frozen=True, slots=True)
class ImagePage:
    """One decoded page: ``image`` is RGB or L, already turned upright by its EXIF tag."""

    index: int
    image: Image.Image


@dataclass(frozen=True, slots=True)
class EncodedImage:
    """A page image encoded for the blob store."""

    data: bytes
    media_type: str
    extension: str
    width: int
    height: int


def pixel_cap_error(where: str, width: int, height: int, max_pixels: int) -> TooLarge:
    return TooLarge(
        f"{where}: image is {width}×{height} = {width * height / 1e6:,.0f} MP, above the "
        f"{max_pixels / 1e6:,.0f} MP cap"
    )


#: bytes per pixel as Pillow holds a decoded image (colour modes take 4: RGB is padded)
_DECODED_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "LA": 4}


def check_decode_caps(
    image: Image.Image, where: str, *, max_pixels: int, max_decode_bytes: int | None
) -> None:
    """Refuse, from its header, an image whose current frame would decode above
    ``max_pixels`` or take more than ``max_decode_bytes`` of memory (a 300 KB PNG can
    declare a 10000×10000 colour page: 400 MB decoded, over a GB while it is encoded)."""
    width, height = image.size
    if width * height > max_pixels:
        raise pixel_cap_error(where, width, height, max_pixels)
    decoded = width * height * _DECODED_BYTES_PER_PIXEL.get(image.mode, 4)
    if max_decode_bytes is not None and decoded > max_decode_bytes:
        raise TooLarge(
            f"{where}: a {width}×{height} {image.mode} image takes {decoded / 2**20:,.0f} MB "
            f"decoded, above the {max_decode_bytes / 2**20:,.0f} MB cap "
            "(VISUALNER_MAX_PAGE_DECODE_MB); scan it at a lower resolution"
        )


def iter_image_pages(
    path: Path,
    *,
    max_pixels: int,
    max_pages: int,
    display_name: str | None = None,
    keep_bilevel: bool = False,
    max_decode_bytes: int | None = None,
) -> Iterator[ImagePage]:
    """Decode an image file page by page (a multi-page TIFF gives several pages).

    Only one decoded page is alive at a time if the caller drops each before asking for
    the next. Raises ``TooLarge`` for a page above ``max_pixels`` or ``max_decode_bytes``
    (``check_decode_caps``) or a file with more than
    ``max_pages`` pages, and ``InvalidInput`` naming the decoder's reason for a corrupt or
    truncated file. Pages come out in RGB, or L for greyscale and black-and-white sources
    (black-and-white ones stay 1-bit with ``keep_bilevel``: storing them converts once).
    """
    name = display_name or path.name
    with open_image(path, name) as image:
        page_count = getattr(image, "n_frames", 1)
        if page_count > max_pages:
            raise TooLarge(f"{name} has {page_count:,} pages, above the {max_pages:,}-page cap")
        for index in range(page_count):
            where = f"page {index + 1} of {name}" if page_count > 1 else name
            try:
                image.seek(index)
            except Image.DecompressionBombError as exc:
                raise _bomb_error(where, exc) from exc
            except _DECODE_ERRORS as exc:
                raise InvalidInput(f"{where} could not be read: {_reason(exc)}") from exc
            check_decode_caps(
                image, where, max_pixels=max_pixels, max_decode_bytes=max_decode_bytes
            )
            yield ImagePage(index=index, image=_decode_upright(image, where, keep_bilevel))


def _bomb_error(where: str, exc: Image.DecompressionBombError) -> TooLarge:
    """Pillow's own bomb refusal, in our words: how many megapixels, and that it is a cap."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    size = f"{int(found.group(1)) / 1e6:,.0f} MP" if found else "too many pixels"
    return TooLarge(
        f"{where}: image is {size}, far above the pixel cap (a decompression bomb?); "
        "refused before decoding"
    )


def open_image(path: Path, name: str) -> Image.Image:
    """Open (header only) with our allow-list of decoders and our own bomb policy.

    Pillow warns above ``Image.MAX_IMAGE_PIXELS`` and raises above twice that; we enforce
    the caller's cap instead, so the warning is silenced here and the error mapped.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(path, formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError as exc:
        raise _bomb_error(name, exc) from exc
    except UnidentifiedImageError as exc:
        raise InvalidInput(
            f"{name} is not a readable PNG, JPEG, TIFF, BMP or WebP image (corrupt header?)"
        ) from exc
    except _DECODE_ERRORS as exc:
        raise InvalidInput(f"{name} could not be read: {_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _decode_upright(image: Image.Image, where: str, keep_bilevel: bool) -> Image.Image:
    """Decode the current frame, apply EXIF orientation and normalise the mode.

    ``exif_transpose`` always returns a new image, so the page stays valid after the file
    moves on to its next frame or is closed.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            return upright if keep_bilevel and upright.mode == "1" else _normalise_mode(upright)
    except Image.DecompressionBombError as exc:
        raise _bomb_error(where, exc) from exc
    except _DECODE_ERRORS as exc:
        raise InvalidInput(f"{where} could not be decoded: {_reason(exc)}") from exc


def _normalise_mode(image: Image.Image) -> Image.Image:
    """RGB for colour, L for greyscale; transparency is flattened onto white paper."""
    mode = image.mode
    if mode in ("RGB", "L"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _wide_grey_to_l(image)
    if mode in ("LA", "La", "PA", "RGBA", "RGBa") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flattened = Image.alpha_composite(paper, rgba)
        return flattened.convert("L" if mode in ("LA", "La") else "RGB")
    return image.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV


def _wide_grey_to_l(image: Image.Image) -> Image.Image:
    """16-bit and float greyscale scaled to 8 bits (a plain convert would clip to white)."""
    values = np.asarray(image, dtype=np.float64)
    if image.mode.startswith("I;16"):
        scaled = values / 257.0
    else:
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low)) if high > low else values * 0
    return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), mode="L")


def encode_page_image(image: Image.Image, *, rendered: bool = False) -> EncodedImage:
    """Encode a page for storage, keeping its width and height.

    The format follows the content, because no single one is good for both kinds of page
    (sizes and times measured on an A4 page: docs/bench.md):

    * flat content, where one colour (the paper) covers at least half the pixels — PDF
      renders, clean digital images: lossless PNG. Antialiased text on white compresses
      well and stays sharp; JPEG would be larger and ring around glyphs.
    * photographs and scans, whose sensor noise defeats PNG: JPEG at quality 85, visually
      lossless for reading and OCR. WebP would be smaller but encodes an order of magnitude
      slower, caps each side at 16,383 px, and every browser and OCR engine reads JPEG.
    * black-and-white (mode ``1``) sources such as fax TIFFs: 1-bit PNG, lossless and tiny.

    Greyscale pages stay single-channel (a third of the RGB size); so do RGB pages whose
    channels are all equal. A JPEG side above 65,535 px is impossible, so such a page falls
    back to PNG. ``rendered`` pages (PDF renders) are flat by nature and skip the check.
    """
    width, height = image.size
    if image.mode == "1":
        return _encode(image, "PNG", width, height)
    if image.mode == "L" and _is_bilevel(image):
        return _encode(image.convert("1"), "PNG", width, height)
    if image.mode not in ("RGB", "L"):
        image = _normalise_mode(image)
    if image.mode == "RGB" and _is_grey(image):
        image = image.convert("L")
    if rendered or _is_flat(image) or max(width, height) > _JPEG_MAX_SIDE:
        data = encode_png(image, compress_level=PNG_COMPRESS_LEVEL)
        return EncodedImage(data, "image/png", "png", width, height)
    return _encode(image, "JPEG", width, height, quality=JPEG_QUALITY, optimize=True)


def _is_grey(image: Image.Image) -> bool:
    """An RGB page whose three channels are equal (most PDF renders): stored as ``L``,
    a third of the pixels to compress."""
    pixels = np.asarray(image)
    return bool(
        np.array_equal(pixels[..., 0], pixels[..., 1])
        and np.array_equal(pixels[..., 1], pixels[..., 2])
    )


def _is_bilevel(image: Image.Image) -> bool:
    """Whether an ``L`` page holds only black (0) and white (255) pixels. Read a strip of
    rows at a time, so the first grey pixel ends the scan: a rendered page's antialiasing
    shows in its first line of text, long before a whole-page histogram would be done."""
    pixels = np.asarray(image)
    rows_per_strip = max(1, _BILEVEL_STRIP_BYTES // max(1, image.width))
    for start in range(0, image.height, rows_per_strip):
        # 0 + 1 and 255 + 1 (wrapping to 0) are the only values without a bit above bit 0
        if np.bitwise_and(pixels[start : start + rows_per_strip] + 1, 0xFE).any():
            return False
    return True


def _is_flat(image: Image.Image) -> bool:
    grey = image if image.mode == "L" else image.convert("L")
    histogram = grey.histogram()
    return max(histogram) >= FLAT_CONTENT_SHARE * grey.width * grey.height


def _encode(
    image: Image.Image, fmt: str, width: int, height: int, **options: object
) -> EncodedImage:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    media_type, extension = ("image/png", "png") if fmt == "PNG" else ("image/jpeg", "jpg")
    return EncodedImage(
        data=buffer.getvalue(),
        media_type=media_type,
        extension=extension,
        width=width,
        height=height,
    )


def load_stored_image(blobs: BlobStore, sha256: str) -> Image.Image:
    """A page image from the blob store, decoded now (the handle closes on return)."""
    with blobs.open(sha256) as handle:
        image = Image.open(handle)
        image.load()
    return image
