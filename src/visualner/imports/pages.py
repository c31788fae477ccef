"""Turn one document file into stored page images and, where possible, words.

Pages are handled one at a time (a 2,000-page PDF never sits in memory): each is rendered or
decoded, encoded and put in the blob store; a PDF page's text layer gives its words exactly.
A browser-ready PNG or JPEG is stored as it is (``documents/originals.py``).
Pages left without words are OCR'd afterwards from their stored images.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from visualner.documents.blobstore import BlobStore
from visualner.documents.images import encode_page_image, iter_image_pages
from visualner.documents.originals import browser_ready
from visualner.documents.pdf import open_pdf, read_pdf_page
from visualner.documents.sniff import FileKind
from visualner.settings import Settings
from visualner.words import Word

TEXT_LAYER_ENGINE = "pdf-text-layer"
ENCODE_THREADS = 2
ENCODE_AHEAD = 3


@dataclass
class StoredPage:
    """A page as stored; ``image_sha256`` is ``None`` until a lazily imported page's image
    is fetched (its first view)."""

    width: int
    height: int
    image_sha256: str | None
    image_mime: str
    words: list[Word] | None = None
    words_source: str = ""


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
                page = read_pdf_page(
                    pdf,
                    index,
                    dpi=dpi,
                    max_pixels=settings.max_image_pixels,
                    text_layer=use_text_layer,
                    max_objects=settings.max_pdf_page_objects,
                )
                pending.append((pool.submit(_store, page.image, blobs, True), page.words))
                while len(pending) > ENCODE_AHEAD:
                    yield _stored(*pending.popleft())
            while pending:
                yield _stored(*pending.popleft())
        return
    original = store_original(path, kind, name=name, settings=settings, blobs=blobs)
    if original is not None:
        yield original
        return
    for image_page in iter_image_pages(
        path,
        max_pixels=settings.max_image_pixels,
        max_pages=settings.max_pdf_pages,
        display_name=name,
        keep_bilevel=True,
        max_decode_bytes=settings.max_page_decode_mb * 2**20,
    ):
        sha, mime, width, height = _store(image_page.image, blobs)
        yield StoredPage(width, height, sha, mime)


def store_original(
    path: Path,
    kind: FileKind,
    *,
    name: str,
    settings: Settings,
    blobs: BlobStore,
    sha256: str | None = None,
) -> StoredPage | None:
    """A browser-ready PNG/JPEG stored as it came (its header read only), or ``None`` when
    the file must be decoded and encoded (``documents.originals``). ``sha256``: the file's,
    when known."""
    original = browser_ready(
        path,
        kind,
        max_pixels=settings.max_image_pixels,
        max_decode_bytes=settings.max_page_decode_mb * 2**20,
        display_name=name,
    )
    if original is None:
        return None
    sha = blobs.put_file(path, sha256=sha256)
    return StoredPage(original.width, original.height, sha, original.media_type)
