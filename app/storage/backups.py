"""Consistent, compressed, rotated backups through SQLite's online backup API."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import zstandard

from app.core.errors import BadInputError, CirrusError
from app.sqlite import sqlite3
from app.storage.migrations import LATEST

_ROTATED = re.compile(r"^cirrus-(\d{8})-(\d{6})\.sqlite\.zst$")
SUFFIX = ".sqlite.zst"
_CLOCK_SLACK = timedelta(minutes=5)
RAW_PREFIX = ".backup-"
"""Uncompressed copies in the making are ``.backup-*.sqlite``; finished files are written
as ``*.part`` and renamed. Both are leftovers when found at start (see leftovers.py)."""


class BackupFailed(CirrusError):
    """The backup folder cannot be written; the collection itself is untouched."""

    kind = "backup_failed"

    def __init__(self, dest_dir: Path, reason: str) -> None:
        self.dest_dir = dest_dir
        self.reason = reason
        super().__init__(
            f"cannot write backups to {dest_dir}: {reason}. Your collection is safe but is "
            "not being backed up; make the folder writable or choose another one "
            "(cirrus config backup_dir FOLDER)"
        )


class SourceDamaged(CirrusError, sqlite3.DatabaseError):
    """The collection cannot be read to back it up (still a ``sqlite3.DatabaseError``)."""

    kind = "damaged"


def write_backup(db_path: Path, dest_dir: Path, now: datetime, prefix: str = "cirrus") -> Path:
    """Copy the live database (even while it is in use) into ``dest_dir``, compressed."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    target = dest_dir / f"{prefix}-{stamp}{SUFFIX}"
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        fd, raw_name = tempfile.mkstemp(prefix=RAW_PREFIX, suffix=".sqlite", dir=dest_dir)
    except OSError as exc:
        raise BackupFailed(dest_dir, _reason(exc)) from exc
    os.close(fd)
    raw = Path(raw_name)
    try:
        src = sqlite3.connect(db_path)
        dst = sqlite3.connect(raw)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        part = target.with_name(target.name + ".part")
        with raw.open("rb") as fin, part.open("wb") as fout:
            zstandard.ZstdCompressor(level=6).copy_stream(fin, fout)
            fout.flush()
            os.fsync(fout.fileno())
        part.replace(target)
    except OSError as exc:
        raise BackupFailed(dest_dir, _reason(exc)) from exc
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and not _damaged(exc):
            raise BackupFailed(dest_dir, str(exc)) from exc  # the copy could not be written
        raise SourceDamaged(f"cannot back up {db_path}: {exc}") from exc  # nor read
    finally:
        raw.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            target.with_name(target.name + ".part").unlink(missing_ok=True)
    return target


def _damaged(exc: sqlite3.Error) -> bool:
    """Whether SQLite's error says the collection is damaged (some builds of the module
    raise such an error of a backup as an ``OperationalError``)."""
    name = getattr(exc, "sqlite_errorname", "")
    return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or any(
        words in str(exc) for words in ("malformed", "not a database")
    )


def _reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, NotADirectoryError | FileExistsError):
        return "a file is in the way of the folder"
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EROFS:
        return "the drive is read-only"
    return exc.strerror or str(exc)


def rotated_backups(dest_dir: Path) -> list[tuple[datetime, Path]]:
    """Regular backups in ``dest_dir``, newest first (by the time in their name)."""
    found: list[tuple[datetime, Path]] = []
    if not dest_dir.is_dir():
        return found
    for path in dest_dir.iterdir():
        m = _ROTATED.match(path.name)
        if m:
            when = datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            found.append((when, path))
    return sorted(found, reverse=True)


def rotate(
    dest_dir: Path, daily: int = 7, weekly: int = 4, now: datetime | None = None
) -> list[Path]:
    """Keep the newest backup of each of the last ``daily`` days and of ``weekly`` weeks
    before those; delete the rest. Returns the deleted files.

    Backups stamped after ``now`` (written while the clock was wrong, or copied from
    another machine) take no place in the rotation: they neither push today's backups
    out nor get deleted, except that only the newest ``daily`` of them are kept.
    """
    found = rotated_backups(dest_dir)
    cutoff = (now or datetime.now(UTC)).astimezone(UTC) + _CLOCK_SLACK
    future = [(when, path) for when, path in found if when > cutoff]
    past = [(when, path) for when, path in found if when <= cutoff]
    keep: set[Path] = {path for _, path in future[:daily]}
    days: set[str] = set()
    weeks: set[tuple[int, int]] = set()
    weekly_kept = 0
    for when, path in past:
        day = when.strftime("%Y%m%d")
        week = when.isocalendar()[:2]
        if day in days:
            continue
        if len(days) < daily:
            days.add(day)
            weeks.add(week)
            keep.add(path)
        elif week not in weeks and weekly_kept < weekly:
            weeks.add(week)
            weekly_kept += 1
            keep.add(path)
    deleted = [p for _, p in found if p not in keep]
    for path in deleted:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
    return deleted


def last_backup_time(dest_dir: Path, now: datetime | None = None) -> datetime | None:
    """When the newest regular backup was written; one stamped after ``now`` is ignored,
    so a backup from a clock set ahead never stops the daily backup."""
    cutoff = (now or datetime.now(UTC)).astimezone(UTC) + _CLOCK_SLACK
    found = [when for when, _ in rotated_backups(dest_dir) if when <= cutoff]
    return found[0] if found else None


def unpack_backup(backup: Path, target: Path) -> None:
    """Decompress ``backup`` into ``target`` and check it is a sound Cirrus collection."""
    try:
        with backup.open("rb") as fin, target.open("wb") as fout:
            zstandard.ZstdDecompressor().copy_stream(fin, fout)
    except FileNotFoundError as exc:
        raise BadInputError(f"{backup}: no such file") from exc
    except zstandard.ZstdError as exc:
        raise BadInputError(f"{backup}: not a Cirrus backup (not zstd-compressed)") from exc
    try:
        db = sqlite3.connect(target)
        try:
            ok = db.execute("PRAGMA integrity_check").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"{backup}: the backup is damaged ({exc})") from exc
    if ok != "ok" or not {"card", "review_log"} <= tables:
        raise BadInputError(f"{backup}: the backup is damaged or not a Cirrus collection")
    if version > LATEST:
        raise BadInputError(f"{backup}: written by a newer Cirrus (schema {version})")
