"""The theme setting: dark gives a dark palette and dark card colours; light undoes it."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.core.render import page_css
from app.ui.theme import apply_theme, is_dark

pytestmark = pytest.mark.gui


def test_dark_then_light(qtbot) -> None:
    app = QApplication.instance()
    try:
        apply_theme(app, "dark")
        assert is_dark()
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 60
        assert "#e6e6e6" in page_css(is_dark())  # light card text on the dark view
        apply_theme(app, "light")
        assert not is_dark()
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 180
    finally:
        apply_theme(app, "system")
