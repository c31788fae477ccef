"""Image pages: decoded one at a time, upright, capped before decoding, errors explained."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visualner.documents.images import encode_page_image, iter_image_pages
from visualner.errors import InvalidInput, TooLarge

from .conftest import png_bytes, png_declaring_size, text_image

MAX_PIXELS = 120_000_000


def pages(path: Path, *, max_pixels: int = MAX_PIXELS, max_pages: int = 100) -> list[Image.Image]:
    return [
        page.image for page in iter_image_pages(path, max_pixels=max_pixels, max_pages=max_pages)
    ]


def test_reads_each_frame_of_a_multi_page_tiff_as_a_page(tmp_path: Path) -> None:
    path = tmp_path / "scan.tiff"
    first, second, third = (text_image(f"page {n}", (300 + n, 100)) for n in range(3))
    first.save(path, save_all=True, append_images=[second.convert("L"), third.convert("1")])
    result = pages(path)
    assert [image.size for image in result] == [(300, 100), (301, 100), (302, 100)]
    assert [image.mode for image in result] == ["RGB", "L", "L"]


def test_refuses_a_tiff_with_more_pages_than_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "long.tiff"
    frames = [text_image(str(n), (50, 50)) for n in range(4)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.raises(TooLarge, match=re.escape("long.tiff has 4 pages, above the 3-page cap")):
        pages(path, max_pages=3)


def test_applies_exif_orientation(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    text_image("upright", (400, 100)).save(path, exif=exif)
    (image,) = pages(path)
    assert image.size == (100, 400)


def test_flattens_transparency_onto_white_paper(tmp_path: Path) -> None:
    path = tmp_path / "clear.png"
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(path)
    (image,) = pages(path)
    assert image.mode == "RGB" and image.getpixel((5, 5)) == (255, 255, 255)


def test_scales_16_bit_greyscale_instead_of_clipping(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    Image.new("I;16", (4, 4), 32896).save(path)  # mid grey in 16 bits
    (image,) = pages(path)
    assert image.mode == "L" and image.getpixel((0, 0)) == 128


def test_refuses_a_header_declaring_a_bomb_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_declaring_size(12_000, 12_000))
    with pytest.raises(TooLarge) as caught:
        pages(path)
    assert str(caught.value) == "bomb.png: image is 12000×12000 = 144 MP, above the 120 MP cap"
    assert caught.value.status_code == 413


def test_maps_pillows_own_bomb_guard_to_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(png_declaring_size(100_000, 100_000))
    with pytest.raises(TooLarge, match=re.escape("huge.png: image is 10,000 MP, far above")):
        pages(path, max_pixels=10**12)


def test_explains_a_truncated_png(tmp_path: Path) -> None:
    data = png_bytes(text_image("cut short"))
    path = tmp_path / "cut.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidInput, match=r"cut.png could not be decoded: .*truncated"):
        pages(path)


def test_explains_a_truncated_jpeg(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    text_image("cut short").save(buffer, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buffer.getvalue()[:400])
    with pytest.raises(InvalidInput, match=r"cut.jpg could not be (read|decoded): "):
        pages(path)


def test_explains_a_corrupt_png_header(tmp_path: Path) -> None:
    data = bytearray(png_bytes(text_image("x")))
    data[16:24] = b"\xff" * 8  # width and height garbage, CRC now wrong
    path = tmp_path / "corrupt.png"
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidInput, match=re.escape("corrupt.png")):
        pages(path)


def test_refuses_content_that_is_no_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("just text")
    with pytest.raises(InvalidInput, match=re.escape("notes.png is not a readable")):
        pages(path)


def test_stores_rendered_pages_as_png_and_scans_as_jpeg() -> None:
    rendered = text_image("Invoice 2041", (800, 400))
    stored = encode_page_image(rendered)
    assert (stored.media_type, stored.width, stored.height) == ("image/png", 800, 400)

    noise = Image.effect_noise((800, 400), 40).convert("RGB")
    scan = encode_page_image(noise)
    assert scan.media_type == "image/jpeg"
    assert Image.open(io.BytesIO(scan.data)).size == (800, 400)


def test_stores_black_and_white_pages_as_one_bit_png() -> None:
    stored = encode_page_image(text_image("fax", (800, 400)).convert("1"))
    decoded = Image.open(io.BytesIO(stored.data))
    assert stored.media_type == "image/png" and decoded.mode == "1"


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_png_pages_decode_to_exactly_the_pixels_given(mode: str) -> None:
    page = text_image("Invoice 2041", (800, 400))
    page.paste((200, 30, 30) if mode == "RGB" else (90, 90, 90), (600, 300, 700, 350))
    page = page.convert(mode)
    stored = encode_page_image(page, rendered=True)
    decoded = Image.open(io.BytesIO(stored.data))
    assert stored.media_type == "image/png" and decoded.mode == mode
    assert decoded.tobytes() == page.tobytes()


@pytest.mark.parametrize("last_pixel", [0, 255, 1, 254, 128])
def test_a_grey_page_is_stored_black_and_white_exactly_when_it_has_only_0_and_255(
    last_pixel: int,
) -> None:
    checker = (np.indices((900, 300)).sum(axis=0) % 2 * 255).astype(np.uint8)
    checker[-1, -1] = last_pixel  # in the last of several strips
    page = Image.fromarray(checker)
    stored = encode_page_image(page, rendered=True)
    decoded = Image.open(io.BytesIO(stored.data))
    assert decoded.mode == ("1" if last_pixel in (0, 255) else "L")
    assert np.array_equal(np.asarray(decoded.convert("L")), checker)
