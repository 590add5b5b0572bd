"""When the app writes backups, and the one message it shows when it cannot."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.errors import CirrusError
from app.storage.collection import Collection
from app.ui.db_executor import DbExecutor

log = logging.getLogger(__name__)


class BackupKeeper:
    """A backup on quit (and on SIGTERM or session end, see lifecycle.py) and once a day.

    A backup that fails is logged every time and shown once per run, never while the
    app is being stopped from outside (nobody could answer the message then).
    """

    def __init__(
        self,
        parent: QWidget,
        collection: Collection,
        executor: DbExecutor,
        clock: Callable[[], datetime],
    ) -> None:
        self.parent = parent
        self.collection = collection
        self.executor = executor
        self.clock = clock
        self.quiet = False
        """No message boxes: the app is being stopped by a signal or the session."""
        self.warned = False
        self.quit_written = False
        self.last: Path | None = None

    def daily(self) -> None:
        """The daily backup, if one is due, on the worker thread."""
        now = self.clock()
        self.executor.submit(
            lambda: self.collection.backup_if_due(now),
            lambda path: self._written("daily", path),
            lambda exc: self._failed("daily", exc),
        )

    def at_quit(self) -> None:
        """A backup of what this run changed; once, however the app is stopped."""
        if self.quit_written:
            return
        self.quit_written = True
        self._now("quit")

    def at_session_end(self) -> None:
        """The desktop session is ending (logout, shutdown): write one now."""
        quiet, self.quiet = self.quiet, True
        try:
            self._now("session end")
        finally:
            self.quiet = quiet

    def _now(self, reason: str) -> None:
        try:
            path = self.collection.backup(self.clock())
        except CirrusError as exc:
            self._failed(reason, exc)
            return
        self._written(reason, path)

    def _written(self, reason: str, path: Path | None) -> None:
        if path is not None:
            self.last = path
            log.info("%s backup written: %s", reason, path)

    def _failed(self, reason: str, exc: BaseException) -> None:
        log.error("%s backup failed: %s", reason, exc)
        if self.warned or self.quiet:
            return
        self.warned = True
        message = str(exc) if isinstance(exc, CirrusError) else f"unexpected error: {exc}"
        QMessageBox.warning(
            self.parent, "Backups are not being written", message[:1].upper() + message[1:]
        )
