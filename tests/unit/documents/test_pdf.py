"""PDFs: clear errors for bad files, page-by-page rendering, text-layer words on the glyphs."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF

from visualner.documents.pdf import (
    COLOUR_TOLERANCE,
    TEXT_LAYER_ENGINE,
    PdfFile,
    extract_pdf_page_words,
    max_channel_spread,
    open_pdf,
    page_has_text_layer,
    read_pdf_page,
    render_pdf_page,
)
from visualner.errors import InvalidInput, TooLarge
from visualner.words import PageWords

from .conftest import BORN_DIGITAL_PAGES, SECOND_BLOCK_LINES

MAX_PIXELS = 120_000_000


def open_born_digital(path: Path) -> PdfFile:
    return open_pdf(path, max_pages=10, display_name="invoice.pdf")


def transformed_copy(source: Path, *, rotation: int = 0, crop_inset: float = 0.0) -> bytes:
    """The PDF with every page's /Rotate and crop box changed, as bytes."""
    document = pdfium.PdfDocument(source)
    for index in range(len(document)):
        page = document[index]
        page.set_rotation(rotation)
        if crop_inset:
            left, bottom, right, top = page.get_bbox()
            page.set_cropbox(left + crop_inset, bottom + 2 * crop_inset, right, top - crop_inset)
        page.close()
    buffer = io.BytesIO()
    document.save(buffer)
    document.close()
    return buffer.getvalue()


def test_reads_every_word_of_a_born_digital_pdf_in_order(born_digital_pdf: Path) -> None:
    with open_born_digital(born_digital_pdf) as pdf:
        assert pdf.page_count == 2
        pages = [extract_pdf_page_words(pdf, i, dpi=150) for i in range(pdf.page_count)]
    expected_first = " ".join(BORN_DIGITAL_PAGES[0] + SECOND_BLOCK_LINES).split()
    assert [w.text for w in pages[0].words] == expected_first
    assert [w.text for w in pages[1].words] == " ".join(BORN_DIGITAL_PAGES[1]).split()
    assert pages[0].engine == TEXT_LAYER_ENGINE


def test_numbers_lines_and_blocks_in_reading_order(born_digital_pdf: Path) -> None:
    with open_born_digital(born_digital_pdf) as pdf:
        words = extract_pdf_page_words(pdf, 0, dpi=150).words
    lines: dict[tuple[int, int], list[str]] = {}
    for word in words:
        lines.setdefault((word.block, word.line), []).append(word.text)
    assert lines == {
        (0, 0): ["Invoice", "number", "INV-2041"],
        (0, 1): ["Customer:", "Jane", "Doe"],
        (0, 2): ["Total", "due", "1,250.00", "EUR"],
        (1, 3): ["Thank", "you", "for", "your", "order"],
    }


def assert_boxes_cover_the_ink(page_words: PageWords, pdf: PdfFile, index: int, dpi: float) -> None:
    """Every word box holds ink, and every inked pixel lies in some word box (±2 px)."""
    image = render_pdf_page(pdf, index, dpi=dpi, max_pixels=MAX_PIXELS, grayscale=True)
    assert image.size == (page_words.width, page_words.height)
    ink = np.asarray(image) < 128
    covered = np.zeros_like(ink)
    for word in page_words.words:
        x0, y0, x1, y1 = (round(v) for v in word.bbox)
        assert ink[y0:y1, x0:x1].any(), f"no glyph under {word.text!r} at {word.bbox}"
        covered[max(y0 - 2, 0) : y1 + 2, max(x0 - 2, 0) : x1 + 2] = True
    stray = np.argwhere(ink & ~covered)
    assert stray.size == 0, f"ink outside every word box, e.g. at (y, x) {stray[:3].tolist()}"


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("crop_inset", [0.0, 40.0])
def test_word_boxes_land_on_the_rendered_glyphs(
    born_digital_pdf: Path, rotation: int, crop_inset: float
) -> None:
    data = transformed_copy(born_digital_pdf, rotation=rotation, crop_inset=crop_inset)
    with open_pdf(data, max_pages=10, display_name="rotated.pdf") as pdf:
        for index in range(pdf.page_count):
            page_words = extract_pdf_page_words(pdf, index, dpi=100)
            assert page_words.words
            assert_boxes_cover_the_ink(page_words, pdf, index, dpi=100)


def test_leaves_out_words_the_crop_box_hides(born_digital_pdf: Path) -> None:
    document = pdfium.PdfDocument(born_digital_pdf)
    page = document[0]
    left, bottom, right, top = page.get_bbox()
    page.set_cropbox(left, bottom, right, top - 140)  # hides the first three lines
    page.close()
    buffer = io.BytesIO()
    document.save(buffer)
    document.close()
    with open_pdf(buffer.getvalue(), max_pages=10) as pdf:
        words = extract_pdf_page_words(pdf, 0, dpi=100).words
    assert [w.text for w in words] == SECOND_BLOCK_LINES[0].split()


def test_word_boxes_scale_with_the_dpi(born_digital_pdf: Path) -> None:
    with open_born_digital(born_digital_pdf) as pdf:
        at_72 = extract_pdf_page_words(pdf, 0, dpi=72).words[0].bbox
        at_144 = extract_pdf_page_words(pdf, 0, dpi=144).words[0].bbox
    assert at_144 == pytest.approx([2 * v for v in at_72], abs=0.6)


def test_renders_a_page_at_the_requested_dpi(born_digital_pdf: Path) -> None:
    with open_born_digital(born_digital_pdf) as pdf:
        image = render_pdf_page(pdf, 1, dpi=150, max_pixels=MAX_PIXELS)
        assert image.mode == "RGB"
        assert image.size == (1241, 1754)  # A4


def test_detects_a_text_layer_only_where_there_is_one(
    born_digital_pdf: Path, scanned_pdf: Path
) -> None:
    with open_born_digital(born_digital_pdf) as pdf:
        assert page_has_text_layer(pdf, 0)
    with open_pdf(scanned_pdf, max_pages=10) as pdf:
        assert not page_has_text_layer(pdf, 0)
        assert extract_pdf_page_words(pdf, 0, dpi=150).words == []
        assert (
            render_pdf_page(pdf, 0, dpi=50, max_pixels=MAX_PIXELS).getextrema() != ((255, 255),) * 3
        )


def test_refuses_a_password_protected_pdf(encrypted_pdf: Path) -> None:
    with pytest.raises(InvalidInput, match=re.escape("secret.pdf is password-protected")):
        open_pdf(encrypted_pdf, max_pages=10, display_name="secret.pdf")


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_refuses_a_truncated_pdf(born_digital_pdf: Path, keep: float) -> None:
    data = born_digital_pdf.read_bytes()
    with pytest.raises(
        InvalidInput, match=re.escape("cut.pdf is not a readable PDF: it is corrupt")
    ):
        open_pdf(data[: int(len(data) * keep)], max_pages=10, display_name="cut.pdf")


def test_refuses_a_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    with pytest.raises(InvalidInput, match=re.escape("broken.pdf is not a readable PDF")):
        open_pdf(path, max_pages=10)


def test_refuses_more_pages_than_the_cap(many_pages_pdf: Path) -> None:
    with pytest.raises(TooLarge, match=re.escape("long.pdf has 6 pages, above the 5-page cap")):
        open_pdf(many_pages_pdf, max_pages=5, display_name="long.pdf")


def test_refuses_to_render_above_the_pixel_cap(born_digital_pdf: Path) -> None:
    with open_born_digital(born_digital_pdf) as pdf, pytest.raises(TooLarge) as caught:
        render_pdf_page(pdf, 1, dpi=600, max_pixels=20_000_000)
    assert str(caught.value) == (
        "page 2 of invoice.pdf: rendering at 600 dpi gives 4961×7016 = 35 MP, above the 20 MP cap"
    )


def test_refuses_a_page_number_past_the_end(born_digital_pdf: Path) -> None:
    with (
        open_born_digital(born_digital_pdf) as pdf,
        pytest.raises(
            InvalidInput, match=re.escape("invoice.pdf has 2 pages; page 3 does not exist")
        ),
    ):
        extract_pdf_page_words(pdf, 2, dpi=150)


def colour_pdf(path: Path) -> Path:
    """Page 1 black text on white; page 2 the same with one red line."""
    document = FPDF(unit="pt", format="A4")
    document.set_font("Helvetica", size=14)
    for red in (0, 200):
        document.add_page()
        document.text(72, 72, "Amount due 1,204.00")
        document.set_text_color(red, 0, 0)
        document.text(72, 100, "Overdue: pay within 7 days")
    document.output(str(path))
    return path


def pdf_for(copy: str, born_digital_pdf: Path, scanned_pdf: Path, tmp_path: Path) -> Path | bytes:
    if copy == "rotated":
        return transformed_copy(born_digital_pdf, rotation=90)
    if copy == "cropped":
        return transformed_copy(born_digital_pdf, crop_inset=40)
    if copy == "colour":
        return colour_pdf(tmp_path / "colour.pdf")
    return scanned_pdf if copy == "scanned" else born_digital_pdf


@pytest.mark.parametrize("copy", ["plain", "rotated", "cropped", "scanned", "colour"])
def test_reading_a_page_for_import_is_the_same_as_the_separate_calls(
    born_digital_pdf: Path, scanned_pdf: Path, tmp_path: Path, copy: str
) -> None:
    source = pdf_for(copy, born_digital_pdf, scanned_pdf, tmp_path)
    modes = []
    with open_pdf(source, max_pages=10) as pdf:
        for index in range(pdf.page_count):
            read = read_pdf_page(pdf, index, dpi=150, max_pixels=MAX_PIXELS, text_layer=True)
            probe = render_pdf_page(pdf, index, dpi=25, max_pixels=MAX_PIXELS)
            grey = max_channel_spread(np.asarray(probe)) <= COLOUR_TOLERANCE
            plain = render_pdf_page(pdf, index, dpi=150, max_pixels=MAX_PIXELS, grayscale=grey)
            assert (read.image.mode, read.image.tobytes()) == (plain.mode, plain.tobytes())
            has_text = page_has_text_layer(pdf, index)
            words = extract_pdf_page_words(pdf, index, dpi=150).words if has_text else None
            assert read.words == words
            unread = read_pdf_page(pdf, index, dpi=150, max_pixels=MAX_PIXELS, text_layer=False)
            assert unread.words is None
            modes.append(read.image.mode)
    assert modes == (["L", "RGB"] if copy == "colour" else ["L"] * len(modes))


def test_reading_a_page_for_import_refuses_it_above_the_pixel_cap(born_digital_pdf: Path) -> None:
    with open_born_digital(born_digital_pdf) as pdf, pytest.raises(TooLarge) as caught:
        read_pdf_page(pdf, 1, dpi=600, max_pixels=20_000_000, text_layer=True)
    assert str(caught.value) == (
        "page 2 of invoice.pdf: rendering at 600 dpi gives 4961×7016 = 35 MP, above the 20 MP cap"
    )


def test_channel_spread_is_the_largest_max_minus_min_of_a_pixel() -> None:
    rng = np.random.default_rng(5)
    for pixels in (
        rng.integers(0, 256, (37, 23, 3), dtype=np.uint8),
        np.full((4, 4, 3), 128, dtype=np.uint8),
        np.array([[[0, 255, 3], [9, 9, 9]]], dtype=np.uint8),
    ):
        wide = pixels.astype(np.int16)
        assert max_channel_spread(pixels) == (wide.max(axis=2) - wide.min(axis=2)).max()
