"""Start the desktop app."""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.errors import CirrusError
from app.core.models import Rating
from app.storage.bundled import bundled_root
from app.storage.collection import Collection

log = logging.getLogger(__name__)


def run_gui(data_dir: Path, smoke: bool = False) -> int:
    started = time.perf_counter()
    if smoke:
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("Cirrus")
    app.setOrganizationName("Cirrus")
    icon = bundled_root() / "resources" / "icons" / "cirrus.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    try:
        collection = Collection.open(data_dir)
        collection.sync_bundled(datetime.now(UTC))
    except CirrusError as exc:
        if smoke:
            print(f"cirrus smoke: FAILED: {exc}", file=sys.stderr)
            return 1
        QMessageBox.critical(None, "Cirrus cannot open your collection", str(exc))
        return 1

    from app.ui.main_window import MainWindow

    window = MainWindow(collection)
    window.show()
    try:
        if smoke:
            return _smoke(app, window, collection, started)
        return app.exec()
    finally:
        collection.close()


def _smoke(app: QApplication, window: object, collection: Collection, started: float) -> int:
    from app.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    window.start_study(None)
    app.processEvents()
    shown_ms = (time.perf_counter() - started) * 1000
    card = window.study_view.card
    if card is None:
        print("cirrus smoke: FAILED: no card to show", file=sys.stderr)
        return 1
    window.study_view.reveal()
    window.study_view.rate(Rating.GOOD)
    totals = collection.totals()
    print(
        f"cirrus smoke: ok first_card_ms={shown_ms:.0f} cards={totals['cards']} "
        f"review_logs={totals['review_logs']}"
    )
    window.close()
    return 0 if totals["review_logs"] >= 1 else 1


def main() -> int:
    """Entry point of the windowed launcher: the same options as ``cirrus``."""
    from app.cli import main as cli_main

    return cli_main(sys.argv[1:])
