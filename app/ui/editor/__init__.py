"""The note editor and the Add window.

``open_editor(parent, collection, note_id)`` opens a note in its own window (from the
study screen's ``E``, card info or anywhere else).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.storage.collection import Collection

if TYPE_CHECKING:
    from app.ui.editor.editor_window import EditorWindow


def open_editor(
    parent: QWidget | None,
    collection: Collection,
    note_id: int,
    clock: Callable[[], datetime] | None = None,
    dark: Callable[[], bool] | None = None,
) -> EditorWindow:
    """Show the note in an editor window; edits are saved as the learner types. Connect to
    the window's ``saved`` signal (the note id) to refresh what shows the note."""
    from app.ui.editor.editor_window import EditorWindow

    window = EditorWindow(
        collection, clock or (lambda: datetime.now(UTC)), dark or (lambda: False), parent
    )
    window.editor.load(note_id)
    window.show()
    window.raise_()
    window.activateWindow()
    return window
