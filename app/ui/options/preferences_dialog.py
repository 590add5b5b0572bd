"""Preferences (Tools > Preferences, Ctrl+P): appearance, study, backups, the data folder.

Each value is a collection setting, so it travels with the collection and the CLI's
`cirrus config` sees the same values."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CirrusError
from app.storage.collection import Collection

THEMES = (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark"))
DEFAULTS = {
    "theme": "system",
    "card_text_size": 13.5,
    "day_rollover_hour": 4,
    "show_intervals": True,
    "show_timer": False,
    "weakest_size": 30,
    "autoplay_audio": True,
}


def preference(collection: Collection, key: str) -> object:
    return collection.setting(key, DEFAULTS.get(key))


class PreferencesDialog(QDialog):
    changed = Signal()
    syncRequested = Signal()
    """The learner asked for the sync settings (Tools > Sync…)."""

    def __init__(self, collection: Collection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.collection = collection
        self.setWindowTitle("Preferences")
        self.theme = QComboBox()
        for label, value in THEMES:
            self.theme.addItem(label, value)
        self.text_size = QDoubleSpinBox()
        self.text_size.setRange(8, 40)
        self.text_size.setSingleStep(0.5)
        self.text_size.setSuffix(" pt  (Ctrl+= / Ctrl+- while studying)")
        self.rollover = QSpinBox()
        self.rollover.setRange(0, 23)
        self.rollover.setSuffix(":00")
        self.show_intervals = QCheckBox("Show the next interval on the answer buttons")
        self.show_timer = QCheckBox("Show an answer timer")
        self.autoplay_audio = QCheckBox("Play audio automatically (R replays)")
        self.weakest_size = QSpinBox()
        self.weakest_size.setRange(5, 500)
        self.weakest_size.setSuffix(" cards")
        self.backup_dir = QLineEdit()
        browse = QPushButton("Choose…")
        browse.clicked.connect(lambda _c=False: self._choose_backup_dir())
        data_dir = collection.data_dir
        self.data_dir = QLabel(str(data_dir) if data_dir else "(in memory)")
        self.data_dir.setWordWrap(True)
        open_folder = QPushButton("Open folder")
        open_folder.setEnabled(data_dir is not None)
        open_folder.clicked.connect(lambda _c=False: self._open(data_dir))

        appearance = QFormLayout()
        appearance.addRow("Theme", self.theme)
        appearance.addRow("Card text size", self.text_size)
        study = QFormLayout()
        study.addRow("The study day ends at", self.rollover)
        study.addRow("", self.show_intervals)
        study.addRow("", self.show_timer)
        study.addRow("", self.autoplay_audio)
        study.addRow('"Study weakest" session', self.weakest_size)
        files = QFormLayout()
        files.addRow("Backup folder", _row(self.backup_dir, browse))
        files.addRow("Data folder", _row(self.data_dir, open_folder))
        folder = collection.setting("sync_folder")
        self.sync_folder = QLabel(str(folder) if folder else "Not syncing")
        self.sync_folder.setWordWrap(True)
        sync = QPushButton("Sync settings…")
        sync.clicked.connect(lambda _c=False: self.syncRequested.emit())
        files.addRow("Sync folder", _row(self.sync_folder, sync))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for title, form in (("Appearance", appearance), ("Studying", study), ("Files", files)):
            box = QGroupBox(title)
            box.setLayout(form)
            layout.addWidget(box)
        layout.addWidget(buttons)
        self.load()

    def load(self) -> None:
        col = self.collection
        self.theme.setCurrentIndex(max(0, self.theme.findData(preference(col, "theme"))))
        self.text_size.setValue(float(preference(col, "card_text_size")))  # type: ignore[arg-type]
        self.rollover.setValue(col.rollover_hour)
        self.show_intervals.setChecked(bool(preference(col, "show_intervals")))
        self.show_timer.setChecked(bool(preference(col, "show_timer")))
        self.autoplay_audio.setChecked(bool(preference(col, "autoplay_audio")))
        self.weakest_size.setValue(int(preference(col, "weakest_size")))  # type: ignore[call-overload]
        self.backup_dir.setText(str(col.backup_dir()) if col.data_dir else "")

    def save(self) -> None:
        col = self.collection
        values: dict[str, object] = {
            "theme": self.theme.currentData(),
            "card_text_size": self.text_size.value(),
            "day_rollover_hour": self.rollover.value(),
            "show_intervals": self.show_intervals.isChecked(),
            "show_timer": self.show_timer.isChecked(),
            "autoplay_audio": self.autoplay_audio.isChecked(),
            "weakest_size": self.weakest_size.value(),
        }
        backup = self.backup_dir.text().strip()
        if col.data_dir and backup and Path(backup) != col.backup_dir():
            values["backup_dir"] = backup
        try:
            for key, value in values.items():
                if col.setting(key) != value:
                    col.set_setting(key, value)
            col._changed()
        except CirrusError as exc:
            QMessageBox.warning(self, "Preferences", str(exc))
            return
        self.changed.emit()
        self.accept()

    def _choose_backup_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Backup folder", self.backup_dir.text())
        if folder:
            self.backup_dir.setText(folder)

    @staticmethod
    def _open(folder: Path | None) -> None:
        if folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    box = QHBoxLayout(row)
    box.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        box.addWidget(widget, 1 if isinstance(widget, QLineEdit | QLabel) else 0)
    return row
