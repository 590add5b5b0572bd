"""Help: the shortcuts sheet, the bundled manual (offline) and About."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app import __version__
from app.ui.help_windows import AboutDialog, ManualWindow, ShortcutsDialog, manual_pages

pytestmark = pytest.mark.gui


def test_shortcuts_sheet_lists_window_and_study_keys(qtbot, open_window) -> None:
    window = open_window()
    action = next(a for a in window.actions() if a.text() == "&Keyboard shortcuts")
    action.trigger()
    sheet = next(w for w in QApplication.topLevelWidgets() if isinstance(w, ShortcutsDialog))
    qtbot.addWidget(sheet)
    text = sheet.browser.toPlainText()
    for key, what in [("T", "Statistics"), ("Ctrl+Delete", "Delete the note"), ("@", "Suspend")]:
        assert key in text and what in text
    assert "While you type an answer" in text
    qtbot.keyClick(sheet.browser, Qt.Key.Key_Escape)
    assert not sheet.isVisible()


def test_manual_shows_the_bundled_docs_offline(qtbot) -> None:
    pages = manual_pages()
    titles = [t for t, _ in pages]
    assert titles[0].startswith("Studying")
    assert "Writing decks for Cirrus (deck format v1)" in titles
    manual = ManualWindow(dark=False)
    qtbot.addWidget(manual)
    manual.show()
    qtbot.waitExposed(manual)
    manual.activateWindow()
    qtbot.waitUntil(manual.isActiveWindow)
    assert "Ctrl+Delete" in manual.browser.toPlainText()
    assert "|---|" not in manual.browser.toPlainText()  # tables rendered, not raw
    manual.index.setCurrentRow(titles.index("Writing decks for Cirrus (deck format v1)"))
    assert "front matter" in manual.browser.toPlainText()
    qtbot.keyClick(manual.browser, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not manual.isVisible()


def test_about_shows_version_data_folder_and_licences(qtbot, tmp_path) -> None:
    about = AboutDialog(tmp_path)
    qtbot.addWidget(about)
    text = about.browser.toPlainText()
    assert f"Cirrus {__version__}" in text
    assert str(tmp_path) in text
    assert "GPL-3.0-or-later" in text and "LGPL-3.0" in text  # Qt's licence, from the notices
