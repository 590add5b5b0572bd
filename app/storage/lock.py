"""One writer per data folder: an OS file lock, held while a process has the collection open.

The lock is ``collection.lock`` in the data folder, taken with ``filelock`` (``flock`` on
Unix, ``LockFileEx`` on Windows), so the system releases it when the process ends, however
it ends. Beside it, ``collection.lock.json`` says who holds it (pid, program, since when)
so that a refusal can name that process. Within one process the lock is shared: every
:class:`FolderLock` on the same folder counts one more user of the same OS lock.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from app.core.errors import CirrusError

log = logging.getLogger(__name__)

LOCK_NAME = "collection.lock"
OWNER_NAME = "collection.lock.json"
_READ_ONLY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}

#: How this process describes itself in a refusal; the CLI and the GUI set it.
program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"


@dataclass(frozen=True)
class Holder:
    """The process that holds a data folder's lock."""

    pid: int
    program: str
    since: str  # ISO 8601, UTC
    host: str = ""

    def describe(self) -> str:
        when = self.since
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(self.since).astimezone().strftime("%Y-%m-%d %H:%M")
        return f"{self.program} (process {self.pid}, open since {when})"

    def to_json(self) -> dict[str, object]:
        return {"pid": self.pid, "program": self.program, "since": self.since, "host": self.host}


class LockedError(CirrusError):
    """Another process has this collection open; this one must not write it."""

    kind = "locked"
    exit_code = 2

    def __init__(self, data_dir: Path, holder: Holder | None, doing: str = "") -> None:
        self.data_dir = data_dir
        self.holder = holder
        who = holder.describe() if holder else "another Cirrus process"
        what = f"cannot {doing}: " if doing else ""
        super().__init__(
            f"{what}the collection in {data_dir} is open in {who}; close it there and retry"
        )


class FolderReadOnlyError(CirrusError):
    """The data folder (or the collection file) cannot be written."""

    kind = "read_only"
    exit_code = 2


@dataclass
class _Held:
    lock: FileLock
    users: int


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


def _key(data_dir: Path) -> Path:
    return data_dir.expanduser().resolve()


def read_holder(data_dir: Path) -> Holder | None:
    """Who the owner file says holds the lock (None when it is missing or unreadable)."""
    try:
        raw = json.loads((data_dir / OWNER_NAME).read_text(encoding="utf-8"))
        return Holder(int(raw["pid"]), str(raw["program"]), str(raw["since"]), str(raw["host"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class FolderLock:
    """This process's hold on a data folder; :meth:`release` it once (or let it go at exit)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._key = _key(data_dir)
        self._released = False

    @classmethod
    def acquire(cls, data_dir: Path, doing: str = "") -> FolderLock:
        """Take the folder's lock (or share this process's hold on it).

        Raises :class:`LockedError` naming the holder when another process has it, and
        :class:`FolderReadOnlyError` when the lock file cannot be created.
        """
        key = _key(data_dir)
        with _guard:
            held = _held.get(key)
            if held is not None:
                held.users += 1
                return cls(data_dir)
            lock = FileLock(key / LOCK_NAME, timeout=0, thread_local=False, preserve_lock_file=True)
            try:
                lock.acquire(blocking=False)
            except Timeout:
                raise LockedError(data_dir, read_holder(key), doing) from None
            except OSError as exc:
                if exc.errno in _READ_ONLY_ERRNOS:
                    raise FolderReadOnlyError(
                        f"the data folder {data_dir} is read-only ({exc.strerror}); "
                        "Cirrus needs to write there: fix its permissions or choose another "
                        "folder"
                    ) from exc
                raise CirrusError(f"cannot lock the data folder {data_dir}: {exc}") from exc
            _held[key] = _Held(lock, 1)
            _write_owner(key)
            return cls(data_dir)

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        with _guard:
            held = _held.get(self._key)
            if held is None:
                return
            held.users -= 1
            if held.users > 0:
                return
            del _held[self._key]
            with contextlib.suppress(OSError):
                (self._key / OWNER_NAME).unlink(missing_ok=True)
            held.lock.release()


def holds(data_dir: Path) -> bool:
    """Whether this process holds the folder's lock."""
    with _guard:
        return _key(data_dir) in _held


def _write_owner(key: Path) -> None:
    since = datetime.now(UTC).isoformat(timespec="seconds")
    me = Holder(os.getpid(), program, since, socket.gethostname())
    part = key / (OWNER_NAME + ".part")
    try:
        part.write_text(json.dumps(me.to_json()), encoding="utf-8")
        part.replace(key / OWNER_NAME)
    except OSError as exc:  # the lock still holds; a refusal just cannot name us
        log.warning("cannot record the lock's owner in %s: %s", key, exc)
