"""Document files generated for tests: born-digital and scanned PDFs, text images, bombs.

Generating beats shipping binaries: each fixture's content is visible here, and the
born-digital PDFs are written with fpdf2 (a test-only dependency) so the exact words on
each page are known. Only the hand-made bad inputs (a PNG header declaring a huge image,
truncated files) are built byte by byte.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw

#: Lines written on each page of the born-digital fixture, one list per page.
BORN_DIGITAL_PAGES = [
    ["Invoice number INV-2041", "Customer: Jane Doe", "Total due 1,250.00 EUR"],
    ["Page two starts here", "Payment within 30 days"],
]
#: A second paragraph on page 1, after a gap wide enough to make a new block.
SECOND_BLOCK_LINES = ["Thank you for your order"]


def write_born_digital_pdf(path: Path) -> None:
    document = FPDF(unit="pt", format="A4")
    document.set_font("Helvetica", size=14)
    for page_number, lines in enumerate(BORN_DIGITAL_PAGES):
        document.add_page()
        document.set_xy(72, 72)
        for line in lines:
            document.cell(400, 20, line, new_x="LMARGIN", new_y="NEXT")
            document.set_x(72)
        if page_number == 0:
            document.set_xy(72, 300)
            for line in SECOND_BLOCK_LINES:
                document.cell(400, 20, line)
    document.output(str(path))


def text_image(text: str, size: tuple[int, int] = (600, 200)) -> Image.Image:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((20, 80), text, fill="black", font_size=40)
    return image


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png_declaring_size(width: int, height: int) -> bytes:
    """A valid-looking PNG whose header declares ``width``×``height`` (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def write_encrypted_pdf(path: Path) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=12)
    document.cell(100, 10, "secret")
    document.set_encryption(owner_password="owner", user_password="user")
    document.output(str(path))


def write_scanned_pdf(path: Path, picture: Path, text: str = "Scanned words only") -> None:
    """One page that is only a picture of text, as a scanner makes it."""
    text_image(text).save(picture)
    document = FPDF(unit="pt", format="A4")
    document.add_page()
    document.image(str(picture), x=50, y=50, w=400)
    document.output(str(path))


def handmade_pdf(
    content: bytes, *, media_box: bytes = b"0 0 200 200", resources: bytes = b""
) -> bytes:
    """A one-page PDF written byte by byte: ``content`` is the page's drawing operations
    (stored compressed), ``resources`` extra objects numbered from 5 (an image XObject as
    ``/Im1``). Small on disk whatever the content expands to."""
    stream = zlib.compress(content, 9)
    xobject = b" /Resources << /XObject << /Im1 5 0 R >> >>" if resources else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox ["
        + media_box
        + b"] /Contents 4 0 R"
        + xobject
        + b" >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    if resources:
        objects.append(resources)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def pdf_drawing_image(width: int, height: int) -> bytes:
    """A 200 pt page drawing one grey image of ``width``×``height`` pixels (all black: its
    compressed data is tiny, its decoded size is not)."""
    compressor = zlib.compressobj(9)
    row_block = bytes(width * min(height, 256))
    data = (
        b"".join(
            compressor.compress(row_block[: width * min(256, height - start)])
            for start in range(0, height, 256)
        )
        + compressor.flush()
    )
    image = (
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (width, height, len(data))
        + data
        + b"\nendstream"
    )
    return handmade_pdf(b"q 200 0 0 200 0 0 cm /Im1 Do Q", resources=image)
