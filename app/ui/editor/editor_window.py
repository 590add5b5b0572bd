"""A note editor in a window of its own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.storage.collection import Collection
from app.ui.editor.note_editor import NoteEditorWidget


class EditorWindow(QWidget):
    saved = Signal(int)

    def __init__(
        self,
        collection: Collection,
        clock: Callable[[], datetime],
        dark: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Edit note")
        self.editor = NoteEditorWidget(collection, clock, dark)
        self.editor.saved.connect(self.saved)
        QVBoxLayout(self).addWidget(self.editor)
        QShortcut(QKeySequence("Esc"), self, self.close)
        self.resize(1000, 600)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.editor.flush()
        event.accept()
