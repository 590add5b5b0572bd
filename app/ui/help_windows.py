"""Help: the keyboard shortcuts sheet, the manual (the bundled docs/, offline) and About."""

from __future__ import annotations

import html
import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.core.render import markdown_html, page_css
from app.storage.bundled import bundled_root
from app.ui.study_actions import STUDY_KEYS

MANUAL_ORDER = ("studying.md", "deck-format.md", "exam.md", "exam-plan.md", "cli.md")
"""Manual pages shown first (the rest follow by name)."""
_TITLE = re.compile(r"^#\s+(.+)$", re.MULTILINE)


def docs_dir() -> Path | None:
    folder = bundled_root() / "docs"
    return folder if folder.is_dir() else None


def manual_pages(folder: Path | None = None) -> list[tuple[str, Path]]:
    """(title, file) of every Markdown page of the manual, in reading order."""
    folder = folder or docs_dir()
    if folder is None:
        return []

    def order(path: Path) -> tuple[int, str]:
        known = path.name in MANUAL_ORDER
        return (MANUAL_ORDER.index(path.name) if known else len(MANUAL_ORDER), path.name)

    files = sorted(folder.glob("*.md"), key=order)
    pages = []
    for path in files:
        m = _TITLE.search(path.read_text(encoding="utf-8"))
        pages.append((m.group(1).strip() if m else path.stem, path))
    return pages


def _closable(dialog: QWidget) -> None:
    QShortcut(QKeySequence("Ctrl+W"), dialog, dialog.close)
    QShortcut(QKeySequence(Qt.Key.Key_Escape), dialog, dialog.close)


def shortcuts_html(window_actions: list[QAction]) -> str:
    """One sheet: the main window's keys (from its actions) and the study screen's."""
    rows = [
        (a.shortcut().toString(QKeySequence.SequenceFormat.NativeText), a.text().replace("&", ""))
        for a in window_actions
        if not a.shortcut().isEmpty()
    ]
    main = "".join(
        f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(t)}</td></tr>" for k, t in rows
    )
    study = "".join(
        f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(t)}</td></tr>" for k, t in STUDY_KEYS
    )
    return (
        "<h3>Everywhere</h3>"
        f'<table cellpadding="4">{main}</table>'
        "<h3>Studying</h3>"
        f'<table cellpadding="4">{study}</table>'
        "<p>While you type an answer, keys are text: no shortcut acts until you press Enter "
        "or Esc.</p>"
    )


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.browser = QTextBrowser()
        self.browser.setHtml(shortcuts_html(parent.actions()))
        QVBoxLayout(self).addWidget(self.browser)
        _closable(self)
        self.resize(620, 640)


class ManualWindow(QWidget):
    """The manual: the bundled docs/ pages, rendered as cards are (offline, no web)."""

    def __init__(self, dark: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Cirrus manual")
        self.dark = dark
        self.pages = manual_pages()
        self.index = QListWidget()
        for title, path in self.pages:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.index.addItem(item)
        self.index.setMaximumWidth(240)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link)
        self.browser.document().setDefaultStyleSheet(page_css(dark))
        self.index.currentRowChanged.connect(self.show_page)
        layout = QHBoxLayout(self)
        layout.addWidget(self.index)
        layout.addWidget(self.browser, 1)
        _closable(self)
        self.resize(1000, 700)
        if self.pages:
            self.index.setCurrentRow(0)
        else:
            self.browser.setPlainText("The manual is not installed with this copy of Cirrus.")

    def show_page(self, row: int) -> None:
        if 0 <= row < len(self.pages):
            text = self.pages[row][1].read_text(encoding="utf-8")
            self.browser.setHtml(markdown_html(text, self.dark))

    def _link(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)
            return
        name = Path(url.path()).name
        for row, (_title, path) in enumerate(self.pages):
            if path.name == name:
                self.index.setCurrentRow(row)
                return


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Cirrus")
        notices = bundled_root() / "THIRD_PARTY_NOTICES.md"
        folder = html.escape(str(data_dir)) if data_dir else "(in memory)"
        text = (
            f"<h3>Cirrus {html.escape(__version__)}</h3>"
            "<p>Offline Markdown flashcards scheduled by FSRS.</p>"
            f"<p><b>Data folder:</b> {folder}</p>"
            "<p><b>Licence:</b> GPL-3.0-or-later. Cirrus comes with no warranty.</p>"
        )
        if data_dir:
            link = QUrl.fromLocalFile(str(data_dir)).toString()
            text += f'<p><a href="{link}">Open the data folder</a></p>'
        if notices.is_file():
            text += "<hr/>" + markdown_html(notices.read_text(encoding="utf-8"))
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(QDesktopServices.openUrl)
        self.browser.setHtml(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        self.resize(640, 560)
