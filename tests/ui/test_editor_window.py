"""The note editor opened on its own, as the study screen and card info open it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

pytestmark = pytest.mark.gui


def test_edit_the_studied_card_in_its_own_window(qtbot, open_window) -> None:
    window = open_window()
    window.start_study(None)
    shown = window.study_view.card
    assert shown is not None
    editor_window = window.edit_study_card()
    assert editor_window is not None
    qtbot.waitExposed(editor_window)
    editor = editor_window.editor
    assert editor.note is not None and editor.note.note_id == shown.note_id
    box = editor.boxes[0]
    assert isinstance(box, QLineEdit) and box.text() == shown.prompt
    box.setFocus()
    box.end(False)
    qtbot.keyClicks(box, " fixed")
    with qtbot.waitSignal(editor_window.saved, timeout=3000):
        pass
    assert window.collection.card(shown.card_id).prompt == shown.prompt + " fixed"
    assert shown.prompt + " fixed" in window.study_view.view.toPlainText()
    qtbot.keyClick(editor_window, Qt.Key.Key_Escape)
    assert not editor_window.isVisible()
