"""Read zip archives (``.qdpx`` projects, ``.xlsx`` workbooks) without trusting their sizes.

A zip says in its central directory how large each entry is when inflated. A hostile or
damaged one (a "zip bomb") inflates a few megabytes into gigabytes. So before anything is
inflated, :func:`check_directory` refuses an archive with an entry that would inflate beyond
``ArchiveLimits.max_entry_bytes``, or that is larger than ``ratio_grace_bytes`` and inflates
more than ``max_ratio`` times its compressed size; and :func:`entry_chunks` reads an entry in
chunks, counting what it inflates, so that an entry whose directory entry lies is refused at
the same limits (Python's ``zipfile`` also stops at the declared size and then finds the
checksum wrong: a damaged archive). Memory stays that of one chunk until the limit is hit.

A problem is one line naming the file and the entry and what to do (``ArchiveProblem``).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "DEFAULT_LIMITS",
    "ArchiveLimits",
    "ArchiveProblem",
    "check_directory",
    "entry_chunks",
    "read_entry",
]

CHUNK = 1 << 20
ENCRYPTED = 0x1  # the general purpose flag of an encrypted entry


@dataclass(frozen=True)
class ArchiveLimits:
    """What one entry of an archive may inflate to.

    The defaults are far above real exports (the demo's largest entry is under 2 MB, a
    project of tens of thousands of coded segments some tens of MB; XML and text compress
    3 to 15 times) and far below what would exhaust a machine's memory."""

    max_entry_bytes: int = 256 << 20
    max_ratio: int = 100
    ratio_grace_bytes: int = 1 << 20
    """Entries up to this size are not held to ``max_ratio`` (a small file of repeated
    characters compresses very well and harms nothing)."""


DEFAULT_LIMITS = ArchiveLimits()


class ArchiveProblem(Exception):
    """An archive that must not be inflated, or is damaged; the message is one line."""


def _size(number: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if number >= 1 << shift:
            return f"{number / (1 << shift):,.1f} {unit}"
    return f"{number:,} bytes"


def _refuse(file: str, entry: str, what: str, remedy: str) -> ArchiveProblem:
    return ArchiveProblem(
        f"{file}: {entry} {what}: a damaged or hostile archive (a zip bomb?), so it is not "
        f"read; {remedy}."
    )


def _check(
    file: str, entry: str, inflated: int, compressed: int, limits: ArchiveLimits, remedy: str
) -> None:
    if inflated > limits.max_entry_bytes:
        raise _refuse(
            file,
            entry,
            f"inflates to more than {_size(limits.max_entry_bytes)}, the most one entry may",
            remedy,
        )
    if inflated > limits.ratio_grace_bytes and inflated > limits.max_ratio * max(compressed, 1):
        raise _refuse(
            file,
            entry,
            f"inflates more than {limits.max_ratio} times its compressed size "
            f"({_size(compressed)} to {_size(inflated)})",
            remedy,
        )


def check_directory(
    archive: zipfile.ZipFile, file: str, remedy: str, limits: ArchiveLimits = DEFAULT_LIMITS
) -> None:
    """Refuse the archive if its central directory declares an entry beyond the limits, or
    an encrypted one (``zipfile`` would need its password)."""
    for info in archive.infolist():
        if info.flag_bits & ENCRYPTED:
            raise ArchiveProblem(
                f"{file}: {info.filename} is encrypted (the archive has a password), so it "
                f"cannot be read; {remedy}, without a password."
            )
        _check(file, info.filename, info.file_size, info.compress_size, limits, remedy)


def entry_chunks(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    file: str,
    remedy: str,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> Iterator[bytes]:
    """The inflated bytes of one entry, a chunk at a time, refused at the limits."""
    inflated = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(CHUNK):
                inflated += len(chunk)
                _check(file, info.filename, inflated, info.compress_size, limits, remedy)
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise ArchiveProblem(
            f"{file}: {info.filename} cannot be inflated ({error}): the archive is damaged "
            f"or cut off; {remedy}."
        ) from None


def read_entry(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    file: str,
    remedy: str,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> bytes:
    """The inflated bytes of one (small enough) entry."""
    return b"".join(entry_chunks(archive, info, file, remedy, limits))
