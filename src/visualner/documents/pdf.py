"""PDF pages as images and, where the PDF has one, its text layer as words with pixel boxes.

Everything goes through pypdfium2 (PDFium), page by page: a page is loaded, used and closed
before the next, so a 500-page PDF never has more than one page in memory.

PDFium is not thread-safe, not even across separate documents, and FastAPI runs sync routes
in a thread pool. Every call into PDFium here therefore holds one process-wide lock; run
PDF work for many files in worker processes, not threads, if it must go in parallel.

Text-layer words come from ``pdf_text_layer.py``; boxes are converted to the pixels of
the page as rendered here, so words and page images line up at any DPI.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from visualner.documents.pdf_text_layer import PageTransform, page_text, words_from_textpage
from visualner.errors import InvalidInput, TooLarge
from visualner.words import PageWords, Word

logger = logging.getLogger(__name__)

#: Name given to words that come from a PDF's own text layer (``PageWords.engine``).
TEXT_LAYER_ENGINE = "pdf-text-layer"
#: channel spread (0-255) below which a probe pixel counts as grey (antialiasing noise)
COLOUR_TOLERANCE = 8
_PDFIUM_LOCK = threading.RLock()


class PdfFile:
    """An open PDF. Use as a context manager, or call :meth:`close`.

    Build it with :func:`open_pdf`, which checks the password, corruption and page cap.
    """

    def __init__(self, document: pdfium.PdfDocument, *, name: str, page_count: int) -> None:
        self._document: pdfium.PdfDocument | None = document
        self.name = name
        self.page_count = page_count

    def __enter__(self) -> PdfFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the PDFium document; safe to call twice."""
        with _PDFIUM_LOCK:
            if self._document is not None:
                self._document.close()
                self._document = None

    @contextmanager
    def _page(self, page_index: int) -> Iterator[pdfium.PdfPage]:
        """Load one page (caller holds the lock) and always close it afterwards."""
        if self._document is None:
            raise RuntimeError(f"{self.name} is closed")
        if not 0 <= page_index < self.page_count:
            raise InvalidInput(
                f"{self.name} has {self.page_count} pages; page {page_index + 1} does not exist"
            )
        try:
            page = self._document[page_index]
        except pdfium.PdfiumError as exc:
            raise InvalidInput(
                f"page {page_index + 1} of {self.name} could not be read ({exc})"
            ) from exc
        try:
            yield page
        finally:
            page.close()


def open_pdf(source: Path | bytes, *, max_pages: int, display_name: str | None = None) -> PdfFile:
    """Open a PDF for page-by-page work.

    ``display_name`` is what error messages call the file (the user's upload name, not our
    temp path). Raises ``InvalidInput`` for password-protected, corrupt or truncated files
    and for PDFs with no pages, ``TooLarge`` above ``max_pages``.
    """
    name = display_name or (source.name if isinstance(source, Path) else "the PDF")
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(source)
        except pdfium.PdfiumError as exc:
            raise _load_error(name, exc) from exc
        except FileNotFoundError as exc:
            raise InvalidInput(f"{name} could not be opened: file not found") from exc
        try:
            # Before any page loads: lets filled-in form fields render with their values.
            document.init_forms()
            page_count = len(document)
        except Exception:
            document.close()
            raise
    if page_count < 1:
        document.close()
        raise InvalidInput(f"{name} has no pages")
    if page_count > max_pages:
        document.close()
        raise TooLarge(
            f"{name} has {page_count:,} pages, above the {max_pages:,}-page cap; "
            "split it into smaller PDFs"
        )
    return PdfFile(document, name=name, page_count=page_count)


def _load_error(name: str, exc: pdfium.PdfiumError) -> InvalidInput:
    """Turn PDFium's load error code into a message the uploader can act on."""
    code = getattr(exc, "err_code", None)
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        return InvalidInput(
            f"{name} is password-protected; remove the password (for example by printing it "
            "to a new PDF) and import it again"
        )
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return InvalidInput(f"{name} uses an encryption scheme we cannot open")
    return InvalidInput(f"{name} is not a readable PDF: it is corrupt or truncated ({exc})")


def _pixel_size(page: pdfium.PdfPage, dpi: float) -> tuple[int, int]:
    """Rendered size in pixels, rounded exactly as ``PdfPage.render`` rounds it."""
    scale = dpi / 72.0
    return math.ceil(page.get_width() * scale), math.ceil(page.get_height() * scale)


def render_pdf_page(
    pdf: PdfFile,
    page_index: int,
    *,
    dpi: float,
    max_pixels: int,
    grayscale: bool = False,
    max_objects: int | None = None,
) -> Image.Image:
    """Render one page (0-based ``page_index``) to an RGB (or L) image at ``dpi``.

    The size is checked before any pixel is allocated: a page declared 200 inches wide is
    refused with ``TooLarge`` instead of exhausting memory; so is a page that draws an
    image above ``max_pixels`` or more than ``max_objects`` objects (``_check_page``).
    """
    with _PDFIUM_LOCK, pdf._page(page_index) as page:
        _check_page(pdf, page, page_index, dpi=dpi, max_pixels=max_pixels, max_objects=max_objects)
        return _render(page, dpi=dpi, grayscale=grayscale)


def _check_page(
    pdf: PdfFile,
    page: pdfium.PdfPage,
    page_index: int,
    *,
    dpi: float,
    max_pixels: int,
    max_objects: int | None,
) -> None:
    """Refuse a page whose rendering would take unbounded memory or time, before it starts:
    its render above ``max_pixels``; an image it draws above ``max_pixels`` (PDFium decodes
    an image whole, whatever size it is drawn at: a 1.5 MB PDF can hold a 40000×40000 one);
    more than ``max_objects`` objects and path segments (a small file whose content stream
    expands to millions of drawing operations, in many objects or one long path). Only the
    parsed page is walked, no pixel drawn."""
    where = f"page {page_index + 1} of {pdf.name}"
    box = page.get_mediabox(fallback_ok=False)  # as written: PDFium would show Letter size
    if box is not None and (box[2] - box[0] <= 0 or box[3] - box[1] <= 0):
        left, bottom, right, top = box
        raise InvalidInput(
            f"{where} has a page size of {right - left:g}×{top - bottom:g} pt (its MediaBox "
            f"[{left:g} {bottom:g} {right:g} {top:g}]); a page must be wider and taller than 0"
        )
    width, height = _pixel_size(page, dpi)
    if width * height > max_pixels:
        raise TooLarge(
            f"{where}: rendering at {dpi:g} dpi gives "
            f"{width}×{height} = {width * height / 1e6:.0f} MP, above the "
            f"{max_pixels / 1e6:.0f} MP cap"
        )
    operations = 0
    for drawn in page.get_objects():  # form XObjects' objects too, each time one is drawn
        operations += 1
        if drawn.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            operations += max(0, pdfium_c.FPDFPath_CountSegments(drawn.raw))
        if max_objects is not None and operations > max_objects:
            raise TooLarge(
                f"{where} draws more than {max_objects:,} objects and path segments, above the "
                "cap (VISUALNER_MAX_PDF_PAGE_OBJECTS)"
            )
        if isinstance(drawn, pdfium.PdfImage):
            image_width, image_height = drawn.get_px_size()
            if image_width * image_height > max_pixels:
                raise TooLarge(
                    f"{where} holds a {image_width}×{image_height} image = "
                    f"{image_width * image_height / 1e6:,.0f} MP, above the "
                    f"{max_pixels / 1e6:,.0f} MP cap (VISUALNER_MAX_IMAGE_PIXELS)"
                )


def _render(page: pdfium.PdfPage, *, dpi: float, grayscale: bool) -> Image.Image:
    bitmap = page.render(scale=dpi / 72.0, grayscale=grayscale, rev_byteorder=True)
    try:
        image = bitmap.to_pil()
        # PIL shares an L bitmap's buffer with PDFium (RGB is copied while decoding);
        # copy it before the buffer is freed.
        return image.copy() if image.mode == "L" else image
    finally:
        bitmap.close()


def _is_colourless(page: pdfium.PdfPage, dpi: float) -> bool:
    """Whether a page has no colour, judged on a small render (most business documents are
    black on white): such pages can be rendered grey directly, a third of the pixels."""
    probe = np.asarray(_render(page, dpi=max(dpi / 6, 12), grayscale=False))
    return max_channel_spread(probe) <= COLOUR_TOLERANCE


def max_channel_spread(pixels: np.ndarray) -> int:
    """The largest difference between the channels of one pixel of an RGB ``pixels`` array
    (0 for a grey image): max − min over the three channel planes, much faster than
    ``max``/``min`` reduced over the size-3 last axis."""
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    spread = np.maximum(np.maximum(red, green), blue) - np.minimum(np.minimum(red, green), blue)
    return int(spread.max(initial=0))


def page_has_text_layer(pdf: PdfFile, page_index: int) -> bool:
    """Whether the page carries extractable text (born-digital or OCRed), not only images."""
    with _PDFIUM_LOCK, pdf._page(page_index) as page:
        textpage = page.get_textpage()
        try:
            return bool(page_text(textpage.raw).strip())
        finally:
            textpage.close()


def extract_pdf_page_words(pdf: PdfFile, page_index: int, *, dpi: float) -> PageWords:
    """Words of the page's text layer with boxes in pixels of the page rendered at ``dpi``.

    Boxes match :func:`render_pdf_page` at the same ``dpi`` pixel for pixel, including
    rotated pages and pages whose crop box does not start at the origin. ``line`` and
    ``block`` number the lines and paragraphs in the PDF's content order, which for
    born-digital files is the author's reading order. A page without text gives no words.
    """
    with _PDFIUM_LOCK, pdf._page(page_index) as page:
        transform = _page_transform(page, dpi)
        textpage = page.get_textpage()
        try:
            words = words_from_textpage(textpage.raw, transform)
        finally:
            textpage.close()
    return PageWords(
        width=transform.width, height=transform.height, words=words, engine=TEXT_LAYER_ENGINE
    )


@dataclass(frozen=True, slots=True)
class PdfPageRead:
    """One page as an import takes it: its image and, where it has text, its words."""

    image: Image.Image
    words: list[Word] | None


def read_pdf_page(
    pdf: PdfFile,
    page_index: int,
    *,
    dpi: float,
    max_pixels: int,
    text_layer: bool,
    max_objects: int | None = None,
) -> PdfPageRead:
    """The page rendered at ``dpi`` — greyscale when a small probe render shows no colour —
    and, if ``text_layer`` is set and the page has text (:func:`page_has_text_layer`), its
    words as :func:`extract_pdf_page_words` gives them; ``words`` is ``None`` otherwise.

    The same as calling those functions one after the other, but the page is loaded once
    and its text read once. Refuses the pages ``render_pdf_page`` refuses.
    """
    with _PDFIUM_LOCK, pdf._page(page_index) as page:
        _check_page(pdf, page, page_index, dpi=dpi, max_pixels=max_pixels, max_objects=max_objects)
        image = _render(page, dpi=dpi, grayscale=_is_colourless(page, dpi))
        words = None
        if text_layer:
            textpage = page.get_textpage()
            try:
                text = page_text(textpage.raw)
                if text.strip():
                    words = words_from_textpage(textpage.raw, _page_transform(page, dpi), text)
            finally:
                textpage.close()
    return PdfPageRead(image=image, words=words)


def _page_transform(page: pdfium.PdfPage, dpi: float) -> PageTransform:
    """The affine map PDFium's renderer uses: crop-box offset, /Rotate, then scale.

    PDFium renders the page's bounding box (crop box ∩ media box) rotated clockwise by the
    page's /Rotate, stretched to the ceil-rounded pixel size; scaling each axis by
    pixels / points reproduces that rounding exactly.
    """
    left, bottom, right, top = page.get_bbox()
    box_width, box_height = right - left, top - bottom
    width, height = _pixel_size(page, dpi)
    sx = width / page.get_width() if page.get_width() else 0.0
    sy = height / page.get_height() if page.get_height() else 0.0
    rotation = page.get_rotation()
    # (u, v) = (x - left, top - y): unrotated page, top-left origin, in points.
    if rotation == 90:  # (box_height - v, u)
        a, b, c, d, e, f = 0.0, sx, sx * (box_height - top), sy, 0.0, -sy * left
    elif rotation == 180:  # (box_width - u, box_height - v)
        a, b, c = -sx, 0.0, sx * (box_width + left)
        d, e, f = 0.0, sy, sy * (box_height - top)
    elif rotation == 270:  # (v, box_width - u)
        a, b, c, d, e, f = 0.0, -sx, sx * top, -sy, 0.0, sy * (box_width + left)
    else:  # (u, v)
        a, b, c, d, e, f = sx, 0.0, -sx * left, 0.0, -sy, sy * top
    return PageTransform(a, b, c, d, e, f, width, height)
