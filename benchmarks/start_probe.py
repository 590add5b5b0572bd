"""Run inside a fresh start process: print when the first screen has painted.

``python -m benchmarks.start_probe bare``: the bare PySide6 window
(``packaging/bare_window.py``); ``python -m benchmarks.start_probe cirrus DATA_DIR
[DECK]``: the real Cirrus start (``app.cli.main``), and with ``DECK`` it opens that
deck's study screen as soon as the main window is up (a learner pressing Enter at once).
Each prints ``PAINTED <what> <time.monotonic_ns()>`` after the widget's first paint has
been handled (the next turn of the event loop), then exits without closing anything.
Anki's side is an add-on (:mod:`benchmarks.start_speed` writes it).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _report_after_paint(widget: Any, what: str) -> None:
    """Print once ``widget`` has handled its first paint event, then leave at once."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class Watch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                QTimer.singleShot(0, done)
                widget.removeEventFilter(self)
            return False

    def done() -> None:
        print(f"PAINTED {what} {time.monotonic_ns()}", flush=True)
        os._exit(0)

    watch = Watch(widget)
    widget.installEventFilter(watch)


def bare() -> None:
    sys.path.insert(0, str(ROOT / "packaging"))
    import bare_window  # type: ignore[import-not-found]

    shown = bare_window.QLabel

    class Label(shown):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            _report_after_paint(self, "bare")

    bare_window.QLabel = Label
    bare_window.main()


def cirrus(data_dir: str, deck: str = "") -> None:
    # the modules app.cli.main's parser imports before any Qt module, in the same order:
    # imported after PySide6, each module would also go through PySide6's import hook
    import app.cli_commands
    import app.ui.app as gui

    opened = gui.open_main_window

    def open_main_window(collection: Any, open_file: Path | None = None) -> Any:
        window = opened(collection, open_file)
        if deck:
            card_view = window.study_view.view
            _report_after_paint(card_view.viewport(), "cirrus-first-card")
            window.start_study(deck)
            if window.study_view.card is None:
                print("no card to show", file=sys.stderr)
                os._exit(1)
        else:
            _report_after_paint(window.decks_view.tree.viewport(), "cirrus-deck-list")
        return window

    gui.open_main_window = open_main_window
    from app.cli import main

    main(["--data-dir", data_dir])


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        bare()
    else:
        cirrus(*sys.argv[2:])
    sys.exit(1)  # closed without painting
