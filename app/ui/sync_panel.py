"""Sync in the window: when it runs, what the status bar says, and the Tools > Sync panel.

Syncs run on the collection worker, so the window never waits: on start, on demand and
when another device's files change in the folder. The watcher is Qt's own
QFileSystemWatcher on the folder's few directories (no extra library in the installer;
the same OS notifications watchdog would use), with a debounce so a burst of files makes
one sync. Network shares often send no notifications at all, so a timer also syncs every
few minutes while a folder is chosen; that timer is also the retry for a folder that is
not there. Answers and undos are sent once the learner pauses for a minute (not one
journal file per answer), and a last sync runs when the window closes, so what was
studied is in the folder before the computer is shut.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CirrusError
from app.core.timeconv import from_ms
from app.storage.collection import Collection
from app.storage.sync import SyncReport, SyncUnavailable, device_name
from app.storage.sync.journal import SyncFolder
from app.ui.db_executor import DbExecutor

log = logging.getLogger(__name__)
DEBOUNCE_MS = 3000
RETRY_MS = 5 * 60 * 1000
SEND_AFTER_MS = 60 * 1000
SHOWN_CONFLICTS = 5


class SyncController(QObject):
    """Runs syncs on the worker and keeps the status-bar indicator up to date."""

    finished = Signal(object)
    """A SyncReport after a sync that worked."""
    status = Signal(str)

    def __init__(
        self,
        parent: QObject,
        collection: Collection,
        executor: DbExecutor,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(parent)
        self.collection = collection
        self.executor = executor
        self.clock = clock
        self.indicator = QLabel("")
        self.indicator.setObjectName("syncIndicator")
        self.last: SyncReport | None = None
        self.last_error: str | None = None
        self.running = False
        self._again = False
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.sync_now)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _path: self.debounce.start())
        self.retry = QTimer(self)
        self.retry.setInterval(RETRY_MS)
        self.retry.timeout.connect(self.sync_now)
        self.send_later = QTimer(self)
        self.send_later.setSingleShot(True)
        self.send_later.setInterval(SEND_AFTER_MS)
        self.send_later.timeout.connect(self.sync_now)
        self.status.connect(self.indicator.setText)

    @property
    def folder(self) -> Path | None:
        value = self.collection.setting("sync_folder")
        return Path(value) if value else None

    def start(self) -> None:
        """Sync once now (when a folder is chosen) and keep watching it."""
        if self.folder is None or self.collection.read_only:
            self.status.emit("")
            self.retry.stop()
            return
        self.retry.start()
        self.sync_now()

    def choose(self, folder: Path | None) -> None:
        self.collection.set_setting("sync_folder", str(folder) if folder else None)
        self.collection.set_setting("sync_last_folder", None)  # chosen again: start there
        self._watch()
        self.start()

    def local_change(self) -> None:
        """Something to send (an answer, an undo): sync once the learner pauses."""
        if self.folder is not None and not self.collection.read_only:
            self.send_later.start()

    def at_quit(self) -> None:
        """The last sync, on the GUI thread once the worker is idle (the window is
        closing); a folder that cannot be reached only logs: everything is sent next time."""
        self.send_later.stop()
        self.debounce.stop()
        self.retry.stop()
        if self.folder is None or self.collection.read_only:
            return
        try:
            self.collection.sync(None, self.clock())
        except CirrusError as exc:
            log.warning("sync at quit: %s", exc)
        except OSError as exc:
            log.warning("sync at quit: %s", exc)

    def sync_now(self) -> None:
        if self.folder is None:
            return
        self.send_later.stop()
        if self.running:
            self._again = True
            return
        self.running = True
        self.status.emit("Syncing…")
        now = self.clock()
        self.executor.submit(lambda: self.collection.sync(None, now), self._done, self._failed)

    def _done(self, report: SyncReport) -> None:
        self.running = False
        self.last, self.last_error = report, None
        parts = [f"Synced {self.clock().astimezone().strftime('%H:%M')}"]
        if report.merged:
            parts.append(f"{report.merged} merged")
        if report.conflicts:
            parts.append(f"{len(report.conflicts)} conflicts (Tools > Sync)")
        if report.waiting:
            parts.append(f"{report.waiting} files still arriving")
        if report.clocks:
            parts.append(f"{report.clocks[0]} (Tools > Sync)")
        self.status.emit(", ".join(parts))
        self._watch()
        self.finished.emit(report)
        self._next()

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        if isinstance(exc, SyncUnavailable):
            self.last_error = str(exc)
            self.status.emit("Sync folder not available: retrying")
        elif isinstance(exc, CirrusError):
            self.last_error = str(exc)
            self.status.emit("Sync failed (Tools > Sync)")
        else:
            log.error("sync failed", exc_info=exc)
            self.last_error = f"unexpected error: {exc}"
            self.status.emit("Sync failed (Tools > Sync)")
        self._next()

    def _next(self) -> None:
        if self._again:
            self._again = False
            self.debounce.start()

    def _watch(self) -> None:
        """Watch the devices folder and every other device's folder (never our own:
        our writes would wake us)."""
        old = self.watcher.directories()
        if old:
            self.watcher.removePaths(old)
        if self.folder is None:
            return
        sync = SyncFolder(self.folder)
        own = self.collection.setting("sync_device_id")
        wanted = [sync.base / "devices"] + [sync.device_dir(d) for d in sync.devices() if d != own]
        present = [str(p) for p in wanted if p.is_dir()]
        if present:
            self.watcher.addPaths(present)


class SyncPanel(QDialog):
    """Tools > Sync: the folder, turning sync off, "Sync now", the devices seen."""

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Sync")
        self.setObjectName("syncPanel")
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.this_device = QLabel()
        self.choose_button = QPushButton("Choose folder…")
        self.off_button = QPushButton("Turn off")
        self.now_button = QPushButton("Sync now")
        self.choose_button.clicked.connect(self.choose)
        self.off_button.clicked.connect(lambda: self.controller.choose(None))
        self.now_button.clicked.connect(self.controller.sync_now)
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.devices = QTreeWidget()
        self.devices.setHeaderLabels(["Device", "Last sync", "Id"])
        self.devices.setRootIsDecorated(False)
        self.devices.setColumnWidth(0, 200)
        self.devices.setColumnWidth(1, 160)
        buttons = QHBoxLayout()
        for button in (self.choose_button, self.off_button, self.now_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Choose a folder your computers already share (OneDrive, Dropbox, iCloud Drive, "
            "Syncthing, a network share). Each computer writes only its own files there."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.folder_label)
        layout.addWidget(self.this_device)
        layout.addLayout(buttons)
        layout.addWidget(self.outcome)
        layout.addWidget(QLabel("Other devices seen:"))
        layout.addWidget(self.devices, 1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        controller.finished.connect(lambda _report: self.refresh())
        controller.status.connect(lambda _text: self.refresh())
        self.resize(560, 380)
        self.refresh()

    def choose(self) -> None:
        start = str(self.controller.folder or Path.home())
        chosen = QFileDialog.getExistingDirectory(self, "Sync folder", start)
        if chosen:
            self.controller.choose(Path(chosen))

    def refresh(self) -> None:
        folder = self.controller.folder
        self.folder_label.setText(f"Folder: {folder}" if folder else "Sync is off.")
        self.off_button.setEnabled(folder is not None)
        self.now_button.setEnabled(folder is not None)
        collection = self.controller.collection
        own = collection.setting("sync_device_id")
        self.this_device.setText(
            f"This computer: {device_name(collection)} ({str(own)[:8]})" if own else ""
        )
        self.this_device.setVisible(bool(own))
        report, error = self.controller.last, self.controller.last_error
        if error:
            self.outcome.setText(error[:1].upper() + error[1:])
        elif report is not None:
            last = collection.setting("sync_last")
            when = f" {_when(from_ms(int(last)).isoformat())}" if last else ""
            lines = [f"Last sync{when}: sent {report.sent}, merged {report.merged}."]
            lines += [
                f"{c}: its edits can win over later ones made here until the clocks agree"
                for c in report.clocks
            ]
            lines += report.conflicts[:SHOWN_CONFLICTS]
            if len(report.conflicts) > SHOWN_CONFLICTS:
                more = len(report.conflicts) - SHOWN_CONFLICTS
                lines.append(f"… and {more} more (cirrus sync lists them all)")
            self.outcome.setText("\n".join(lines))
        else:
            self.outcome.setText("")
        self.devices.clear()
        seen = report.devices if report else self.controller.collection.setting("sync_devices", [])
        for device in sorted(seen, key=lambda d: str(d.get("last_seen") or ""), reverse=True):
            self.devices.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        str(device.get("name")),
                        _when(device.get("last_seen")),
                        str(device.get("id"))[:8],
                    ]
                )
            )


def _when(value: object) -> str:
    if not value:
        return "never"
    try:
        return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)
