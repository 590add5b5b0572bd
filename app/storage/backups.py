"""Consistent, compressed, rotated backups through SQLite's online backup API."""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import zstandard

from app.core.errors import BadInputError, CirrusError
from app.storage.migrations import LATEST

_ROTATED = re.compile(r"^cirrus-(\d{8})-(\d{6})\.sqlite\.zst$")
SUFFIX = ".sqlite.zst"


def write_backup(db_path: Path, dest_dir: Path, now: datetime, prefix: str = "cirrus") -> Path:
    """Copy the live database (even while it is in use) into ``dest_dir``, compressed."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    target = dest_dir / f"{prefix}-{stamp}{SUFFIX}"
    fd, raw_name = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite", dir=dest_dir)
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
        raise CirrusError(f"backup to {dest_dir} failed: {exc.strerror or exc}") from exc
    finally:
        raw.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            target.with_name(target.name + ".part").unlink(missing_ok=True)
    return target


def rotated_backups(dest_dir: Path) -> list[tuple[datetime, Path]]:
    """Regular backups in ``dest_dir``, newest first."""
    found: list[tuple[datetime, Path]] = []
    if not dest_dir.is_dir():
        return found
    for path in dest_dir.iterdir():
        m = _ROTATED.match(path.name)
        if m:
            when = datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            found.append((when, path))
    return sorted(found, reverse=True)


def rotate(dest_dir: Path, daily: int = 7, weekly: int = 4) -> list[Path]:
    """Keep the newest backup of each of the last ``daily`` days and of ``weekly`` weeks
    before those; delete the rest. Returns the deleted files."""
    keep: set[Path] = set()
    days: set[str] = set()
    weeks: set[tuple[int, int]] = set()
    weekly_kept = 0
    for when, path in rotated_backups(dest_dir):
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
    deleted = [p for _, p in rotated_backups(dest_dir) if p not in keep]
    for path in deleted:
        path.unlink(missing_ok=True)
    return deleted


def last_backup_time(dest_dir: Path) -> datetime | None:
    found = rotated_backups(dest_dir)
    return found[0][0] if found else None


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
