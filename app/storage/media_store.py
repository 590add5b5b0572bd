"""Content-addressed media: each file is stored once as ``<sha256><ext>``."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from sqlalchemy import Connection, text

_NAME = re.compile(r"^[0-9a-f]{64}(\.[A-Za-z0-9]{1,8})?$")


def stored_name(sha256: str, original: str) -> str:
    ext = Path(original).suffix.lower()
    return sha256 + (ext if re.fullmatch(r"\.[a-z0-9]{1,8}", ext) else "")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def add_media_file(
    conn: Connection,
    media_dir: Path,
    source: Path,
    name_hint: str | None = None,
    staging: Path | None = None,
) -> tuple[str, bool]:
    """Copy ``source`` into the store, or into ``staging`` when given (the caller moves
    staged files into the store after its commit); returns (stored name, whether the file
    was written)."""
    original = name_hint or source.name
    sha = file_sha256(source)
    name = stored_name(sha, original)
    target = (staging or media_dir) / name
    created = not (media_dir / name).exists() and not target.exists()
    if created:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    exists = conn.execute(text("SELECT 1 FROM media WHERE sha256 = :s"), {"s": sha}).first()
    if exists is None:
        conn.execute(
            text("INSERT INTO media (sha256, name, size) VALUES (:s, :n, :z)"),
            {"s": sha, "n": original, "z": source.stat().st_size},
        )
    return name, created


def media_path(media_dir: Path, name: str) -> Path | None:
    """The stored file for a ``media/<name>`` link, or None for anything else."""
    if not _NAME.match(name):
        return None
    path = media_dir / name
    return path if path.is_file() else None
