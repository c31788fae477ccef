"""Fixture files for the documents tests, generated once per session into a temp folder.

Generating beats shipping binaries: each fixture's content is visible here, and the
born-digital PDFs are written with fpdf2 (a test-only dependency) so the exact words on
each page are known. Only the hand-made bad inputs (a PNG header declaring a huge image,
truncated files) are built byte by byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from tests.fixture_files import (
    BORN_DIGITAL_PAGES,
    SECOND_BLOCK_LINES,
    png_bytes,
    png_declaring_size,
    text_image,
    write_born_digital_pdf,
    write_encrypted_pdf,
    write_scanned_pdf,
)

__all__ = [
    "BORN_DIGITAL_PAGES",
    "SECOND_BLOCK_LINES",
    "png_bytes",
    "png_declaring_size",
    "text_image",
]


@pytest.fixture(scope="session")
def fixtures_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("documents-fixtures")


@pytest.fixture(scope="session")
def born_digital_pdf(fixtures_dir: Path) -> Path:
    path = fixtures_dir / "born-digital.pdf"
    write_born_digital_pdf(path)
    return path


@pytest.fixture(scope="session")
def encrypted_pdf(fixtures_dir: Path) -> Path:
    path = fixtures_dir / "encrypted.pdf"
    write_encrypted_pdf(path)
    return path


@pytest.fixture(scope="session")
def scanned_pdf(fixtures_dir: Path) -> Path:
    """One page that is only a picture of text, as a scanner makes it."""
    path = fixtures_dir / "scanned.pdf"
    write_scanned_pdf(path, fixtures_dir / "scan-page.png")
    return path


@pytest.fixture(scope="session")
def many_pages_pdf(fixtures_dir: Path) -> Path:
    document = FPDF()
    for _ in range(6):
        document.add_page()
    path = fixtures_dir / "six-pages.pdf"
    document.output(str(path))
    return path
