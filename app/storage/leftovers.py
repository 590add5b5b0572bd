"""What a killed process leaves behind, and removing it at the next start.

Work that can be interrupted writes beside its target and renames into place, so a
kill leaves only files of known shapes:

- ``tmp/<purpose>-<pid>-*``: import work folders and media staging (``stage-*``);
- ``media/*.part``: a media file being copied (older versions copied in place);
- ``<backups>/.backup-*.sqlite`` and ``<backups>/*.sqlite.zst.part``: a backup being
  written;
- ``collection.sqlite.restoring``: a backup being unpacked by ``cirrus restore``.

:func:`sweep` removes them when a collection is opened. Staged media whose import did
commit (the process died between the commit and moving the files) are moved into the
store instead, so nothing the database refers to is lost. A folder whose owning process
is still running is left alone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.core.process import process_alive
from app.storage.backups import RAW_PREFIX, SUFFIX

log = logging.getLogger(__name__)

TMP = "tmp"
STAGE = "stage"
RESTORING = ".restoring"
_OWNED = re.compile(r"^[a-z]+-(\d+)-")
_MEDIA = re.compile(r"^([0-9a-f]{64})(\.[A-Za-z0-9]{1,8})?$")


@dataclass
class Swept:
    """What :func:`sweep` did."""

    removed: list[Path] = field(default_factory=list)
    """Leftover files and folders removed (a folder counts once)."""
    removed_files: int = 0
    """Files removed, those inside removed folders included."""
    recovered: list[Path] = field(default_factory=list)
    """Staged media of a committed import, moved into the store."""


def temp_root(data_dir: Path) -> Path:
    return data_dir / TMP


def new_temp_folder(data_dir: Path, purpose: str) -> Path:
    """A fresh work folder ``tmp/<purpose>-<pid>-*`` inside the data folder."""
    root = temp_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{purpose}-{os.getpid()}-", dir=root))


def temp_folder(data_dir: Path, purpose: str) -> tempfile.TemporaryDirectory[str]:
    """Like :func:`new_temp_folder`, removed when the ``with`` block ends."""
    root = temp_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix=f"{purpose}-{os.getpid()}-", dir=root)


def sweep(data_dir: Path, backup_dirs: Iterable[Path], engine: Engine) -> Swept:
    """Remove what killed processes left in ``data_dir`` and the backup folders.

    Call it only while this process holds the collection (no other writer runs).
    """
    swept = Swept()
    _remove(data_dir / ("collection.sqlite" + RESTORING), swept)
    root = temp_root(data_dir)
    if root.is_dir():
        known: set[str] | None = None
        for entry in sorted(_listdir(root)):
            if _in_use(entry.name):
                continue
            if entry.name.startswith(STAGE + "-") and entry.is_dir():
                if known is None:
                    try:
                        known = _known_media(engine)
                    except SQLAlchemyError as exc:  # keep staged media until it can be read
                        log.error("cannot read the media list; staged media kept: %s", exc)
                        continue
                _recover_staged(entry, data_dir / "media", known, swept)
            _remove(entry, swept)
    media = data_dir / "media"
    for entry in _listdir(media):
        if entry.name.endswith(".part"):
            _remove(entry, swept)
    for folder in {Path(d) for d in backup_dirs}:
        for entry in _listdir(folder):
            raw = entry.name.startswith(RAW_PREFIX) and entry.name.endswith(".sqlite")
            if raw or entry.name.endswith(SUFFIX + ".part"):
                _remove(entry, swept)
    if swept.removed or swept.recovered:
        log.info(
            "removed %d leftover files in %d places, recovered %d staged media files",
            swept.removed_files,
            len(swept.removed),
            len(swept.recovered),
        )
    return swept


def _listdir(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _known_media(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {str(r[0]) for r in conn.execute(text("SELECT sha256 FROM media"))}


def _recover_staged(stage: Path, media: Path, known: set[str], swept: Swept) -> None:
    """Move staged files the database lists (their import committed) into the store."""
    for file in _listdir(stage):
        m = _MEDIA.match(file.name)
        if m is None or m.group(1) not in known or (media / file.name).exists():
            continue
        try:
            media.mkdir(parents=True, exist_ok=True)
            file.replace(media / file.name)
        except OSError as exc:
            log.warning("could not move staged media %s into the store: %s", file, exc)
            continue
        swept.recovered.append(media / file.name)


def _remove(path: Path, swept: Swept) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            count = sum(1 for p in path.rglob("*") if not p.is_dir())
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            count = 1
            path.unlink()
        else:
            return
    except OSError as exc:
        log.warning("could not remove leftover %s: %s", path, exc)
        return
    swept.removed.append(path)
    swept.removed_files += count


def _in_use(name: str) -> bool:
    """Whether the process named in ``<purpose>-<pid>-*`` is still running."""
    m = _OWNED.match(name)
    if m is None:
        return False
    pid = int(m.group(1))
    return pid == os.getpid() or process_alive(pid)
