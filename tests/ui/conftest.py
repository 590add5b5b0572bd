from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path

import pytest

from app.storage.collection import Collection
from app.ui.main_window import MainWindow
from tests.conftest import FIXTURES, T0

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def _system_theme_after_each_test(qtbot) -> Iterator[None]:
    """A test that saves a dark theme must not leave the next test dark."""
    yield
    from PySide6.QtWidgets import QApplication

    from app.ui.theme import apply_theme

    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, "system")


@pytest.fixture
def open_window(qtbot, tmp_path: Path) -> Iterator[Callable[[], MainWindow]]:
    """Open the main window on a data folder holding the sample deck (fixed clock)."""
    opened: list[tuple[MainWindow, Collection]] = []
    data_dir = tmp_path / "data"

    def open_() -> MainWindow:
        col = Collection.open(data_dir, tz=UTC, rng=random.Random(5))
        if col.totals()["decks"] == 0:
            col.import_path(FIXTURES / "decks" / "sample.md", T0)
        window = MainWindow(col, clock=lambda: T0)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # shortcuts go to the active window
        opened.append((window, col))
        return window

    yield open_
    for window, col in opened:
        window.close()
        col.close()
