"""Extract members of untrusted archives in blocks, held to :mod:`app.core.input_limits`.

One :class:`Extraction` follows one import: it checks free disk space before anything is
written and again as the bytes grow, and refuses a member as soon as it produces more
than its limit (or decompresses too well), deleting what it had written of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO, Protocol, cast

import zstandard

from app.core import input_limits as limits
from app.core.errors import BadInputError

BLOCK = 1 << 20
_RECHECK_SPACE = 64 * limits.MB


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class CountingReader:
    """A file wrapper that counts the bytes read through it (compressed input)."""

    def __init__(self, raw: Readable) -> None:
        self.raw = raw
        self.count = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self.raw.read(size)
        self.count += len(data)
        return data


def zstd_decompressor() -> zstandard.ZstdDecompressor:
    """A decoder that refuses frames asking for a window over the limit."""
    return zstandard.ZstdDecompressor(max_window_size=limits.MAX_ZSTD_WINDOW)


def _decoded(raw: CountingReader) -> Readable:
    return zstd_decompressor().stream_reader(cast(IO[bytes], raw))


def free_bytes(folder: Path) -> int:
    """Free space on the disk that holds ``folder`` (or its nearest existing parent)."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return shutil.disk_usage(candidate).free
    return shutil.disk_usage(Path.cwd()).free


class Extraction:
    """Bytes one import writes into its work folder, checked as they grow."""

    def __init__(self, source: object, workdir: Path, total_limit: int | None = None) -> None:
        self.source = source
        self.workdir = workdir
        self.total_limit = limits.MAX_TOTAL_BYTES if total_limit is None else total_limit
        self.written = 0
        self._next_space_check = _RECHECK_SPACE

    def reserve(self, needed: int) -> None:
        """Refuse up front when the disk cannot hold ``needed`` more bytes."""
        limits.check_free_space(self.workdir, free_bytes(self.workdir), needed)

    def copy(
        self,
        src: Readable,
        target: Path,
        member: str,
        limit: int,
        zstd: bool = False,
        name: str | None = None,
    ) -> int:
        """Stream ``src`` (zstd-decoded when ``zstd``) into ``target``; returns its size."""
        target.parent.mkdir(parents=True, exist_ok=True)
        counted = CountingReader(src)
        stream: Readable = _decoded(counted) if zstd else counted
        size = 0
        try:
            with target.open("wb") as out:
                while block := stream.read(BLOCK):
                    size += len(block)
                    consumed = counted.count if zstd else None
                    self._check(member, name, size, len(block), limit, consumed)
                    out.write(block)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return size

    def read(self, src: Readable, member: str, limit: int, zstd: bool = False) -> bytes:
        """A small member (media map, meta) into memory, at most ``limit`` bytes."""
        counted = CountingReader(src)
        stream: Readable = _decoded(counted) if zstd else counted
        parts: list[bytes] = []
        size = 0
        while block := stream.read(BLOCK):
            size += len(block)
            if size > limit:
                raise limits.refuse(
                    self.source, member, f"is larger than the limit of {limits.describe(limit)}"
                )
            parts.append(block)
        return b"".join(parts)

    def _check(
        self,
        member: str,
        name: str | None,
        size: int,
        grew: int,
        limit: int,
        compressed: int | None,
    ) -> None:
        if size > limit:
            raise limits.refuse(
                self.source,
                member,
                f"unpacks to more than the limit of {limits.describe(limit)}",
                name,
            )
        if (
            compressed is not None
            and size > limits.RATIO_FLOOR
            and size > limits.MAX_RATIO * max(compressed, 1)
        ):
            raise limits.refuse(
                self.source,
                member,
                f"is compressed more than {limits.MAX_RATIO} to 1 (a zip bomb?)",
                name,
            )
        self.written += grew
        if self.written > self.total_limit:
            raise BadInputError(
                f"{self.source}: unpacks to more than the limit of "
                f"{limits.describe(self.total_limit)} in all (at '{member}'); refused"
            )
        if self.written >= self._next_space_check:
            self._next_space_check = self.written + _RECHECK_SPACE
            self.reserve(0)
