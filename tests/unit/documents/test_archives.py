"""ZIP members: each bad one becomes an error record, the good ones still come through."""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from visualner.documents.archives import (
    ArchiveLimits,
    ArchiveMember,
    ArchiveMemberError,
    iter_zip_members,
    safe_member_name,
)
from visualner.errors import InvalidInput, TooLarge, UnsupportedFile

from .conftest import png_bytes, text_image

PNG = png_bytes(text_image("page"))


def make_zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def test_yields_good_members_with_their_bytes(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "pages.zip", [("scans/p1.png", PNG), ("p2.png", PNG)])
    members = list(iter_zip_members(archive, dest_dir=tmp_path))
    assert [(m.name, m.size) for m in members if isinstance(m, ArchiveMember)] == [
        ("scans/p1.png", len(PNG)),
        ("p2.png", len(PNG)),
    ]


def test_hands_out_a_temp_file_removed_when_iteration_moves_on(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "pages.zip", [("a.png", PNG), ("b.png", PNG)])
    iterator = iter_zip_members(archive, dest_dir=tmp_path)
    first = next(iterator)
    assert isinstance(first, ArchiveMember) and first.path.read_bytes() == PNG
    next(iterator)
    assert not first.path.exists()
    iterator.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pages.zip"]


@pytest.mark.parametrize(
    "evil_name",
    ["../escape.png", "a/../../escape.png", "/etc/passwd", "C:\\windows\\x.png", "..\\escape.png"],
)
def test_refuses_path_traversal_per_member_and_keeps_going(tmp_path: Path, evil_name: str) -> None:
    archive = make_zip(tmp_path / "evil.zip", [(evil_name, PNG), ("good.png", PNG)])
    results = list(iter_zip_members(archive, dest_dir=tmp_path))
    error, good = results
    assert isinstance(error, ArchiveMemberError)
    assert "points outside the archive" in error.error.message
    assert isinstance(good, ArchiveMember) and good.name == "good.png"
    assert not (tmp_path.parent / "escape.png").exists()


def test_normalises_safe_names() -> None:
    assert safe_member_name("./scans//p1.png") == "scans/p1.png"
    assert safe_member_name("scans\\p1.png") == "scans/p1.png"
    assert safe_member_name("..") is None


def test_refuses_symlink_members(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link.png")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = make_zip(tmp_path / "links.zip", [(link, b"/etc/passwd"), ("ok.png", PNG)])
    error, good = list(iter_zip_members(archive, dest_dir=tmp_path))
    assert isinstance(error, ArchiveMemberError)
    assert error.error.message == "link.png in links.zip: refused, it is a symbolic link"
    assert isinstance(good, ArchiveMember)


def test_skips_directories_and_macos_junk(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "mac.zip",
        [
            ("scans/", b""),
            ("__MACOSX/scans/._p1.png", b"junk"),
            ("scans/.DS_Store", b"junk"),
            ("scans/._p1.png", b"junk"),
            ("scans/p1.png", PNG),
        ],
    )
    names = [m.name for m in iter_zip_members(archive, dest_dir=tmp_path)]
    assert names == ["scans/p1.png"]


def test_refuses_a_member_whose_declared_ratio_is_a_bomb(tmp_path: Path) -> None:
    bomb = b"\x00" * (20 * 1024 * 1024)  # deflates about 1000:1
    archive = make_zip(tmp_path / "bomb.zip", [("bomb.png", bomb), ("ok.png", PNG)])
    error, good = list(iter_zip_members(archive, dest_dir=tmp_path))
    assert isinstance(error, ArchiveMemberError) and isinstance(error.error, TooLarge)
    assert "inflates more than 200× its compressed size" in error.error.message
    assert isinstance(good, ArchiveMember)


def test_refuses_a_member_above_the_size_cap(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "big.zip", [("big.png", PNG * 20)])
    limits = ArchiveLimits(max_member_bytes=len(PNG) * 10)
    (error,) = list(iter_zip_members(archive, dest_dir=tmp_path, limits=limits))
    assert isinstance(error, ArchiveMemberError) and isinstance(error.error, TooLarge)
    assert "above the" in error.error.message and "cap for one file" in error.error.message


def test_stops_extracting_when_the_archive_total_is_spent(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "many.zip", [(f"p{n}.png", PNG) for n in range(3)])
    limits = ArchiveLimits(max_total_bytes=len(PNG) * 2)
    results = list(iter_zip_members(archive, dest_dir=tmp_path, limits=limits))
    assert [type(r) for r in results] == [ArchiveMember, ArchiveMember, ArchiveMemberError]
    assert "cap for all their files together" in results[2].error.message  # type: ignore[union-attr]


def lie_about_size(data: bytes, member: str, declared: int) -> bytes:
    """Rewrite a member's uncompressed size in both headers (a crafted bomb's trick)."""
    patched = bytearray(data)
    name = member.encode()
    local = patched.find(b"PK\x03\x04")
    while local >= 0:
        name_length = struct.unpack_from("<H", patched, local + 26)[0]
        if patched[local + 30 : local + 30 + name_length] == name:
            struct.pack_into("<I", patched, local + 22, declared)
        local = patched.find(b"PK\x03\x04", local + 4)
    central = patched.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", patched, central + 28)[0]
        if patched[central + 46 : central + 46 + name_length] == name:
            struct.pack_into("<I", patched, central + 24, declared)
        central = patched.find(b"PK\x01\x02", central + 4)
    return bytes(patched)


def test_never_trusts_a_header_that_understates_the_size(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("liar.png", PNG * 50)
        archive.writestr("ok.png", PNG)
    path = tmp_path / "liar.zip"
    path.write_bytes(lie_about_size(buffer.getvalue(), "liar.png", 100))
    error, good = list(iter_zip_members(path, dest_dir=tmp_path))
    assert isinstance(error, ArchiveMemberError) and isinstance(error.error, InvalidInput)
    assert error.error.message.startswith("liar.png in liar.zip is damaged")
    assert isinstance(good, ArchiveMember) and good.size == len(PNG)


def test_does_not_open_nested_zips(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("p.png", PNG)
    outer = make_zip(tmp_path / "outer.zip", [("inner.zip", inner.getvalue()), ("ok.png", PNG)])
    error, good = list(iter_zip_members(outer, dest_dir=tmp_path))
    assert isinstance(error, ArchiveMemberError) and isinstance(error.error, UnsupportedFile)
    assert "nested archives are not opened" in error.error.message
    assert isinstance(good, ArchiveMember)


def test_refuses_an_archive_with_too_many_entries_before_reading_them(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "crowd.zip", [(f"{n}.png", b"x") for n in range(6)])
    with pytest.raises(
        TooLarge, match=re.escape("crowd.zip lists 6 entries, above the 5-file cap")
    ):
        next(iter_zip_members(archive, dest_dir=tmp_path, limits=ArchiveLimits(max_members=5)))


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 this is not a zip", PNG])
def test_refuses_a_file_that_is_not_a_zip(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=re.escape("fake.zip is not a readable ZIP archive")):
        next(iter_zip_members(path, dest_dir=tmp_path))


def test_reports_a_corrupt_member_and_continues(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bad.png", PNG * 3)
        archive.writestr("ok.png", PNG)
    data = bytearray(buffer.getvalue())
    data[60:90] = b"\xff" * 30  # inside bad.png's deflate stream
    path = tmp_path / "damaged.zip"
    path.write_bytes(bytes(data))
    error, good = list(iter_zip_members(path, dest_dir=tmp_path))
    assert isinstance(error, ArchiveMemberError) and "is damaged" in error.error.message
    assert isinstance(good, ArchiveMember)
