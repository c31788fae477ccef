"""ZIP uploads, member by member, with every member checked before and while it is read.

A ZIP is untrusted in three ways: member names can escape the destination (``../``,
absolute paths, drive letters, symlinks), sizes in the headers can lie (a 40 KB file that
inflates to 40 GB), and the central directory can list millions of entries. Names are
validated, declared sizes and ratios are checked first, and then every byte is counted as
it is inflated, so a lying header cannot get past the caps.

Following the importers' rule, one bad member never aborts the archive: each member yields
either an :class:`ArchiveMember` or an :class:`ArchiveMemberError` for the import report.
Only problems with the archive as a whole (not a ZIP, too many entries) raise.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from visualner.documents.sniff import FileKind, sniff_bytes
from visualner.errors import InvalidInput, TooLarge, UnsupportedFile, VisualnerError

logger = logging.getLogger(__name__)

#: Members whose compression ratio stays under this size are never called bombs: a small
#: blank page legitimately compresses 1000:1.
RATIO_CHECK_FLOOR_BYTES = 1 << 20
_CHUNK_BYTES = 1 << 20
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_EOCD_SIZE = 22
_CD_SIGNATURE = b"PK\x01\x02"
_CD_HEADER_SIZE = 46
_MAX_COMMENT = 0xFFFF


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """Caps for one archive; the defaults suit an interactive upload."""

    max_members: int = 10_000
    max_member_bytes: int = 200 * 1024 * 1024
    #: for all members together, and for every archive of one import: ``already_inflated``
    #: is what the import's earlier archives took
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_ratio: float = 200.0
    already_inflated: int = 0


@dataclass(frozen=True, slots=True)
class ArchiveMember:
    """A good member, extracted to ``path`` (deleted when the iteration moves on)."""

    name: str
    path: Path
    size: int


@dataclass(frozen=True, slots=True)
class ArchiveMemberError:
    """A member that was refused; ``error.message`` says why, for the import report."""

    name: str
    error: VisualnerError


def iter_zip_members(
    archive: Path,
    *,
    dest_dir: Path,
    limits: ArchiveLimits | None = None,
    display_name: str | None = None,
) -> Generator[ArchiveMember | ArchiveMemberError, None, None]:
    """Yield each file in a ZIP as an extracted temp file, or an error record.

    Directories and OS junk (``__MACOSX/``, ``.DS_Store``, ``._*`` resource forks) are
    skipped silently. Each member's temp file in ``dest_dir`` is removed when the caller
    asks for the next member or closes the generator; move it away to keep it. Nested ZIPs are
    not opened: they come back as an error asking for the inner archive to be uploaded on
    its own, because every level of nesting multiplies what a bomb can do.

    Raises ``InvalidInput`` when the file is not a readable ZIP and ``TooLarge`` when its
    directory lists more than ``limits.max_members`` entries.
    """
    limits = limits or ArchiveLimits()
    name = display_name or archive.name
    directory = _central_directory(archive, name)
    if directory.declared_entries > limits.max_members:
        raise TooLarge(
            f"{name} lists {directory.declared_entries:,} entries, above the "
            f"{limits.max_members:,}-file cap; split it into smaller archives"
        )
    if _counted_entries(archive, directory, limits) > limits.max_members:
        raise TooLarge(
            f"{name} holds more than {limits.max_members:,} entries (its end record says "
            f"{directory.declared_entries:,}), above the {limits.max_members:,}-file cap; "
            "split it into smaller archives"
        )
    try:
        zip_file = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InvalidInput(f"{name} is not a readable ZIP archive ({exc})") from exc
    archive_bytes = archive.stat().st_size
    with zip_file:
        total_bytes = 0
        for info in zip_file.infolist():
            if info.is_dir() or _is_junk(info.filename):
                continue
            checked = _check_member(info, archive_name=name, limits=limits)
            if isinstance(checked, ArchiveMemberError):
                yield checked
                continue
            inflated = limits.already_inflated + total_bytes
            budget = min(limits.max_member_bytes, limits.max_total_bytes - inflated)
            if budget <= 0:
                yield ArchiveMemberError(
                    checked,
                    TooLarge(
                        f"{checked} in {name}: skipped, the import's archives already "
                        f"inflated to the {_mib(limits.max_total_bytes)} cap for all their "
                        "files together"
                    ),
                )
                continue
            if total_bytes > RATIO_CHECK_FLOOR_BYTES and (
                total_bytes > limits.max_ratio * max(archive_bytes, 1)
            ):  # many small members, each under the floor of the per-member check
                yield ArchiveMemberError(
                    checked,
                    TooLarge(
                        f"{checked} in {name}: skipped, the archive already inflated to more "
                        f"than {limits.max_ratio:g}× its size (a zip bomb?)"
                    ),
                )
                continue
            result = _extract_member(
                zip_file, info, safe_name=checked, archive_name=name, budget=budget,
                limits=limits, dest_dir=dest_dir,
            )  # fmt: skip
            if isinstance(result, ArchiveMemberError):
                yield result
                continue
            total_bytes += result.size
            try:
                yield result
            finally:
                result.path.unlink(missing_ok=True)


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MiB"


def _is_junk(filename: str) -> bool:
    """macOS and Windows metadata that users never meant to upload."""
    parts = filename.replace("\\", "/").split("/")
    return parts[0] == "__MACOSX" or parts[-1] in _JUNK_NAMES or parts[-1].startswith("._")


def safe_member_name(raw_name: str) -> str | None:
    """A relative POSIX path for a member name, or None if it points outside the archive.

    Refused: absolute paths, Windows drive letters and UNC paths, any ``..`` component, and
    names that are empty once ``.`` components are dropped. Backslashes count as separators
    (archives made on Windows use them) and control characters are removed.
    """
    name = _CONTROL_CHARS.sub("", raw_name.replace("\\", "/"))
    if name.startswith("/") or _DRIVE_LETTER.match(name):
        return None
    parts = [part for part in PurePosixPath(name).parts if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _printable(raw_name: str) -> str:
    return _CONTROL_CHARS.sub("?", raw_name)


def _check_member(
    info: zipfile.ZipInfo, *, archive_name: str, limits: ArchiveLimits
) -> str | ArchiveMemberError:
    """The member's safe name, or why it is refused before a byte is inflated."""
    raw = _printable(info.filename)
    safe_name = safe_member_name(info.filename)
    if safe_name is None:
        return ArchiveMemberError(
            raw,
            InvalidInput(
                f"{raw!r} in {archive_name}: refused, the name points outside the archive "
                "(absolute path, drive letter or '..')"
            ),
        )
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
        return ArchiveMemberError(
            safe_name,
            InvalidInput(f"{safe_name} in {archive_name}: refused, it is a symbolic link"),
        )
    if info.flag_bits & 0x1:
        return ArchiveMemberError(
            safe_name,
            InvalidInput(f"{safe_name} in {archive_name} is password-protected"),
        )
    if info.file_size > limits.max_member_bytes:
        return ArchiveMemberError(
            safe_name,
            TooLarge(
                f"{safe_name} in {archive_name} is {_mib(info.file_size)} uncompressed, above "
                f"the {_mib(limits.max_member_bytes)} cap for one file"
            ),
        )
    if info.file_size > RATIO_CHECK_FLOOR_BYTES and (
        info.file_size > limits.max_ratio * max(info.compress_size, 1)
    ):
        return ArchiveMemberError(safe_name, _ratio_error(safe_name, archive_name, limits))
    return safe_name


def _ratio_error(safe_name: str, archive_name: str, limits: ArchiveLimits) -> TooLarge:
    return TooLarge(
        f"{safe_name} in {archive_name}: refused, it inflates more than "
        f"{limits.max_ratio:g}× its compressed size (a zip bomb?)"
    )


def _extract_member(
    zip_file: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    *,
    safe_name: str,
    archive_name: str,
    budget: int,
    limits: ArchiveLimits,
    dest_dir: Path,
) -> ArchiveMember | ArchiveMemberError:
    """Inflate one member to a temp file, counting bytes; never trusts the header sizes."""
    descriptor, temp_name = tempfile.mkstemp(dir=dest_dir, prefix="zip-member-")
    temp_path = Path(temp_name)
    written = 0
    error: VisualnerError | None = None
    try:
        with os.fdopen(descriptor, "wb") as out, zip_file.open(info) as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                if written == 0 and (error := _nested_archive_error(chunk, safe_name)):
                    break
                written += len(chunk)
                if written > budget:
                    error = TooLarge(
                        f"{safe_name} in {archive_name}: refused, it inflates past the "
                        f"{_mib(budget)} left under the archive's caps"
                    )
                    break
                if written > RATIO_CHECK_FLOOR_BYTES and (
                    written > limits.max_ratio * max(info.compress_size, 1)
                ):
                    error = _ratio_error(safe_name, archive_name, limits)
                    break
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        error = InvalidInput(f"{safe_name} in {archive_name} is damaged ({exc})")
    except NotImplementedError as exc:  # compression methods zipfile lacks (e.g. deflate64)
        error = UnsupportedFile(f"{safe_name} in {archive_name}: {exc}")
    if error is not None:
        temp_path.unlink(missing_ok=True)
        logger.info("zip member refused: %s", error.message)
        return ArchiveMemberError(safe_name, error)
    return ArchiveMember(name=safe_name, path=temp_path, size=written)


def _nested_archive_error(head: bytes, safe_name: str) -> VisualnerError | None:
    try:
        kind = sniff_bytes(head, display_name=safe_name)
    except VisualnerError:
        return None  # the importer sniffs again and reports unsupported content itself
    if kind is FileKind.ZIP:
        return UnsupportedFile(
            f"{safe_name} is a ZIP inside the ZIP; nested archives are not opened, upload "
            "it on its own"
        )
    return None


@dataclass(frozen=True, slots=True)
class _CentralDirectory:
    """Where the central directory is, and how many entries its end record declares."""

    declared_entries: int
    start: int = 0
    size: int = 0


def _central_directory(archive: Path, name: str) -> _CentralDirectory:
    """The end record's entry count and the directory's place (it ends where the end record,
    or its ZIP64 twin, starts), read from the last 64 KiB alone.

    ``zipfile.ZipFile`` builds an object per entry before we could count them, so a
    directory of millions of entries is refused first. No end record found: 0 entries;
    ``ZipFile`` then reports the damage.
    """
    try:
        with archive.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            file_size = handle.tell()
            tail_size = min(file_size, _EOCD_SIZE + _MAX_COMMENT)
            handle.seek(file_size - tail_size)
            tail = handle.read(tail_size)
            position = tail.rfind(_EOCD_SIGNATURE)
            if position < 0 or position + _EOCD_SIZE > len(tail):
                return _CentralDirectory(0)
            entries, size = struct.unpack_from("<HI", tail, position + 10)
            end = file_size - tail_size + position
            if entries != 0xFFFF and size != 0xFFFFFFFF:
                return _CentralDirectory(int(entries), max(0, end - size), int(size))
            return _zip64_directory(handle, end)
    except OSError as exc:
        raise InvalidInput(f"{name} could not be read ({exc})") from exc


def _zip64_directory(handle: BinaryIO, eocd_offset: int) -> _CentralDirectory:
    """The ZIP64 end record's entry count and directory, via the locator just before the
    classic record."""
    locator_offset = eocd_offset - 20
    if locator_offset < 0:
        return _CentralDirectory(0xFFFF)
    handle.seek(locator_offset)
    locator = handle.read(20)
    if locator[:4] != _ZIP64_LOCATOR_SIGNATURE:
        return _CentralDirectory(0xFFFF)
    record_offset = struct.unpack_from("<Q", locator, 8)[0]
    handle.seek(record_offset)
    record = handle.read(56)
    if record[:4] != _ZIP64_EOCD_SIGNATURE or len(record) < 56:
        return _CentralDirectory(0xFFFF)
    entries, size = struct.unpack_from("<QQ", record, 32)
    return _CentralDirectory(int(entries), max(0, record_offset - size), int(size))


def _counted_entries(archive: Path, directory: _CentralDirectory, limits: ArchiveLimits) -> int:
    """The entries the central directory really holds, walked header by header as
    ``zipfile`` will walk them (the end record's count can lie: patched to 1, it let 120
    members through a 50-member cap). Stops one past the cap, so a directory of a million
    entries costs no more than the cap's worth of reading."""
    count = 0
    offset = 0
    with archive.open("rb") as handle:
        handle.seek(directory.start)
        while offset + _CD_HEADER_SIZE <= directory.size and count <= limits.max_members:
            header = handle.read(_CD_HEADER_SIZE)
            if len(header) < _CD_HEADER_SIZE or header[:4] != _CD_SIGNATURE:
                break  # zipfile reports the damage
            name_length, extra_length, comment_length = struct.unpack_from("<HHH", header, 28)
            variable = name_length + extra_length + comment_length
            handle.seek(variable, os.SEEK_CUR)
            offset += _CD_HEADER_SIZE + variable
            count += 1
    return count
