"""The colour theme (setting ``theme``: "system", "light" or "dark") and whether it is dark."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
_state = {"choice": "system", "style": ""}


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1e1f22",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#16171a",
        QPalette.ColorRole.AlternateBase: "#24262b",
        QPalette.ColorRole.ToolTipBase: "#2b2d31",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: "#8b9098",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#2b2d31",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.BrightText: "#ff7b72",
        QPalette.ColorRole.Link: "#79c0ff",
        QPalette.ColorRole.Highlight: "#2f6fd0",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Mid: "#3a3d43",
        QPalette.ColorRole.Dark: "#121316",
        QPalette.ColorRole.Light: "#3d4047",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6e7380"))
    return palette


def apply_theme(app: QApplication, choice: str) -> None:
    """Use ``choice``: "dark" sets Cirrus's dark palette, "light" the style's standard one,
    "system" follows the desktop's colour scheme."""
    choice = choice if choice in THEMES else "system"
    if choice == _state["choice"]:
        return
    if not _state["style"]:
        _state["style"] = app.style().name()  # the platform's own style, to go back to
    _state["choice"] = choice
    hints = QGuiApplication.styleHints()
    if choice == "system":
        hints.unsetColorScheme()
        app.setStyle(_state["style"])
        app.setPalette(QPalette())
        return
    scheme = Qt.ColorScheme.Dark if choice == "dark" else Qt.ColorScheme.Light
    hints.setColorScheme(scheme)
    if choice == "dark":
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    else:
        app.setStyle(_state["style"])
        app.setPalette(app.style().standardPalette())


def current() -> str:
    """The theme in use ("system", "light" or "dark")."""
    return _state["choice"]


def is_dark() -> bool:
    """True when the window background is dark (Cirrus's dark theme or a dark desktop)."""
    if _state["choice"] != "system":
        return _state["choice"] == "dark"
    if QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark:
        return True
    window = QApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 110
