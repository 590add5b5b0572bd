"""File > Export: choose a format, a deck and whether to include history."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QWidget,
)

FORMATS = [
    ("apkg", "Anki package (.apkg)", "Anki packages (*.apkg)", ".apkg"),
    ("md", "Markdown deck pack (.zip)", "Zip files (*.zip)", ".zip"),
    ("csv", "Text file for Anki (.txt)", "Text files (*.txt)", ".txt"),
]


class ExportDialog(QDialog):
    def __init__(self, decks: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.format_box = QComboBox()
        for key, label, _filter, _ext in FORMATS:
            self.format_box.addItem(label, key)
        self.deck_box = QComboBox()
        self.deck_box.addItem("All decks", None)
        for name in decks:
            self.deck_box.addItem(name, name)
        self.history = QCheckBox("Include scheduling and review history")
        self.format_box.currentIndexChanged.connect(
            lambda _i: self.history.setEnabled(self.format_key() == "apkg")
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Format", self.format_box)
        form.addRow("Deck", self.deck_box)
        form.addRow(self.history)
        form.addRow(buttons)

    def format_key(self) -> str:
        return str(self.format_box.currentData())

    def deck(self) -> str | None:
        value = self.deck_box.currentData()
        return str(value) if value else None

    def file_filter(self) -> tuple[str, str]:
        _key, _label, flt, ext = FORMATS[self.format_box.currentIndex()]
        return flt, ext
