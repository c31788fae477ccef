"""The fast PNG writer: exactly the image's pixels back, as small as Pillow's own PNG."""

from __future__ import annotations

import io
import zlib

import numpy as np
import pytest
from PIL import Image

from visualner.documents import png_writer
from visualner.documents.png_writer import encode_png, filter_rows

from .conftest import text_image


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pillow_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def gradient_photo(size: tuple[int, int]) -> Image.Image:
    """Smooth colour with noise: rows where Sub or Up beat no filter."""
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    channels = np.stack([x * 0.7, y * 0.5, (x + y) * 0.3], axis=-1) + rng.normal(
        0, 3, (*y.shape, 3)
    )
    return Image.fromarray(np.clip(channels, 0, 255).astype(np.uint8))


@pytest.mark.parametrize(
    "image",
    [
        text_image("Invoice 2041 total due", (801, 403)).convert("L"),
        text_image("Invoice 2041 total due", (801, 403)),
        gradient_photo((257, 190)),
        gradient_photo((257, 190)).convert("L"),
        Image.new("L", (1, 1), 0),
        Image.new("RGB", (3, 1), (255, 0, 7)),
        Image.fromarray(np.random.default_rng(1).integers(0, 256, (64, 1), dtype=np.uint8)),
    ],
    ids=["text-L", "text-RGB", "photo-RGB", "photo-L", "1x1", "one-row", "one-column"],
)
def test_decodes_to_exactly_the_pixels_pillow_gives_back_from_its_own_png(
    image: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(png_writer, "STRIP_BYTES", 700)  # many strips: rows across a seam
    ours = decoded(encode_png(image, compress_level=1))
    theirs = decoded(pillow_png(image))
    assert (ours.mode, ours.size) == (image.mode, image.size)
    assert np.array_equal(np.asarray(ours), np.asarray(theirs))
    assert np.array_equal(np.asarray(ours), np.asarray(image))


def test_each_row_takes_the_filter_with_the_smallest_signed_sum() -> None:
    rows = np.array(
        [
            [0, 0, 0, 0, 0, 0],  # flat: None (ties go to the simplest filter)
            [10, 20, 30, 40, 50, 60],  # a ramp: Sub leaves 10s
            [10, 20, 30, 40, 50, 61],  # like the row above: Up leaves zeros
            [255, 1, 255, 1, 255, 1],  # ±1 read as signed: None sums 6
        ],
        dtype=np.uint8,
    )
    filtered = filter_rows(rows, None, 1)
    assert list(filtered[:, 0]) == [0, 1, 2, 0]
    assert list(filtered[1, 1:]) == [10, 10, 10, 10, 10, 10]
    assert list(filtered[2, 1:]) == [0, 0, 0, 0, 0, 1]
    above = np.array([10, 20, 30, 40, 50, 60], dtype=np.uint8)
    assert filter_rows(rows[2:3], above, 1)[0, 0] == 2  # the row above comes from the last strip


def test_is_a_valid_png_stream_with_checked_chunks() -> None:
    data = encode_png(text_image("checked", (120, 40)).convert("L"), compress_level=1)
    assert data.startswith(png_writer.SIGNATURE)
    position, kinds = len(png_writer.SIGNATURE), []
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        crc = int.from_bytes(data[position + 8 + length : position + 12 + length], "big")
        assert crc == zlib.crc32(kind + body)
        kinds.append(kind)
        position += 12 + length
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and set(kinds[1:-1]) == {b"IDAT"}


def test_a_rendered_text_page_is_no_larger_than_pillows_png() -> None:
    page = text_image("Policy 7731 claim amount deductible " * 3, (1240, 1750)).convert("L")
    assert len(encode_png(page, compress_level=1)) <= 1.05 * len(pillow_png(page))


def test_refuses_modes_it_does_not_write() -> None:
    with pytest.raises(ValueError, match="L or RGB"):
        encode_png(Image.new("1", (4, 4)), compress_level=1)
