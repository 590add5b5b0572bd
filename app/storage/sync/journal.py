"""The files of a sync folder: each device's journal segments, snapshots and device.json,
and the shared content-addressed media.

Layout under the folder the learner chose::

    cirrus-sync/v1/devices/<device-id>/journal-00000001.jsonl   one sync's events
    cirrus-sync/v1/devices/<device-id>/snapshot-00000040.jsonl  segments 1-40 compacted
    cirrus-sync/v1/devices/<device-id>/device.json              name and last sync
    cirrus-sync/v1/media/<sha256><ext>                          media, shared

Every file is written under a temporary name, flushed and renamed into place; journal
segments and media are never rewritten. A segment ends with an ``end`` line that gives
its event count: a file without it is still being written or half-synced, so what it
holds is merged (merging is idempotent) and it is read again next time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ROOT = Path("cirrus-sync") / "v1"
# The segment number, then anything a sync service adds for a conflicted copy:
# "journal-00000012 (conflicted copy 2026-12-01).jsonl",
# "journal-00000012.sync-conflict-20261201-120000-DESKTOP1.jsonl", "journal-00000012-PC.jsonl".
_SEGMENT = re.compile(r"^(journal|snapshot)-(\d{8})(.*)\.jsonl$")
_CLEAN = re.compile(r"^(journal|snapshot)-(\d{8})\.jsonl$")
EVENT_KEYS = ("id", "device", "seq", "ts", "type")


class SyncFolderMissing(Exception):
    """The sync folder is not there (a network share that is down, a drive unplugged)."""


@dataclass(frozen=True)
class JournalFile:
    device: str
    name: str
    path: Path
    kind: str
    number: int

    @property
    def conflicted_copy(self) -> bool:
        return _CLEAN.match(self.name) is None


@dataclass
class FileRead:
    events: list[dict[str, Any]]
    complete: bool
    lines: int
    bad_lines: int = 0


class SyncFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.base = folder / ROOT

    def check(self) -> None:
        """Raise :class:`SyncFolderMissing` when the chosen folder is not reachable."""
        if not self.folder.is_dir():
            raise SyncFolderMissing(f"the sync folder {self.folder} is not available")

    def device_dir(self, device: str) -> Path:
        return self.base / "devices" / device

    @property
    def media_dir(self) -> Path:
        return self.base / "media"

    # -- reading -------------------------------------------------------------------------

    def devices(self) -> list[str]:
        root = self.base / "devices"
        try:
            return sorted(p.name for p in root.iterdir() if p.is_dir())
        except FileNotFoundError:
            return []

    def files(self, device: str) -> list[JournalFile]:
        out = []
        try:
            entries = list(self.device_dir(device).iterdir())
        except FileNotFoundError:
            return []
        for path in entries:
            match = _SEGMENT.match(path.name)
            if match and not path.name.startswith("."):
                out.append(JournalFile(device, path.name, path, match[1], int(match[2])))
        return sorted(out, key=lambda f: (f.number, f.kind, f.name))

    def device_info(self, device: str) -> dict[str, Any]:
        try:
            data = json.loads((self.device_dir(device) / "device.json").read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    # -- writing (own files only) --------------------------------------------------------

    def next_number(self, device: str, at_least: int) -> int:
        numbers = [f.number for f in self.files(device)]
        return max([at_least, *numbers]) + 1

    def write_segment(
        self, device: str, number: int, events: list[dict[str, Any]], kind: str = "journal"
    ) -> Path:
        """Write a new segment; never replaces a file that exists."""
        directory = self.device_dir(device)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{kind}-{number:08d}.jsonl"
        if target.exists():
            raise FileExistsError(target)
        lines = [json.dumps(e, ensure_ascii=False, sort_keys=True) for e in events]
        lines.append(json.dumps({"type": "end", "count": len(events)}))
        _write_new(target, ("\n".join(lines) + "\n").encode("utf-8"))
        return target

    def write_device_info(self, device: str, info: dict[str, Any]) -> None:
        directory = self.device_dir(device)
        directory.mkdir(parents=True, exist_ok=True)
        data = json.dumps(info, ensure_ascii=False, indent=1).encode("utf-8")
        _write_new(directory / "device.json", data, replace=True)

    def put_media(self, source: Path, name: str) -> bool:
        """Copy a media file in unless one with that (content-derived) name is there."""
        target = self.media_dir / name
        if target.exists():
            return False
        self.media_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.{uuid.uuid4().hex}.tmp")
        try:
            shutil.copyfile(source, tmp)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
        return True

    def sweep_own(self, device: str) -> int:
        """Remove temporary files a killed sync of this device left in its own folder
        (one Cirrus per collection holds the lock, so none is being written now)."""
        removed = 0
        for tmp in self.device_dir(device).glob(".*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
                removed += 1
        return removed

    def remove_own(self, files: Iterable[JournalFile]) -> None:
        for file in files:
            with contextlib.suppress(FileNotFoundError):
                file.path.unlink()


def read_file(path: Path) -> FileRead:
    """The events of one file; tolerant of a cut-off last line and of junk lines."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return FileRead([], False, 0)
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return FileRead([], False, 0)
    chunks = raw.split(b"\n")
    whole = chunks[:-1]  # the last chunk has no newline: incomplete (or empty)
    events: list[dict[str, Any]] = []
    complete = False
    bad = 0
    for chunk in whole:
        try:
            item = json.loads(chunk)
        except ValueError:
            bad += 1
            continue
        if not isinstance(item, dict):
            bad += 1
        elif item.get("type") == "end":
            complete = True
        elif all(k in item for k in EVENT_KEYS):
            events.append(item)
        else:
            bad += 1
    if bad:
        log.warning("%s: %d unreadable lines skipped", path, bad)
    return FileRead(events, complete, len(whole), bad)


def _write_new(target: Path, data: bytes, replace: bool = False) -> None:
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if not replace and target.exists():
            raise FileExistsError(target)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
