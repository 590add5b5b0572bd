"""Browser speed on a 100,000-card collection: first rows on screen, and sorting by every
column (cards and notes mode), through the real window (offscreen) and its lazy model.

"First rows" is the time from asking the window to search to the first screenful of
cells being read (the ids of every match, sorted, plus one page of cells). Targets:
first rows < 0.5 s, any sort < 1 s.

    QT_QPA_PLATFORM=offscreen python benchmarks/browser_speed.py [--cards 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.storage.browse_repo import COLUMNS  # noqa: E402
from app.ui.browser.browser_window import BrowserWindow  # noqa: E402
from app.ui.db_executor import DbExecutor  # noqa: E402
from benchmarks.build_collection import NOW, build  # noqa: E402

SCREEN_ROWS = 30
QUERIES = (
    'deck:"Bench::Deck 03" tag:service/s01',
    "is:due",
    "prop:ivl>10 -is:suspended",
    "flag:1 OR is:suspended",
    "(tag:service/s0* OR deck:Bench*) -is:new prop:s>5",
    "question*",
)


def _first_rows(app: QApplication, browser: BrowserWindow, query: str | None = None) -> float:
    start = time.perf_counter()
    browser.search(query)
    model = browser.model
    for row in range(min(SCREEN_ROWS, model.rowCount())):
        for column in range(model.columnCount()):
            model.data(model.index(row, column))
    app.processEvents()
    return time.perf_counter() - start


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        col = build(Path(tmp), ARGS.cards)
        try:
            col.set_setting("browser_columns", [c.key for c in COLUMNS])
            start = time.perf_counter()
            browser = BrowserWindow(col, DbExecutor(synchronous=True), lambda: NOW)
            browser.show()
            opened = _first_rows(app, browser) + (time.perf_counter() - start)
            print(
                f"{col.totals()['cards']} cards, {len(COLUMNS)} columns; open the browser and "
                f"show its first rows: {opened:.3f} s (target < 0.5 s)"
            )
            again = [_first_rows(app, browser) for _ in range(5)]
            print(
                f"search again (all cards, by sort field): median "
                f"{statistics.median(again):.3f} s, worst {max(again):.3f} s"
            )
            worst = 0.0
            for notes in (False, True):
                browser.set_notes_mode(notes)
                for column in COLUMNS:
                    for descending in (False, True):
                        start = time.perf_counter()
                        browser._sort(column.key, descending)
                        model = browser.model
                        for row in range(min(SCREEN_ROWS, model.rowCount())):
                            model.data(model.index(row, 0))
                        app.processEvents()
                        took = time.perf_counter() - start
                        worst = max(worst, took)
                        mode = "notes" if notes else "cards"
                        arrow = "desc" if descending else "asc"
                        print(f"  sort {mode:5} {column.key:15} {arrow}: {took:.3f} s")
            print(f"worst sort: {worst:.3f} s (target < 1 s)")
            browser.set_notes_mode(False)
            browser._sort("sort", False)
            for query in QUERIES:
                browser.search_edit.setText(query)
                took = _first_rows(app, browser, query)
                print(
                    f"search {query!r}: {browser.model.rowCount()} cards, first rows {took:.3f} s"
                )
            browser.close()
        finally:
            col.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=100_000)
    ARGS = parser.parse_args()
    main()
