"""When the collection cannot be opened: say what is wrong and offer a way out.

The dialog offers to restore the newest good backup (when the file is damaged and a
backup exists), to choose another data folder, or to quit. Nothing is replaced silently:
a restore keeps the damaged file in the backups folder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import BadInputError, CirrusError
from app.storage.backups import rotated_backups
from app.storage.collection import Collection
from app.storage.collection_file import restore_backup
from app.storage.file_check import CollectionDamagedError
from app.storage.lock import LockedError

log = logging.getLogger(__name__)

Opened = tuple[Collection, Path, str]
"""The collection, the data folder it is in, and a note for the status bar ("" if none)."""


class OpenProblemDialog(QDialog):
    RESTORE = 1
    OTHER_FOLDER = 2
    QUIT = 0

    def __init__(
        self, data_dir: Path, message: str, newest: datetime | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cirrus cannot open your collection")
        self.choice = self.QUIT
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        hint = QLabel(f"Data folder: {data_dir}")
        hint.setWordWrap(True)
        self.restore_button = QPushButton(
            "&Restore the newest backup"
            + (f" ({newest.astimezone().strftime('%Y-%m-%d %H:%M')})" if newest else "")
        )
        self.restore_button.setVisible(newest is not None)
        self.folder_button = QPushButton("&Choose another data folder…")
        self.quit_button = QPushButton("&Quit")
        self.restore_button.clicked.connect(lambda: self._choose(self.RESTORE))
        self.folder_button.clicked.connect(lambda: self._choose(self.OTHER_FOLDER))
        self.quit_button.clicked.connect(lambda: self._choose(self.QUIT))
        buttons = QHBoxLayout()
        for button in (self.restore_button, self.folder_button, self.quit_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(hint)
        layout.addLayout(buttons)
        (self.restore_button if newest else self.folder_button).setDefault(True)

    def _choose(self, choice: int) -> None:
        self.choice = choice
        self.accept()


def _pick_folder(start: Path) -> Path | None:
    path = QFileDialog.getExistingDirectory(None, "Choose a data folder", str(start))
    return Path(path) if path else None


def open_with_recovery(
    data_dir: Path,
    choose_folder: Callable[[Path], Path | None] = _pick_folder,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Opened | None:
    """Open ``data_dir``, asking the learner what to do while it cannot be opened.

    Returns None when the learner quits. A :class:`LockedError` is not handled here (the
    caller hands over to the window that has the collection open).
    """
    bad: set[Path] = set()  # backups found damaged
    while True:
        try:
            return Collection.open(data_dir), data_dir, ""
        except LockedError:
            raise
        except CirrusError as exc:
            error = exc
        log.error("cannot open %s: %s", data_dir, error)
        found = [
            (when, path)
            for when, path in (rotated_backups(data_dir / "backups") if _restorable(error) else [])
            if path not in bad
        ]
        dialog = OpenProblemDialog(data_dir, _message(error), found[0][0] if found else None)
        dialog.exec()
        choice = dialog.choice
        dialog.deleteLater()
        if choice == OpenProblemDialog.QUIT:
            return None
        if choice == OpenProblemDialog.OTHER_FOLDER:
            folder = choose_folder(data_dir)
            if folder is not None:
                data_dir = folder
            continue
        note = _restore_newest(data_dir, [p for _, p in found], now(), bad)
        if note is None:
            continue  # every backup was bad; the dialog shows again, without the offer
        try:
            return Collection.open(data_dir), data_dir, note
        except LockedError:
            raise
        except CirrusError:
            continue


def _message(error: CirrusError) -> str:
    if isinstance(error, CollectionDamagedError):
        return f"The collection {error.path} is damaged: {error.why}."
    text = str(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _restorable(error: CirrusError) -> bool:
    """A damaged or foreign file can be replaced by a backup; a read-only folder cannot."""
    return isinstance(error, BadInputError)


def _restore_newest(
    data_dir: Path, candidates: list[Path], now: datetime, bad: set[Path]
) -> str | None:
    """Restore the newest backup that is sound; the status-bar note, or None if none is."""
    for backup in candidates:
        try:
            kept = restore_backup(data_dir, backup, now)
        except BadInputError as exc:  # a damaged backup: try the one before it
            log.warning("skipping backup %s: %s", backup, exc)
            bad.add(backup)
            continue
        return f"Restored {backup.name}; the damaged collection was kept as {kept.name}"
    return None
