"""Shared fixtures for the OCR tests: one real FUNSD form and its gold words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import Image

from tests.datasets import FUNSD_TRAINING
from visualner.ocr.engines.evaluation import funsd_gold_words
from visualner.words import Word

FUNSD = FUNSD_TRAINING
#: A typical one-column form with printed and handwritten-looking fields.
FORM_ID = "0000971160"


@pytest.fixture(scope="session")
def funsd_form() -> Iterator[Image.Image]:
    image_path = FUNSD / "images" / f"{FORM_ID}.png"
    if not image_path.exists():
        pytest.skip(f"FUNSD dataset not found at {FUNSD.resolve()} (see docs/ocr.md)")
    with Image.open(image_path) as image:
        image.load()
        yield image


@pytest.fixture(scope="session")
def funsd_gold() -> list[Word]:
    annotation = FUNSD / "annotations" / f"{FORM_ID}.json"
    if not annotation.exists():
        pytest.skip(f"FUNSD dataset not found at {FUNSD.resolve()} (see docs/ocr.md)")
    return funsd_gold_words(annotation)
