"""Editing widgets: a Markdown box that takes pasted or dropped images, a tag line with
completion."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QStringListModel, Qt
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit, QPlainTextEdit, QWidget

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".bmp"}


class MarkdownEdit(QPlainTextEdit):
    """Plain Markdown source. A pasted or dropped image is stored in the media store (once
    per content) and linked where the cursor is."""

    def __init__(
        self, store: Callable[[Path], str] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.setTabChangesFocus(True)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        if self.store is not None and (source.hasImage() or _image_files(source)):
            return True
        return super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        if self.store is not None:
            files = _image_files(source)
            if files:
                for file in files:
                    self.insert_image(file)
                return
            if source.hasImage():
                image = QImage(source.imageData())
                with tempfile.TemporaryDirectory(prefix="cirrus-paste-") as tmp:
                    path = Path(tmp) / "pasted.png"
                    if not image.isNull() and image.save(str(path), b"PNG"):
                        self.insert_image(path)
                return
        super().insertFromMimeData(source)

    def insert_image(self, path: Path) -> None:
        assert self.store is not None
        name = self.store(path)
        self.textCursor().insertText(f"![{path.stem}](media/{name})")


def _image_files(source: QMimeData) -> list[Path]:
    if not source.hasUrls():
        return []
    return [
        Path(u.toLocalFile())
        for u in source.urls()
        if u.isLocalFile() and Path(u.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES
    ]


class TagEdit(QLineEdit):
    """Space-separated tags; completes the word being typed from the collection's tags."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("tags, separated by spaces (service/x domain/y)")
        self._model = QStringListModel(self)
        self.completer_ = QCompleter(self._model, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setWidget(self)
        self.completer_.activated.connect(self._complete)
        self.textEdited.connect(self._update)

    def set_known(self, tags: list[str]) -> None:
        self._model.setStringList(tags)

    def tags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.text().split()))

    def set_tags(self, tags: tuple[str, ...]) -> None:
        self.setText(" ".join(tags))

    def _word(self) -> str:
        before = self.text()[: self.cursorPosition()]
        return before.split(" ")[-1] if before and not before.endswith(" ") else ""

    def _popup(self) -> QAbstractItemView:
        popup = self.completer_.popup()
        assert popup is not None
        return popup

    def _update(self, _text: str) -> None:
        word = self._word()
        if not word:
            self._popup().hide()
            return
        self.completer_.setCompletionPrefix(word)
        if self.completer_.completionCount() > 0:
            self.completer_.complete()
        else:
            self._popup().hide()

    def _complete(self, tag: str) -> None:
        position = self.cursorPosition()
        before, after = self.text()[:position], self.text()[position:]
        start = before.rfind(" ") + 1
        self.setText(before[:start] + tag + " " + after.lstrip())
        self.setCursorPosition(start + len(tag) + 1)
        self.editingFinished.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup = self._popup()
        if popup.isVisible() and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            current = popup.currentIndex()
            if current.isValid():
                self._complete(str(current.data()))
                popup.hide()
                return
        super().keyPressEvent(event)
