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


def test_edit_from_card_info_opens_the_editor_on_that_note(qtbot, open_window) -> None:
    from PySide6.QtWidgets import QApplication

    from app.ui.editor.editor_window import EditorWindow

    window = open_window()
    window.start_study(None)
    study = window.study_view
    shown = study.card
    assert shown is not None
    qtbot.keyClick(study, "I")
    dialog = study.actions_.info_dialog
    qtbot.waitExposed(dialog)
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    editors = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, EditorWindow) and w.isVisible()
    ]
    assert len(editors) == 1
    editor_window = editors[0]
    editor = editor_window.editor
    assert editor.note is not None and editor.note.note_id == shown.note_id
    box = editor.boxes[0]
    assert isinstance(box, QLineEdit) and box.text() == shown.prompt
    box.setFocus()
    box.end(False)
    qtbot.keyClicks(box, " (from card info)")
    with qtbot.waitSignal(editor_window.saved, timeout=3000):
        pass
    fixed = shown.prompt + " (from card info)"
    assert window.collection.card(shown.card_id).prompt == fixed
    assert fixed in study.view.toPlainText()
    editor_window.close()
    dialog.close()


def test_e_in_card_info_edits_too(qtbot, open_window) -> None:
    window = open_window()
    window.start_study(None)
    study = window.study_view
    qtbot.keyClick(study, "I")
    dialog = study.actions_.info_dialog
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    with qtbot.waitSignal(dialog.editRequested, timeout=1000) as sent:
        qtbot.keyClick(dialog.browser, "E")
    assert sent.args == [study.card.note_id]
    dialog.close()
