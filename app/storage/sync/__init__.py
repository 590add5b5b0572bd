"""Sync through a folder the learner already replicates (OneDrive, Dropbox, Syncthing, a
network share): no server, no account. See docs/sync.md."""

from __future__ import annotations

import logging
import platform
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import BadInputError, CirrusError
from app.core.timeconv import to_ms
from app.storage import stats_repo
from app.storage.sync.journal import SyncFolder, SyncFolderMissing
from app.storage.sync.report import SyncReport

if TYPE_CHECKING:
    from app.storage.collection import Collection

log = logging.getLogger(__name__)
__all__ = [
    "SyncFolderMissing",
    "SyncReport",
    "SyncUnavailable",
    "device_id",
    "device_name",
    "sync_collection",
]


class SyncUnavailable(CirrusError):
    """The sync folder cannot be reached or written: nothing changed, try again later."""

    kind = "sync_unavailable"


def device_id(col: Collection) -> str:
    """This collection's device id, made on first use (kept in the collection)."""
    value = col.setting("sync_device_id")
    if not value:
        value = uuid.uuid4().hex
        col.set_setting("sync_device_id", value)
    return str(value)


def device_name(col: Collection) -> str:
    return str(col.setting("sync_device_name") or platform.node() or "this computer")


def sync_collection(
    col: Collection, folder: Path | None = None, now: datetime | None = None
) -> SyncReport:
    """Send this device's changes to the sync folder and merge the other devices'."""
    # imported here: answering imports this package (for its review records) on every
    # start, and the sync engine is needed only when a sync runs
    from app.storage.sync.engine import run_sync

    chosen = folder or (Path(col.setting("sync_folder")) if col.setting("sync_folder") else None)
    if chosen is None:
        raise BadInputError("no sync folder chosen (choose one in Tools > Sync, or --folder)")
    if folder is not None and not folder.is_dir():
        raise BadInputError(f"the sync folder {folder} does not exist")
    now = now or datetime.now(UTC)
    device = device_id(col)
    target = SyncFolder(chosen.expanduser())
    media_dir = col.media_dir if col.data_dir is not None else None
    try:
        with col._write() as conn:
            report, reviews_changed = run_sync(conn, target, device, to_ms(now), media_dir)
            if reviews_changed:
                stats_repo.rebuild(conn)
    except SyncFolderMissing as exc:
        raise SyncUnavailable(
            f"{exc}: nothing was synced; Cirrus keeps working and tries again later"
        ) from exc
    except OSError as exc:
        raise SyncUnavailable(
            f"cannot write to the sync folder {chosen}: {exc.strerror or exc}; nothing was "
            "synced, tried again later"
        ) from exc
    finally:
        col._settings.clear()
        col._changed()
    _after(col, target, device, now, report)
    return report


def _after(
    col: Collection, folder: SyncFolder, device: str, now: datetime, report: SyncReport
) -> None:
    """device.json and compaction: outside the transaction, and never fatal."""
    from app.storage.sync.compaction import compact

    info: dict[str, Any] = {"id": device, "name": device_name(col), "last_sync": now.isoformat()}
    try:
        folder.write_device_info(device, info)
        compact(folder, device)
    except OSError as exc:
        log.warning("sync folder housekeeping failed: %s", exc)
