"""PDF throughput: text-layer words and page rendering, pages per second.

Generates a 50-page born-digital PDF (fpdf2, a test dependency: ~480 words, ~3,000
characters a page, like a dense invoice or contract page) and prints:

* text-layer extraction with ``extract_pdf_page_words``;
* the peer: the straightforward pypdfium2 approach, one ``get_charbox`` call per character
  grouped into words in Python (the ~230 pages/s figure we measured before);
* rendering at 150 and 300 dpi with ``render_pdf_page``.

Each figure is the best of ``--repeats`` passes, so a busy machine disturbs it less.
Usage: ``.venv/bin/python bench/pdf.py [--pages 50] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
from fpdf import FPDF

from visualner.documents.pdf import (
    PdfFile,
    extract_pdf_page_words,
    open_pdf,
    render_pdf_page,
)

VOCABULARY = [
    *("invoice", "total", "amount", "due", "date", "customer", "number", "reference"),
    *("payment", "account", "balance", "order", "quantity", "price", "tax", "shipping"),
    *("address", "company", "street", "city", "postal", "code", "phone"),
]


def write_born_digital_pdf(path: Path, *, pages: int) -> None:
    """A text-only A4 PDF with six justified paragraphs of ~80 words per page."""
    rng = random.Random(7)
    document = FPDF(unit="pt", format="A4")
    document.set_font("Helvetica", size=10)
    for _ in range(pages):
        document.add_page()
        document.set_xy(50, 50)
        for _ in range(6):
            document.multi_cell(495, 13, " ".join(rng.choice(VOCABULARY) for _ in range(80)))
            document.ln(8)
    document.output(str(path))


def naive_char_grouping(path: Path) -> int:
    """The peer: one pypdfium2 ``get_charbox`` per character, split on whitespace."""
    document = pdfium.PdfDocument(path)
    word_count = 0
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            words: list[tuple[str, tuple[float, float, float, float]]] = []
            current, box = "", None
            for char_index, char in enumerate(text):
                if char.isspace():
                    if current and box is not None:
                        words.append((current, box))
                    current, box = "", None
                    continue
                left, bottom, right, top = textpage.get_charbox(char_index, loose=True)
                current += char
                box = (
                    (left, bottom, right, top)
                    if box is None
                    else (
                        min(box[0], left),
                        min(box[1], bottom),
                        max(box[2], right),
                        max(box[3], top),
                    )
                )
            if current and box is not None:
                words.append((current, box))
            word_count += len(words)
            textpage.close()
            page.close()
    finally:
        document.close()
    return word_count


def best_pages_per_second(run: Callable[[], object], pages: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return pages / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "born-digital.pdf"
        write_born_digital_pdf(path, pages=args.pages)
        with open_pdf(path, max_pages=args.pages) as pdf:
            word_count = sum(
                len(extract_pdf_page_words(pdf, i, dpi=150).words) for i in range(pdf.page_count)
            )

            def extract_all(pdf: PdfFile = pdf) -> None:
                for i in range(pdf.page_count):
                    extract_pdf_page_words(pdf, i, dpi=150)

            def render_all(dpi: float, pdf: PdfFile = pdf) -> None:
                for i in range(pdf.page_count):
                    render_pdf_page(pdf, i, dpi=dpi, max_pixels=200_000_000)

            ours = best_pages_per_second(extract_all, args.pages, args.repeats)
            peer = best_pages_per_second(
                lambda: naive_char_grouping(path), args.pages, args.repeats
            )
            render_150 = best_pages_per_second(lambda: render_all(150), args.pages, args.repeats)
            render_300 = best_pages_per_second(lambda: render_all(300), args.pages, args.repeats)

    print(f"{args.pages}-page born-digital PDF, {word_count / args.pages:.0f} words/page")
    print(f"text layer, extract_pdf_page_words:      {ours:7.1f} pages/s")
    print(f"text layer, peer (per-char get_charbox): {peer:7.1f} pages/s")
    print(f"render 150 dpi:                          {render_150:7.1f} pages/s")
    print(f"render 300 dpi:                          {render_300:7.1f} pages/s")


if __name__ == "__main__":
    main()
