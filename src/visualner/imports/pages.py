"""Turn one document file into stored page images and, where possible, words.

Pages are handled one at a time (a 2,000-page PDF never sits in memory): each is rendered or
decoded, encoded and put in the blob store; a PDF page's text layer gives its words exactly.
Pages left without words are OCR'd afterwards from their stored images.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from visualner.documents.blobstore import BlobStore
from visualner.documents.images import encode_page_image, iter_image_pages
from visualner.documents.pdf import (
    PdfFile,
    extract_pdf_page_words,
    open_pdf,
    page_has_text_layer,
    render_pdf_page,
)
from visualner.documents.sniff import FileKind
from visualner.ocr.words import Word
from visualner.settings import Settings

TEXT_LAYER_ENGINE = "pdf-text-layer"
ENCODE_THREADS = 2
ENCODE_AHEAD = 3
#: channel spread (0-255) below which a thumbnail pixel counts as grey (antialiasing noise)
COLOUR_TOLERANCE = 8


@dataclass
class StoredPage:
    width: int
    height: int
    image_sha256: str
    image_mime: str
    words: list[Word] | None = None
    words_source: str = ""


def _is_colourless(pdf: PdfFile, index: int, dpi: int) -> bool:
    """Whether a page has no colour, judged on a small render (most business documents are
    black on white): such pages are rendered grey directly, a third of the pixels to store."""
    thumbnail = render_pdf_page(pdf, index, dpi=max(dpi / 6, 12), max_pixels=2_000_000)
    pixels = np.asarray(thumbnail.convert("RGB"), dtype=np.int16)
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    return bool(spread.max(initial=0) <= COLOUR_TOLERANCE)


def _stored(stored: Future[tuple[str, str, int, int]], words: list[Word] | None) -> StoredPage:
    sha, mime, width, height = stored.result()
    page = StoredPage(width, height, sha, mime, words=words)
    if words is not None:
        page.words_source = "text_layer"
    return page


def _store(
    image: Image.Image, blobs: BlobStore, rendered: bool = False
) -> tuple[str, str, int, int]:
    encoded = encode_page_image(image, rendered=rendered)
    return blobs.put_bytes(encoded.data), encoded.media_type, encoded.width, encoded.height


def iter_stored_pages(
    path: Path,
    kind: FileKind,
    *,
    name: str,
    settings: Settings,
    blobs: BlobStore,
    dpi: int,
    use_text_layer: bool,
) -> Iterator[StoredPage]:
    """Yield each page of the document, already stored; raises domain errors on bad files.

    PDF pages are rendered one after the other (PDFium is single-threaded) while the previous
    pages are encoded and stored on other threads (zlib and libjpeg release the GIL), at most
    ``ENCODE_AHEAD`` pages in flight so memory stays flat for any page count.
    """
    if kind == FileKind.PDF:
        with (
            open_pdf(path, max_pages=settings.max_pdf_pages, display_name=name) as pdf,
            ThreadPoolExecutor(max_workers=ENCODE_THREADS, thread_name_prefix="encode") as pool,
        ):
            pending: deque[tuple[Future[tuple[str, str, int, int]], list[Word] | None]] = deque()
            for index in range(pdf.page_count):
                image = render_pdf_page(
                    pdf,
                    index,
                    dpi=dpi,
                    max_pixels=settings.max_image_pixels,
                    grayscale=_is_colourless(pdf, index, dpi),
                )
                words = None
                if use_text_layer and page_has_text_layer(pdf, index):
                    words = extract_pdf_page_words(pdf, index, dpi=dpi).words
                pending.append((pool.submit(_store, image, blobs, True), words))
                while len(pending) > ENCODE_AHEAD:
                    yield _stored(*pending.popleft())
            while pending:
                yield _stored(*pending.popleft())
        return
    for image_page in iter_image_pages(
        path,
        max_pixels=settings.max_image_pixels,
        max_pages=settings.max_pdf_pages,
        display_name=name,
    ):
        sha, mime, width, height = _store(image_page.image, blobs)
        yield StoredPage(width, height, sha, mime)


def load_stored_image(blobs: BlobStore, sha256: str) -> Image.Image:
    with blobs.open(sha256) as handle:
        image = Image.open(handle)
        image.load()
    return image
