"""Browser-ready PNG/JPEG pages are stored byte for byte; others are converted, once."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import make_settings
from visualner.documents.blobstore import LocalBlobStore
from visualner.documents.sniff import sniff_file_type
from visualner.errors import TooLarge
from visualner.imports.pages import StoredPage, iter_stored_pages

from .conftest import text_image


def store(path: Path, tmp_path: Path, **overrides: object) -> tuple[StoredPage, bytes]:
    settings = make_settings(tmp_path / "data", "sqlite://", **overrides)
    blobs = LocalBlobStore(tmp_path / "blobs", tmp_path / "staging")
    kind = sniff_file_type(path)
    (page,) = iter_stored_pages(
        path, kind, name=path.name, settings=settings, blobs=blobs, dpi=150, use_text_layer=True
    )
    return page, blobs.read_bytes(page.image_sha256)


def saved(image: Image.Image, path: Path, fmt: str, **options: object) -> Path:
    image.save(path, fmt, **options)
    return path


@pytest.mark.parametrize(
    ("mode", "fmt", "suffix", "media_type"),
    [
        ("1", "PNG", "png", "image/png"),
        ("L", "PNG", "png", "image/png"),
        ("RGB", "PNG", "png", "image/png"),
        ("L", "JPEG", "jpg", "image/jpeg"),
        ("RGB", "JPEG", "jpg", "image/jpeg"),
    ],
)
def test_a_browser_ready_page_is_stored_byte_identical(
    tmp_path: Path, mode: str, fmt: str, suffix: str, media_type: str
) -> None:
    path = saved(
        text_image("Scanned claim form", (640, 300)).convert(mode), tmp_path / f"p.{suffix}", fmt
    )
    page, stored = store(path, tmp_path)
    assert stored == path.read_bytes()
    assert (page.width, page.height, page.image_mime) == (640, 300, media_type)


def test_a_jpeg_turned_by_its_exif_is_stored_upright(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    path = saved(text_image("sideways", (640, 300)), tmp_path / "p.jpg", "JPEG", exif=exif)
    page, stored = store(path, tmp_path)
    assert stored != path.read_bytes()
    assert (page.width, page.height) == (300, 640)
    assert Image.open(io.BytesIO(stored)).size == (300, 640)


def test_a_png_with_transparency_is_flattened_onto_white(tmp_path: Path) -> None:
    rgba = text_image("see-through", (320, 120)).convert("RGBA")
    rgba.putalpha(0)
    page, stored = store(saved(rgba, tmp_path / "a.png", "PNG"), tmp_path)
    decoded = Image.open(io.BytesIO(stored))
    assert page.image_mime == "image/png"
    assert decoded.mode in ("1", "L") and np.asarray(decoded.convert("L")).min() == 255


def test_the_pixel_cap_holds_for_kept_originals(tmp_path: Path) -> None:
    path = saved(text_image("big", (640, 300)).convert("1"), tmp_path / "big.png", "PNG")
    with pytest.raises(TooLarge, match="above the 0 MP cap"):
        store(path, tmp_path, max_image_pixels=1000)


def test_a_black_and_white_tiff_becomes_a_1_bit_png_without_a_grey_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bilevel = text_image("fax page", (640, 300)).convert("1")
    path = saved(bilevel, tmp_path / "fax.tiff", "TIFF", compression="group4")
    conversions: list[str] = []
    convert = Image.Image.convert

    def counted(
        image: Image.Image, mode: str | None = None, *args: object, **kw: object
    ) -> Image.Image:
        conversions.append(f"{image.mode}->{mode}")
        return convert(image, mode, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Image.Image, "convert", counted)
    page, stored = store(path, tmp_path)
    assert conversions == []
    decoded = Image.open(io.BytesIO(stored))
    assert (decoded.format, decoded.mode, page.image_mime) == ("PNG", "1", "image/png")
    assert np.array_equal(np.asarray(decoded), np.asarray(bilevel))
