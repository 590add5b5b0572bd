"""The statistics window's keys, titles, exam date, chart range and tag root."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from tests.conftest import T0
from tests.ui.test_stats_window import PACKAGE, _open_stats

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("close_key", ["Esc", "Ctrl+W"])
def test_escape_and_ctrl_w_close_it(qtbot, open_window, close_key) -> None:
    window = open_window()
    stats = _open_stats(qtbot, window)
    qtbot.waitExposed(stats)
    stats.activateWindow()
    qtbot.waitUntil(stats.isActiveWindow)
    if close_key == "Esc":
        qtbot.keyClick(stats.tabs, Qt.Key.Key_Escape)
    else:
        qtbot.keyClick(stats.tabs, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not stats.isVisible()


def test_exam_date_not_set_until_typed_and_saved_on_enter_or_leaving(qtbot, open_window) -> None:
    window = open_window()
    stats = _open_stats(qtbot, window)
    qtbot.waitExposed(stats)
    stats.activateWindow()
    qtbot.waitUntil(stats.isActiveWindow)  # focus moves only inside the active window
    edit = stats.exam.edit
    assert edit.text() == "" and edit.placeholderText() == "not set"
    assert stats.exam.text() == "not set" and "exam not set" in stats.status.text()
    assert window.collection.setting("exam_date") is None
    edit.setFocus()
    qtbot.keyClicks(edit, "2027-02-15")
    assert window.collection.setting("exam_date") is None  # not while typing
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.collection.setting("exam_date") == "2027-02-15"
    assert "exam 2027-02-15" in stats.status.text()
    edit.selectAll()
    qtbot.keyClicks(edit, "2027-03-01")
    stats.by.setFocus()  # leaving the field saves too
    assert window.collection.setting("exam_date") == "2027-03-01"
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "next week")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert "is not a date" in stats.status.text()
    assert window.collection.setting("exam_date") == "2027-03-01"


def test_groups_show_titles_from_the_pack_and_decks(qtbot, open_window) -> None:
    window = open_window()
    stats = _open_stats(qtbot, window)
    stats.by.setCurrentIndex(1)  # Exam domain
    titles = [stats.table.item(r, 0).text() for r in range(stats.table.rowCount())]
    assert titles == ["3 Connecting services"]
    assert stats.table.item(0, 0).toolTip() == "tag domain/3-connect"


def test_chart_range_limits_the_days_shown(qtbot, open_window) -> None:
    window = open_window()
    col = window.collection
    for days_ago in (200, 40, 2):  # answers spread over the past months
        card = col.next_card(T0 - timedelta(days=days_ago))
        col.answer(card.card_id, 3, T0 - timedelta(days=days_ago))
    stats = _open_stats(qtbot, window)
    charts = stats.charts_tab
    shown, spans = {}, {}
    for index in range(charts.range.count()):
        charts.range.setCurrentIndex(index)
        days = charts.reviews_chart.days
        shown[charts.range.currentText()] = sum(1 for d in days if d.total)
        spans[charts.range.currentText()] = len(days)
    assert shown == {"1 month": 1, "3 months": 2, "1 year": 3, "All": 3}
    assert spans == {"1 month": 30, "3 months": 91, "1 year": 365, "All": 201}


def test_anki_tags_count_toward_readiness_through_the_tag_root(qtbot, open_window) -> None:
    window = open_window()
    window.collection.import_path(PACKAGE, T0)
    stats = _open_stats(qtbot, window)
    tree = stats.readiness_tab.tree

    def cards_per_row() -> dict[str, int]:
        out = {}
        for i in range(tree.topLevelItemCount()):
            top = tree.topLevelItem(i)
            for j in range(top.childCount()):
                out[top.child(j).text(0)] = int(top.child(j).text(1))
        return out

    before = cards_per_row()
    root = stats.readiness_tab.root
    root.setFocus()
    qtbot.keyClicks(root, "AI200::")
    qtbot.keyClick(root, Qt.Key.Key_Return)
    assert window.collection.setting("readiness_tag_root") == "AI200/"
    after = cards_per_row()
    assert sum(after.values()) > sum(before.values())
    assert all(after.get(k, 0) >= v for k, v in before.items())


def test_study_weakest_with_little_history_says_what_to_do(qtbot, open_window) -> None:
    window = open_window()
    stats = _open_stats(qtbot, window)
    qtbot.mouseClick(stats.weakest_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is not window.study_view
    assert "too few to find weak ones" in stats.status.text()
    assert "Study its deck first" in stats.status.text()


def test_every_tab_fits_1280x720_and_scrolls(qtbot, open_window) -> None:
    window = open_window()
    stats = _open_stats(qtbot, window)
    stats.resize(1280, 720)
    qtbot.waitExposed(stats)
    for index in range(stats.tabs.count()):
        stats.tabs.setCurrentIndex(index)
        page = stats.tabs.currentWidget()
        qtbot.wait(1)
        assert page.width() <= 1280 and page.geometry().bottom() <= stats.height()
        if isinstance(page, QScrollArea):
            inner = page.widget()
            assert inner.minimumSizeHint().width() <= page.viewport().width() + 1, (
                stats.tabs.tabText(index)
            )


def test_the_summary_counts_one_review_as_one(qtbot, open_window) -> None:
    from app.core.models import Rating

    window = open_window()
    col = window.collection
    card = col.next_card(T0)
    assert card is not None
    col.answer(card.card_id, Rating.GOOD, T0)
    stats = _open_stats(qtbot, window)
    assert " · 1 review · " in stats.status.text()
    col.answer(col.next_card(T0).card_id, Rating.GOOD, T0)  # type: ignore[union-attr]
    stats.refresh()
    assert " · 2 reviews · " in stats.status.text()
