"""The statistics window on an imported history: one row per service, right counts."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.interop.anki_zip import open_package
from app.sqlite import sqlite3
from tests.conftest import FIXTURES, T0

pytestmark = pytest.mark.gui
PACKAGE = FIXTURES / "anki" / "modern_export.apkg"


def _expected_from_package() -> dict[str, tuple[int, int]]:
    """Per AI200::service:: tag: (active cards, reviews), read straight from the package."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(open_package(PACKAGE, Path(tmp)).collection)
        cards, reviews = Counter(), Counter()
        for nid, tags in db.execute("SELECT id, tags FROM notes"):
            for tag in tags.split():
                if tag.startswith("AI200::service::"):
                    key = tag.removeprefix("AI200::service::")
                    cards[key] += db.execute(
                        "SELECT COUNT(*) FROM cards WHERE nid = ? AND queue != -1", (nid,)
                    ).fetchone()[0]
                    reviews[key] += db.execute(
                        "SELECT COUNT(*) FROM revlog r JOIN cards c ON c.id = r.cid "
                        "WHERE c.nid = ? AND r.ease > 0",
                        (nid,),
                    ).fetchone()[0]
        db.close()
    return {k: (cards[k], reviews[k]) for k in cards}


def _rows(table) -> dict[str, list[str]]:
    return {
        table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    }


def _open_stats(qtbot, window):
    window.executor.synchronous = True
    window.show_statistics()
    stats = window.stats_window
    qtbot.addWidget(stats)
    return stats


def test_one_row_per_service_with_the_expected_counts(qtbot, open_window) -> None:
    window = open_window()
    window.collection.import_path(PACKAGE, T0)
    stats = _open_stats(qtbot, window)
    rows = _rows(stats.table)
    # titles, not slugs: both services come from one deck, so each gets its product name
    assert {k: v[1] for k, v in rows.items()} == {"Azure Service Bus": "6", "Azure Monitor": "1"}
    stats.prefix.setText("AI200/service/")
    stats.by.setCurrentIndex(3)  # "Tag prefix"
    rows = _rows(stats.table)
    expected = _expected_from_package()
    assert set(rows) == set(expected)
    for key, (cards, reviews) in expected.items():
        assert (rows[key][1], rows[key][4]) == (str(cards), str(reviews)), key


def test_readiness_sorted_weakest_first_and_study_weakest(qtbot, open_window) -> None:
    window = open_window()
    col = window.collection
    for _ in range(5):  # learn every sample card, then look at them again later
        card = col.next_card(T0)
        col.answer(card.card_id, 4, T0)
    stats = _open_stats(qtbot, window)
    tree = stats.readiness_tab.tree
    domains = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    assert [d.text(0) for d in domains] == ["3 Connecting services"]  # a title, not 3-connect
    services = [domains[0].child(i) for i in range(domains[0].childCount())]
    assert {s.text(0) for s in services} == {"Azure Service Bus", "Azure Monitor"}
    bars = [tree.itemWidget(s, 5).value() for s in services]  # a bar per row
    assert bars == sorted(bars)  # weakest first within the domain
    assert [f"{b}%" for b in bars] == [s.text(4) for s in services]
    tree.setCurrentItem(next(s for s in services if s.text(0) == "Azure Service Bus"))
    window.clock = lambda: T0 + timedelta(days=1)  # nothing is due yet
    window.study_view.clock = window.clock
    qtbot.mouseClick(stats.weakest_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.study_view
    assert window.study_view.deck_label.text() == "Weakest: service-bus"
    study = window.study_view
    if study.options:
        study.pick(0)
    else:
        study.reveal()
    study.rate(3)
    with col.engine.connect() as conn:
        kinds = [
            k
            for (k,) in conn.execute(
                text("SELECT kind FROM review_log ORDER BY reviewed_at DESC LIMIT 1")
            )
        ]
    assert kinds == [1]  # recorded as an early review


def test_charts_and_calibration_receive_data(qtbot, open_window) -> None:
    window = open_window()
    window.collection.import_path(PACKAGE, T0)
    stats = _open_stats(qtbot, window)
    stats.prefix.setText("AI200/service/")
    stats.by.setCurrentIndex(3)
    assert stats.charts_tab.forecast_chart.days and len(stats.charts_tab.forecast_chart.days) == 30
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(open_package(PACKAGE, Path(tmp)).collection)
        (with_memory,) = db.execute(
            "SELECT COUNT(*) FROM cards WHERE data LIKE '%\"s\":%' AND queue != -1 AND type != 0"
        ).fetchone()
        db.close()
    assert len(stats.charts_tab.stability_chart.values) == with_memory  # active cards with a memory
    assert stats.calibration_group.count() == len(_expected_from_package())


def test_optimise_and_workload_from_the_fsrs_tab(qtbot, open_window) -> None:
    window = open_window()
    window.collection.import_path(PACKAGE, T0)
    stats = _open_stats(qtbot, window)
    stats.fsrs_tab.estimate_workload()
    rates = [stats.fsrs_tab.workload_table.item(r, 0).text() for r in range(4)]
    assert rates == ["80%", "85%", "90%", "95%"]
    load = [float(stats.fsrs_tab.workload_table.item(r, 1).text()) for r in range(4)]
    assert load == sorted(load)  # a higher retention costs more reviews
    stats.fsrs_tab.optimize()  # 88 reviews: too few to fit, and the window says how many it needs
    assert "review" in stats.fsrs_tab.optimize_result.text()
    assert not stats.fsrs_tab.apply_button.isEnabled()
