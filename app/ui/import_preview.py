"""The import preview: what a file holds and, as in Anki, what to do with what the
collection already has (replace or merge a whole-collection backup; update, keep or
duplicate text rows that match notes)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.import_choices import (
    COLLECTION_LABELS,
    DUPLICATE_LABELS,
    SCOPE_LABELS,
    CollectionMode,
    Duplicates,
    ImportChoices,
    MatchScope,
)

REPLACE_NOTE = (
    "Replace: your notes, cards, decks, presets and review history become the backup's. "
    "A backup of your collection is written first. The bundled AI-200 decks, practice "
    "exams and settings stay.\nMerge: the backup's notes are added to yours (or update "
    "them); a card reviewed later in the backup takes its schedule."
)


class ImportPreviewDialog(QDialog):
    def __init__(
        self, parent: QWidget | None, preview: dict[str, Any], summary: str, start: ImportChoices
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import")
        self.start = start
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>Import this {preview['format']} file?</b>")
        layout.addWidget(title)
        self.details = QLabel(summary)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setWordWrap(True)
        layout.addWidget(self.details)
        self.replace: QRadioButton | None = None
        self.duplicates: QComboBox | None = None
        self.scope: QComboBox | None = None
        if preview["format"] == "colpkg":
            layout.addWidget(self._collection_box(start.collection))
        elif preview["format"] == "csv":
            layout.addWidget(self._text_box(start))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _collection_box(self, mode: CollectionMode) -> QGroupBox:
        box = QGroupBox("A whole-collection backup")
        inner = QVBoxLayout(box)
        group = QButtonGroup(box)
        self.replace = QRadioButton(COLLECTION_LABELS[CollectionMode.REPLACE])
        merge = QRadioButton(COLLECTION_LABELS[CollectionMode.MERGE])
        for button in (self.replace, merge):
            group.addButton(button)
            inner.addWidget(button)
        (self.replace if mode == CollectionMode.REPLACE else merge).setChecked(True)
        note = QLabel(REPLACE_NOTE)
        note.setWordWrap(True)
        inner.addWidget(note)
        return box

    def _text_box(self, start: ImportChoices) -> QGroupBox:
        box = QGroupBox("Notes already in the collection")
        form = QFormLayout(box)
        self.duplicates = QComboBox()
        for value, label in DUPLICATE_LABELS.items():
            self.duplicates.addItem(label, value.value)
        self.duplicates.setCurrentIndex(list(DUPLICATE_LABELS).index(start.duplicates))
        self.scope = QComboBox()
        for scope, label in SCOPE_LABELS.items():
            self.scope.addItem(label, scope.value)
        self.scope.setCurrentIndex(list(SCOPE_LABELS).index(start.match_scope))
        form.addRow("When a row matches a note:", self.duplicates)
        form.addRow("Match by:", self.scope)
        return box

    def choices(self) -> ImportChoices:
        collection = self.start.collection
        if self.replace is not None:
            collection = (
                CollectionMode.REPLACE if self.replace.isChecked() else CollectionMode.MERGE
            )
        duplicates, scope = self.start.duplicates, self.start.match_scope
        if self.duplicates is not None and self.scope is not None:
            duplicates = Duplicates(self.duplicates.currentData())
            scope = MatchScope(self.scope.currentData())
        return ImportChoices(duplicates, scope, collection)
