"""A PDF text layer as words: PDFium's characters grouped into words, lines and blocks.

``pdf.py`` opens pages and holds the PDFium lock; this module only reads a loaded text page.
PDFium's text page already orders characters in content-stream order and inserts generated
spaces and ``\\r\\n`` where it sees word gaps and line changes. The fast path asks for the
whole page text in one call and for the loose boxes of only the first and last character of
each word (two calls per word instead of one per character); a word whose span is far wider
than its letters could fill is re-measured character by character and split at large gaps.
Loose boxes (advance width × font ascent..descent) give every word on a line the same
height, like OCR boxes, where tight glyph boxes would make ``.`` a speck and ``a`` shorter
than ``b``.
"""

from __future__ import annotations

import ctypes
import logging
import re
import struct
from dataclasses import dataclass

import pypdfium2.raw as pdfium_c

from visualner.words import Word

logger = logging.getLogger(__name__)

#: Lines join the previous line's block when the gap between them is at most this many
#: line heights (the same rule as ``visualner.ocr.engines.reading_order``).
BLOCK_GAP_FACTOR = 0.8
#: Inside a run of characters with no whitespace, a gap wider than this many line heights
#: splits the run into two words (table cells placed side by side without a space).
WORD_GAP_FACTOR = 1.0

_WORD_OR_BREAK = re.compile(r"\n|[^\s\x00-\x1f]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Reads the four floats of an ``FS_RECTF`` in one call (iterating a ctypes array is slower).
_READ_RECT = struct.Struct("4f").unpack_from

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class PageTransform:
    """Maps PDF user-space points to pixels of the page as rendered at one DPI.

    ``pixel = (a·x + b·y + c, d·x + e·y + f)``; built once per page so that converting
    hundreds of word boxes is plain arithmetic.
    """

    a: float
    b: float
    c: float
    d: float
    e: float
    f: float
    width: int
    height: int

    def box(self, left: float, bottom: float, right: float, top: float) -> Box:
        """A PDF rectangle (bottom-left origin) as a pixel box (top-left origin)."""
        xa = self.a * left + self.b * bottom + self.c
        ya = self.d * left + self.e * bottom + self.f
        xb = self.a * right + self.b * top + self.c
        yb = self.d * right + self.e * top + self.f
        return (min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))


def page_text(textpage: pdfium_c.FPDF_TEXTPAGE) -> str:
    """The text page's characters as one string, index-aligned with PDFium's char list.

    One ``FPDFText_GetText`` call costs far less than asking per character; when PDFium's
    text view and char list disagree in length (excluded characters, rare), fall back to
    ``FPDFText_GetUnicode`` per character so indexes stay exact.
    """
    count = pdfium_c.FPDFText_CountChars(textpage)
    if count <= 0:
        return ""
    buffer = (ctypes.c_ushort * (2 * count + 2))()
    written = pdfium_c.FPDFText_GetText(textpage, 0, count, buffer)
    text = bytes(memoryview(buffer)[: max(written - 1, 0)]).decode(
        "utf-16-le", errors="surrogatepass"
    )
    if len(text) == count:
        return text
    logger.debug("text view has %d chars, char list %d: reading per char", len(text), count)
    return "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)) for i in range(count))


def _clean_word(text: str) -> str:
    """Rejoin surrogate pairs that PDFium stored as two characters."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


class _CharBoxes:
    """Loose character boxes in PDF points, as ``(left, bottom, right, top)``.

    Called twice per word, so the ctypes call is trimmed: a prototype without ``argtypes``
    (ctypes then skips per-argument ``from_param`` conversion, half the cost of pypdfium2's
    checked binding), the text-page handle pre-wrapped as ``c_void_p`` and one reused
    ``float[4]`` laid out like ``FS_RECTF`` (left, top, right, bottom), read with ``struct``.
    """

    def __init__(self, textpage: pdfium_c.FPDF_TEXTPAGE) -> None:
        address = ctypes.cast(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_void_p).value
        if address is None:
            raise RuntimeError("PDFium has no FPDFText_GetLooseCharBox")
        self._get = ctypes.CFUNCTYPE(ctypes.c_int)(address)
        # None (not the prototype's empty tuple) means "any arguments, unconverted".
        self._get.argtypes = None  # type: ignore[assignment]
        self._handle = ctypes.c_void_p(ctypes.cast(textpage, ctypes.c_void_p).value)
        self._rect = (ctypes.c_float * 4)()

    def box(self, index: int) -> Box | None:
        """Box of char ``index``, or None for a char without one (generated, empty)."""
        if not self._get(self._handle, index, self._rect):
            return None
        left, top, right, bottom = _READ_RECT(self._rect)
        if right <= left and top <= bottom:
            return None
        return (left, bottom, right, top)

    def word_boxes(self, text: str, start: int, end: int) -> list[tuple[str, Box]]:
        """The run ``text[start:end]`` (no whitespace) as words with boxes in PDF points.

        Boxed from its first and last character; when that span is longer than its letters
        could fill (letters advance at most about an em, and the loose box is taller than an
        em), a gap is hiding inside and ``_split_at_gaps`` measures every character instead.
        Runs once per word: the two char boxes are read without helper calls."""
        get_box, handle, rect = self._get, self._handle, self._rect
        if not get_box(handle, start, rect):
            return _split_at_gaps(self, text, start, end)
        left, top, right, bottom = _READ_RECT(rect)
        if right <= left and top <= bottom:  # a box-less char: measure them all
            return _split_at_gaps(self, text, start, end)
        em = 0.0
        if end - start > 1:
            if not get_box(handle, end - 1, rect):
                return _split_at_gaps(self, text, start, end)
            left1, top1, right1, bottom1 = _READ_RECT(rect)
            left = left if left < left1 else left1
            right = right if right > right1 else right1
            bottom = bottom if bottom < bottom1 else bottom1
            top = top if top > top1 else top1
            em = top1 - bottom1
        em = em if em > top - bottom else top - bottom
        span = right - left if right - left > top - bottom else top - bottom
        if span > (end - start + 1) * em:
            return _split_at_gaps(self, text, start, end)
        return [(text[start:end], (left, bottom, right, top))]


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _split_at_gaps(chars: _CharBoxes, text: str, start: int, end: int) -> list[tuple[str, Box]]:
    """Measure every char of a suspicious run and split it where a gap exceeds a line height."""
    runs: list[tuple[str, Box]] = []
    run_start, run_box, previous = start, None, None
    for index in range(start, end):
        box = chars.box(index)
        if box is None:
            continue
        if previous is not None and run_box is not None:
            height = max(previous[3] - previous[1], box[3] - box[1], 1e-6)
            gap = max(
                box[0] - previous[2],
                previous[0] - box[2],
                box[1] - previous[3],
                previous[1] - box[3],
            )
            if gap > WORD_GAP_FACTOR * height:
                runs.append((text[run_start:index], run_box))
                run_start, run_box = index, None
        run_box = box if run_box is None else _union(run_box, box)
        previous = box
    if run_box is not None:
        runs.append((text[run_start:end], run_box))
    return runs


class _PlacedWords:
    """Words placed on the rendered page in reading order, with their line ids and the box of
    each line (for ``_assign_blocks``)."""

    def __init__(self, transform: PageTransform, has_surrogates: bool) -> None:
        tr = transform
        self._place = (tr.a, tr.b, tr.c, tr.d, tr.e, tr.f, tr.width, tr.height)
        self._has_surrogates = has_surrogates
        self.words: list[Word] = []
        self.line_boxes: list[Box] = []
        self.line_starts: list[int] = []  # index in ``words`` of each line's first word
        self._line_box: Box | None = None

    def end_line(self) -> None:
        if self._line_box is not None:
            self.line_boxes.append(self._line_box)
            self._line_box = None

    def add(self, word_text: str, pdf_box: Box) -> None:
        """Place one word given in PDF points (min/max written out: once per word)."""
        a, b, c, d, e, f, width, height = self._place
        left, bottom, right, top = pdf_box
        xa, ya = a * left + b * bottom + c, d * left + e * bottom + f
        xb, yb = a * right + b * top + c, d * right + e * top + f
        x0, y0 = (xa if xa < xb else xb), (ya if ya < yb else yb)
        x1, y1 = (xb if xb > xa else xa), (yb if yb > ya else ya)
        if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
            return  # outside the crop box: not on the rendered page
        box = (
            x0 if x0 > 0 else 0.0,
            y0 if y0 > 0 else 0.0,
            x1 if x1 < width else float(width),
            y1 if y1 < height else float(height),
        )
        line_box = self._line_box
        if line_box is None:
            self.line_starts.append(len(self.words))
            self._line_box = box
        else:
            lx0, ly0, lx1, ly1 = line_box
            self._line_box = (
                lx0 if lx0 < box[0] else box[0],
                ly0 if ly0 < box[1] else box[1],
                lx1 if lx1 > box[2] else box[2],
                ly1 if ly1 > box[3] else box[3],
            )
        clean_text = _clean_word(word_text) if self._has_surrogates else word_text
        self.words.append(Word(clean_text, box, 1.0, len(self.line_starts) - 1, 0))


def words_from_textpage(
    textpage: pdfium_c.FPDF_TEXTPAGE, transform: PageTransform, text: str | None = None
) -> list[Word]:
    """Words in content order, line ids from PDFium's line breaks, blocks by layout.

    Each run of non-space characters is boxed (``_CharBoxes.word_boxes``), placed on the
    rendered page (``_PlacedWords``), then lines are grouped into blocks. ``text`` is
    ``page_text(textpage)`` when the caller already has it.
    """
    text = page_text(textpage) if text is None else text
    if not text:
        return []
    chars = _CharBoxes(textpage)
    placed = _PlacedWords(transform, _SURROGATE.search(text) is not None)
    for match in _WORD_OR_BREAK.finditer(text):
        start, end = match.span()
        if text[start] == "\n":
            placed.end_line()
            continue
        for word_text, box in chars.word_boxes(text, start, end):
            placed.add(word_text, box)
    placed.end_line()
    _assign_blocks(placed.words, placed.line_boxes, placed.line_starts)
    return placed.words


def _assign_blocks(words: list[Word], line_boxes: list[Box], line_starts: list[int]) -> None:
    """Start a new block where a line is not stacked closely under the previous one.

    Stacked means: it overlaps the previous line horizontally and its top lies between
    half a line above the previous line's bottom and ``BLOCK_GAP_FACTOR`` lines below it.
    A jump back up the page (next column) or sideways (a cell) starts a block.
    """
    block = 0
    bounds = [*line_starts, len(words)]
    for line, box in enumerate(line_boxes):
        if line > 0:
            previous = line_boxes[line - 1]
            height = max(previous[3] - previous[1], 1.0)
            gap = box[1] - previous[3]
            shares_x = min(previous[2], box[2]) > max(previous[0], box[0])
            if not (shares_x and -0.5 * height <= gap <= BLOCK_GAP_FACTOR * height):
                block += 1
        for word in words[bounds[line] : bounds[line + 1]]:
            word.block = block
