"""What is wrong with a collection file that cannot be opened, found before SQLite touches it.

SQLite treats a 0-byte file as an empty database and would happily create a fresh, empty
collection in its place; a file cut short opens and fails later, query by query. Both are
refused here, with a message that says what happened, so the learner can restore a backup
instead of losing everything to an empty collection.
"""

from __future__ import annotations

import errno
from pathlib import Path

from app.core.errors import BadInputError, CirrusError
from app.sqlite import sqlite3
from app.storage.lock import FolderReadOnlyError

_MAGIC = b"SQLite format 3\x00"
_HEADER = 100
_READ_ONLY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


class CollectionDamagedError(BadInputError):
    """The collection file exists but is not a sound SQLite database."""

    kind = "damaged"
    exit_code = 2

    def __init__(self, path: Path, why: str) -> None:
        self.path = path
        self.why = why
        super().__init__(
            f"the collection {path} is damaged: {why}; restore a backup "
            "(cirrus restore FILE) or move the file away"
        )


def check_file(path: Path, *, size_check: bool = True) -> None:
    """Refuse a collection file that is empty, not SQLite, or shorter than its header says.

    ``size_check`` compares the file's length with the page count in its header; leave it
    off while another process may be checkpointing the file.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return  # a new collection
    except OSError as exc:
        raise CirrusError(f"cannot read {path}: {exc.strerror}") from exc
    if size == 0:
        raise CollectionDamagedError(path, "the file is empty (0 bytes)")
    try:
        with path.open("rb") as f:
            head = f.read(_HEADER)
    except OSError as exc:
        if exc.errno in _READ_ONLY_ERRNOS:
            raise FolderReadOnlyError(f"cannot read {path}: {exc.strerror}") from exc
        raise CirrusError(f"cannot read {path}: {exc.strerror}") from exc
    if len(head) < _HEADER or not head.startswith(_MAGIC):
        why = f"it is not a Cirrus collection (not SQLite; {size} bytes)"
        raise CollectionDamagedError(path, why)
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    # The page count is valid when the change counter matches "version-valid-for".
    if size_check and pages and head[24:28] == head[92:96] and size < pages * page_size:
        if _sound_with_wal(path):
            return  # a checkpoint was cut short; the write-ahead log completes the file
        raise CollectionDamagedError(
            path, f"the file was cut short ({size} of {pages * page_size} bytes)"
        )


def _sound_with_wal(path: Path) -> bool:
    """Whether a write-ahead log beside ``path`` makes the database whole again."""
    wal = path.with_name(path.name + "-wal")
    try:
        if wal.stat().st_size == 0:
            return False
    except OSError:
        return False
    try:
        db = sqlite3.connect(path)
        try:
            return bool(db.execute("PRAGMA quick_check").fetchone()[0] == "ok")
        finally:
            db.close()
    except sqlite3.Error:
        return False


def classify(path: Path, exc: sqlite3.Error) -> CirrusError:
    """The error to report for ``exc``, raised while opening or upgrading ``path``."""
    message = str(exc)
    if "readonly" in message or "read-only" in message:
        return FolderReadOnlyError(
            f"the collection {path} is read-only; Cirrus needs to write it: fix the "
            "permissions of the file and its folder, or choose another folder"
        )
    if "unable to open" in message:
        return CirrusError(f"cannot open {path}: {message}")
    return CollectionDamagedError(path, message)
