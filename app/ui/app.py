"""Start the desktop app."""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.errors import CirrusError
from app.core.models import Rating
from app.storage.bundled import bundled_root
from app.storage.collection import Collection
from app.storage.lock import LockedError
from app.ui.lifecycle import Lifecycle
from app.ui.open_problem import open_with_recovery
from app.ui.single_instance import hand_over, listen_for_launches

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def run_gui(data_dir: Path, smoke: bool = False, open_file: Path | None = None) -> int:
    started = time.perf_counter()
    if smoke:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("Cirrus")
    app.setOrganizationName("Cirrus")
    icon = bundled_root() / "resources" / "icons" / "cirrus.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    if not smoke and hand_over(data_dir, open_file):
        return 0  # the window already open on this folder came to the front
    note = ""
    try:
        if smoke:
            collection = Collection.open(data_dir)
        else:
            opened = open_with_recovery(data_dir)
            if opened is None:
                return 2
            collection, data_dir, note = opened
    except LockedError as exc:
        if not smoke and hand_over(data_dir, open_file):
            return 0
        if smoke:
            print(f"cirrus smoke: FAILED: {exc}", file=sys.stderr)
        else:
            QMessageBox.warning(None, "Your collection is in use", str(exc))
        return 2
    except CirrusError as exc:
        if smoke:
            print(f"cirrus smoke: FAILED: {exc}", file=sys.stderr)
            return 1
        QMessageBox.critical(None, "Cirrus cannot open your collection", str(exc))
        return 1
    try:
        collection.sync_bundled(datetime.now(UTC))
    except CirrusError as exc:
        collection.close()
        if smoke:
            print(f"cirrus smoke: FAILED: {exc}", file=sys.stderr)
            return 1
        QMessageBox.critical(None, "Cirrus cannot open your collection", str(exc))
        return 1

    collection.prefetch_counts(datetime.now(UTC))  # counted while the window is built
    from app.ui.theme import apply_theme

    apply_theme(app, str(collection.setting("theme", "system")))
    window = open_main_window(collection, open_file)
    if note:
        window.statusBar().showMessage(note, 15000)
    if not smoke:
        listen_for_launches(window, data_dir)
    lifecycle = None if smoke else Lifecycle(app, window)
    log.info("main window open on %s", data_dir)
    try:
        if smoke:
            return _smoke(app, window, collection, started)
        return app.exec()
    finally:
        if lifecycle is not None:
            lifecycle.uninstall()
        window.close()
        window.deleteLater()
        collection.close()


def open_main_window(collection: Collection, open_file: Path | None = None) -> MainWindow:
    """Show the main window; with ``open_file``, start importing it (preview first)."""
    from app.ui.main_window import MainWindow

    window = MainWindow(collection)
    window.show()
    if open_file is not None:
        window.import_flow.start(open_file)
    return window


def _statistics_problem(window: MainWindow) -> str | None:
    """Open the statistics window (charts included) and check it shows the groups."""
    window.executor.synchronous = True
    try:
        window.show_statistics()
    except Exception as exc:  # a frozen build missing a module fails here
        return f"statistics window: {exc!r}"
    stats = window.stats_window
    if stats is None or stats.table.rowCount() == 0:
        return "statistics window shows no groups"
    stats.close()
    return None


def _smoke(app: QApplication, window: object, collection: Collection, started: float) -> int:
    """Show and answer one card offscreen, check rendering, print one line of figures.

    ``first_card_ms`` counts from ``run_gui``; ``start_ms`` (printed when the launcher set
    ``CIRRUS_LAUNCH_TIME_NS`` to ``time.time_ns()`` just before starting the process) counts
    from the launch itself, interpreter and imports included.
    """
    from app.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    window.start_study(None)
    app.processEvents()
    shown_ms = (time.perf_counter() - started) * 1000
    launched = os.environ.get("CIRRUS_LAUNCH_TIME_NS", "")
    start = f" start_ms={(time.time_ns() - int(launched)) / 1e6:.0f}" if launched.isdigit() else ""
    card = window.study_view.card
    if card is None:
        print("cirrus smoke: FAILED: no card to show", file=sys.stderr)
        return 1
    window.study_view.reveal()
    window.study_view.rate(Rating.GOOD)
    from app.ui.card_math import math_problem

    problem = _render_problem() or math_problem() or _statistics_problem(window)
    if problem:
        print(f"cirrus smoke: FAILED: {problem}", file=sys.stderr)
        return 1
    totals = collection.totals()
    print(
        f"cirrus smoke: ok first_card_ms={shown_ms:.0f}{start} cards={totals['cards']} "
        f"review_logs={totals['review_logs']} render=ok stats=ok"
    )
    window.close()
    return 0 if totals["review_logs"] >= 1 else 1


_SMOKE_CODE = {"python": "def f(x):\n    return x", "bash": "echo $HOME", "kusto": "T | take 1"}


def _render_problem() -> str:
    """What a card with a table, a task list or code cannot show, or "" when all renders.

    Markdown extensions, Pygments lexers and styles are loaded by name at run time, so a
    frozen build that left one out fails here rather than on a learner's card.
    """
    from app.core.render import markdown_html

    for dark in (False, True):
        html = markdown_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n", dark)
        if "<table" not in html or 'type="checkbox"' not in html:
            return f"a table or a task list did not render (dark={dark})"
        for lang, code in _SMOKE_CODE.items():
            if '<span style="color' not in markdown_html(f"```{lang}\n{code}\n```\n", dark):
                return f"{lang} code was not highlighted (dark={dark})"
    return ""


def main() -> int:
    """Entry point of the windowed launcher: the same options as ``cirrus``."""
    from app.cli import main as cli_main

    return cli_main(sys.argv[1:])
