"""The collection's file: upgrading it (with a backup first), restoring a backup into it,
and turning SQLite's errors into words a learner understands."""

from __future__ import annotations

import logging
import random
import shutil
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from app.core.errors import BadInputError, CirrusError
from app.sqlite import sqlite3
from app.storage import backups, leftovers, migrations
from app.storage.engine import file_engine, memory_engine
from app.storage.file_check import check_file, classify
from app.storage.lock import FolderLock, FolderReadOnlyError, LockedError, holds
from app.storage.read_view import view_engine

if TYPE_CHECKING:
    from app.storage.collection import Collection

log = logging.getLogger("app.storage.collection")
DB_NAME = "collection.sqlite"


def restore_backup(data_dir: Path, backup: Path, now: datetime) -> Path:
    """Replace the collection in ``data_dir`` with ``backup``; the collection must be closed.

    Refused (:class:`LockedError`) while any process, this one included, has it open.
    Returns the copy of what was replaced (``backups/pre-restore-*.sqlite.zst``).
    """
    if holds(data_dir):
        raise CirrusError("close the collection before restoring a backup into it")
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FolderLock.acquire(data_dir, "restore a backup")
    try:
        return _restore_locked(data_dir, backup, now)
    finally:
        lock.release()


def _restore_locked(data_dir: Path, backup: Path, now: datetime) -> Path:
    db_path = data_dir / DB_NAME
    incoming = data_dir / (DB_NAME + ".restoring")
    try:
        backups.unpack_backup(backup, incoming)
        kept = _keep_replaced(db_path, data_dir / "backups", now)
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        incoming.replace(db_path)
    finally:
        incoming.unlink(missing_ok=True)
    _upgrade_file(db_path, data_dir / "backups")
    return kept or db_path


def _keep_replaced(db_path: Path, backup_dir: Path, now: datetime) -> Path | None:
    """Save the collection a restore replaces; a damaged one is copied byte for byte."""
    if not db_path.exists():
        return None
    try:
        return backups.write_backup(db_path, backup_dir, now, prefix="pre-restore")
    except sqlite3.DatabaseError:
        stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
        target = backup_dir / f"damaged-{stamp}.sqlite"
        try:
            backup_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(db_path, target)
        except OSError as exc:
            raise CirrusError(f"cannot keep a copy of {db_path}: {exc.strerror}") from exc
        return target


def _upgrade_file(path: Path, backup_dir: Path) -> None:
    """Create or migrate the database file, copying it aside before an upgrade."""
    try:
        db = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise classify(path, exc) from exc
    try:
        version = migrations.schema_version(db)
        if 0 < version < migrations.LATEST:
            db.close()
            backups.write_backup(
                path, backup_dir, datetime.now(UTC), prefix=f"pre-upgrade-v{version}"
            )
            db = sqlite3.connect(path, isolation_level=None)
        elif version == 0 and _has_tables(db):
            raise BadInputError(f"{path} is not a Cirrus collection")
        migrations.migrate(db)
        db.execute("PRAGMA journal_mode = WAL")
    except migrations.NewerSchemaError as exc:
        raise CirrusError(str(exc)) from exc
    except sqlite3.OperationalError as exc:
        raise classify(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise BadInputError(f"{path} is not a Cirrus collection or is damaged ({exc})") from exc
    finally:
        db.close()


def _has_tables(db: sqlite3.Connection) -> bool:
    return bool(db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0)


def _db_problem(orig: BaseException | None) -> str:
    message = str(orig)
    if "full" in message:
        return "the disk is full: nothing was saved from this step; free some space and retry"
    if "locked" in message:
        return "the collection is busy in another Cirrus window or process"
    if "readonly" in message or "read-only" in message:
        return "the collection file is read-only"
    log.error("database error: %s", message)
    return f"database error: {message}"


def backup_dir(custom: object, data_dir: Path | None) -> Path:
    """The backup folder: the learner's choice, else ``backups`` in the data folder."""
    if custom:
        return Path(str(custom))
    if data_dir is None:
        raise CirrusError("an in-memory collection has no backup folder")
    return data_dir / "backups"


def backup(db_path: Path | None, folder: Path, now: datetime, prefix: str = "cirrus") -> Path:
    if db_path is None:
        raise CirrusError("an in-memory collection cannot be backed up")
    target = backups.write_backup(db_path, folder, now, prefix)
    if prefix == "cirrus":
        backups.rotate(folder, now=now)
    return target


def backup_if_due(db_path: Path | None, folder: Path, now: datetime) -> Path | None:
    last = backups.last_backup_time(folder, now)
    if last is not None and now - last < timedelta(days=1):
        return None
    return backup(db_path, folder, now)


def open_writable(
    cls: type[Collection],
    data_dir: Path,
    tz: tzinfo | None,
    rng: random.Random | None,
    doing: str,
) -> Collection:
    """See :meth:`Collection.open`: the lock first, then the file's checks, the upgrade and
    the sweep of what killed processes left."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CirrusError(f"cannot create the data folder {data_dir}: {exc.strerror}") from exc
    lock = FolderLock.acquire(data_dir, doing)
    try:
        path = data_dir / DB_NAME
        check_file(path)
        _upgrade_file(path, data_dir / "backups")
        collection = cls(file_engine(path), data_dir, tz=tz, rng=rng)
        # this process holds the folder now: what killed ones left can go
        backup_dirs = {data_dir / "backups", collection.backup_dir()}
        leftovers.sweep(data_dir, backup_dirs, collection.engine)
    except BaseException:
        lock.release()
        raise
    collection._lock = lock
    return collection


def open_for_reading(
    cls: type[Collection], data_dir: Path, tz: tzinfo | None, rng: random.Random | None
) -> Collection:
    """See :meth:`Collection.open_for_reading`."""
    try:
        return cls.open(data_dir, tz=tz, rng=rng)
    except (LockedError, FolderReadOnlyError) as exc:
        refused = exc
    collection = cls(view_engine(data_dir / DB_NAME, refused), data_dir, tz=tz, rng=rng)
    collection.locked_by = refused
    return collection


def memory_database() -> Engine:
    """An in-memory database at the newest schema (tests, previews)."""
    engine = memory_engine()
    raw = engine.raw_connection()
    try:
        db = raw.driver_connection
        assert isinstance(db, sqlite3.Connection)
        db.isolation_level = None
        migrations.migrate(db)
        db.isolation_level = "DEFERRED"
    finally:
        raw.close()
    return engine
