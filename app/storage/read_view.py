"""A read-only view of a collection that this process may not write.

Used while another process holds the data folder's lock (the view reads through SQLite's
write-ahead log what that process commits) or when the folder is read-only.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from app.sqlite import sqlite3
from app.storage import migrations
from app.storage.engine import read_only_engine, read_only_uri
from app.storage.file_check import check_file
from app.storage.lock import FolderReadOnlyError, LockedError


def view_engine(path: Path, refused: LockedError | FolderReadOnlyError) -> Engine:
    """An engine that only reads ``path``; raises ``refused`` when no view can be had.

    No view is had of a missing file or of one whose schema is not the newest (only a
    writer may upgrade it).
    """
    check_file(path, size_check=False)  # another process may be checkpointing it
    if not path.exists():
        raise refused
    # A read-only folder with no write-ahead log: nothing can change the file.
    frozen = isinstance(refused, FolderReadOnlyError) and not _has_wal(path)
    try:
        db = sqlite3.connect(read_only_uri(path, frozen), uri=True)
        try:
            version = migrations.schema_version(db)
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise refused from exc
    if version != migrations.LATEST:
        raise refused
    return read_only_engine(path, frozen)


def _has_wal(path: Path) -> bool:
    wal = Path(str(path) + "-wal")
    return wal.exists() and wal.stat().st_size > 0
