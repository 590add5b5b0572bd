from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

from app.ui.chart_data import (
    CalibrationBin,
    DayRatings,
    count_levels,
    current_streak,
    day_x,
    format_number,
    heatmap_cell,
    heatmap_day,
    x_day,
)
from app.ui.charts import (
    CalendarHeatmapWidget,
    CalibrationWidget,
    ForecastWidget,
    HistogramWidget,
    RetentionPerWeekWidget,
    ReviewsPerDayWidget,
)

pytestmark = pytest.mark.gui

TODAY = date(2026, 11, 26)  # a Thursday
ROOT = Path(__file__).resolve().parents[2]


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@pytest.fixture
def show(qtbot):
    def show_(widget: QWidget) -> QWidget:
        qtbot.addWidget(widget)
        widget.resize(640, 320)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return show_


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Base, "#171717"),
        (QPalette.ColorRole.Text, "#e8eaed"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


# -- pure helpers ----------------------------------------------------------------------------


def test_streak_counts_consecutive_days_up_to_today() -> None:
    days = {day(0): 4, day(-1): 1, day(-2): 9, day(-4): 3}
    assert current_streak(days, TODAY) == 3


def test_streak_is_not_broken_by_today_without_reviews_yet() -> None:
    days = {day(-1): 2, day(-2): 2, day(0): 0}
    assert current_streak(days, TODAY) == 2


def test_streak_ends_after_a_missed_day() -> None:
    assert current_streak({day(-2): 5, day(-3): 5}, TODAY) == 0
    assert current_streak({day(0): 1, day(-2): 5}, TODAY) == 1
    assert current_streak({}, TODAY) == 0
    assert current_streak({day(1): 7}, TODAY) == 0  # a future day is no streak


def test_calendar_cells_map_to_days_and_back() -> None:
    assert heatmap_cell(TODAY, TODAY)[1] == 3  # Thursday row
    first = TODAY - timedelta(days=364)
    assert heatmap_cell(first, TODAY) == (0, first.weekday())
    for d in (first, day(-100), TODAY):
        assert heatmap_day(*heatmap_cell(d, TODAY), TODAY) == d
    assert heatmap_day(*heatmap_cell(day(1), TODAY), TODAY) is None
    assert heatmap_day(0, first.weekday() - 1, TODAY) is None  # before the first day
    assert x_day(day_x(TODAY) + 3600) == TODAY


def test_bin_edges_read_well() -> None:
    assert [format_number(v) for v in (3, 3.1, 0.75249, 26.333, 1234.5)] == [
        "3",
        "3.1",
        "0.752",
        "26.3",
        "1,234",
    ]


def test_count_levels_are_quartiles_of_review_days() -> None:
    assert count_levels([0, 1, 2, 3, 4, 0]) == [0, 1, 2, 3, 4, 0]
    assert count_levels([0, 0]) == [0, 0]


# -- widgets ---------------------------------------------------------------------------------


def test_reviews_per_day_stacks_one_bar_per_day_and_rating(show) -> None:
    widget = show(ReviewsPerDayWidget())
    widget.set_data([DayRatings(day(-2), 1, 2, 3, 4), DayRatings(day(0), 0, 0, 5, 1)])
    assert not widget.is_empty()
    assert [len(bar.opts["x"]) for bar in widget.bars.values()] == [2, 2, 2, 2]
    easy = widget.bars["easy"].opts
    assert list(easy["y0"]) == [6, 5]  # on top of Again + Hard + Good
    assert list(easy["height"]) == [4, 1]
    assert widget.legend_entries == ["Again", "Hard", "Good", "Easy"]
    text = widget.hover_text_at(day_x(day(-2)) + 20_000)
    assert text == "Tue 24 Nov 2026\n10 reviews\nAgain 1 · Hard 2 · Good 3 · Easy 4"
    assert widget.hover_text_at(day_x(day(-1))) == ""  # no bar that day


def test_reviews_per_day_shows_the_empty_text_without_reviews(show) -> None:
    widget = show(ReviewsPerDayWidget())
    assert widget.is_empty() and widget.empty_label.isVisible()
    widget.set_data([DayRatings(day(0), 0, 0, 1, 0)])
    assert widget.plot.isVisible() and not widget.empty_label.isVisible()
    widget.set_data([])
    assert widget.empty_label.isVisible()
    assert widget.hover_text_at(day_x(day(0))) == ""


def test_moving_the_mouse_over_a_bar_shows_its_values(qtbot, show) -> None:
    widget = show(ForecastWidget())
    widget.set_data([(day(i), i * 2) for i in range(30)])
    box = widget.item.getViewBox()
    scene = box.mapViewToScene(QPointF(day_x(day(10)), 5))
    qtbot.mouseMove(widget.plot.viewport(), widget.plot.mapFromScene(scene))
    qtbot.waitUntil(widget.hover_label.isVisible, timeout=1000)
    assert widget.hover_label.toPlainText() == "Sun 6 Dec 2026\n20 reviews due"


def test_forecast_draws_a_bar_per_day(show) -> None:
    widget = show(ForecastWidget())
    widget.set_data([(day(i), 3) for i in range(30)])
    assert widget.bars is not None and len(widget.bars.opts["x"]) == 30
    assert widget.hover_text_at(day_x(day(1))) == "Fri 27 Nov 2026\n3 reviews due"
    assert widget.show_hover(day_x(day(1)), 1) == "Fri 27 Nov 2026\n3 reviews due"
    assert widget.hover_label.isVisible()
    assert widget.show_hover(day_x(day(40)), 1) == ""
    assert not widget.hover_label.isVisible()
    widget.set_data([(day(i), 0) for i in range(30)])
    assert widget.is_empty()


def test_retention_leaves_weeks_without_reviews_as_gaps(show) -> None:
    weeks = [day(-3 - 7 * i) for i in range(3, -1, -1)]
    widget = show(RetentionPerWeekWidget())
    widget.set_data(
        {
            "Compute": [(weeks[0], 0.9, 10), (weeks[1], None, 0), (weeks[2], 0.8, 5)],
            "Storage": [(w, 0.75, 4) for w in weeks],
        }
    )
    assert widget.legend_entries == ["Compute", "Storage"]
    _, ys = widget.curves["Compute"].getData()
    assert np.isnan(ys[1]) and list(ys[[0, 2]]) == [90.0, 80.0]
    assert 0.0 not in ys
    low, high = widget.item.getViewBox().viewRange()[1]
    assert low > 0 and high >= 100
    text = widget.hover_text_at(day_x(weeks[1]) + 2 * 86_400)
    assert text == "Week of Mon 9 Nov 2026\nCompute: no reviews\nStorage: 75.0% of 4 reviews"
    assert widget.hover_text_at(day_x(weeks[3])).endswith(
        "Compute: no reviews\nStorage: 75.0% of 4 reviews"
    )


def test_a_group_without_any_rate_gets_no_line(show) -> None:
    widget = show(RetentionPerWeekWidget())
    widget.set_data(
        {"Empty": [(day(-3), None, 0), (day(-10), None, 0)], "Single": [(day(-3), 0.5, 2)]}
    )
    assert list(widget.curves) == ["Single"] and widget.legend_entries == ["Single"]
    assert widget.hover_text_at(day_x(day(-3))).endswith(
        "Empty: no reviews\nSingle: 50.0% of 2 reviews"
    )


def test_retention_without_any_rate_is_empty(show) -> None:
    widget = show(RetentionPerWeekWidget())
    widget.set_data({"Compute": [(day(-3), None, 0)]})
    assert widget.is_empty() and not widget.legend_label.isVisible()
    widget.set_data({})
    assert widget.is_empty()


def test_calendar_shows_the_streak_and_a_cell_per_day(show) -> None:
    widget = show(CalendarHeatmapWidget())
    days = {day(-1): 3, day(-2): 1, day(-3): 8, day(-10): 20, day(-400): 50}
    widget.set_data(days, TODAY)
    assert widget.streak_label.text() == "Streak: 3 days"
    assert widget.summary_label.text() == "32 reviews on 4 of the last 365 days"
    assert widget.cells is not None and len(widget.cells.data) == 365
    column, row = heatmap_cell(day(-10), TODAY)
    assert widget.hover_text_at(column, row) == "Mon 16 Nov 2026\n20 reviews"
    column, row = heatmap_cell(day(-5), TODAY)
    assert widget.hover_text_at(column + 0.3, row - 0.3) == "Sat 21 Nov 2026\nNo reviews"
    assert widget.hover_text_at(column, 9) == ""
    widget.set_data({TODAY: 1}, TODAY)
    assert widget.streak_label.text() == "Streak: 1 day"


def test_calendar_without_reviews_this_year_is_empty(show) -> None:
    widget = show(CalendarHeatmapWidget())
    widget.set_data({day(-400): 5}, TODAY)
    assert widget.is_empty()
    assert widget.streak_label.text() == "Streak: 0 days"


def test_histogram_counts_values_in_bins(show) -> None:
    widget = show(HistogramWidget())
    widget.set_data([1, 2, 2, 3, 9, 10, float("nan")], bins=[1, 4, 7, 10], x_label="Difficulty")
    assert list(widget.counts) == [4, 0, 2]
    assert widget.bars is not None and len(widget.bars.opts["height"]) == 3
    assert widget.item.getAxis("bottom").labelText == "Difficulty"
    assert widget.hover_text_at(2.5) == "1 to 4\nCards: 4 (67%)"
    assert widget.hover_text_at(10) == "7 to 10\nCards: 2 (33%)"
    assert widget.hover_text_at(11) == ""
    widget.set_data([0.1, 0.95, 0.97], bins=4, x_label="Retrievability")
    assert widget.hover_text_at(0.9) == "0.752 to 0.97\nCards: 2 (67%)"
    widget.set_data([], bins=10, x_label="Stability (days)")
    assert widget.is_empty()


def test_calibration_draws_observed_bins_and_the_diagonal(show) -> None:
    widget = show(CalibrationWidget())
    widget.set_data(
        [
            CalibrationBin(0.75, 0.6, 40),
            CalibrationBin(0.85, None, 0),
            CalibrationBin(0.95, 0.93, 400),
        ]
    )
    assert widget.points is not None
    xs, ys = widget.points.getData()
    assert list(xs) == [75.0, 95.0] and list(np.round(ys, 6)) == [60.0, 93.0]
    sizes = [spot.size() for spot in widget.points.points()]
    assert sizes[0] < sizes[1]
    assert widget.legend_entries == ["Observed per bin (size: reviews)", "Exact"]
    assert widget.hover_text_at(96) == "Predicted 95.0%\nObserved 93.0%\n400 reviews"
    assert widget.hover_text_at(84) == "Predicted 85.0%\nNo reviews"
    assert widget.hover_text_at(40) == ""
    widget.set_data([CalibrationBin(0.5, None, 0)])
    assert widget.is_empty()


def test_charts_follow_a_dark_palette(show) -> None:
    widget = show(ReviewsPerDayWidget())
    widget.set_data([DayRatings(day(0), 1, 1, 1, 1)])
    light_again = widget.bars["again"].opts["brush"]
    widget.setPalette(dark_palette())
    assert QColor(widget.bars["again"].opts["brush"]) != QColor(light_again)
    assert widget.plot.backgroundBrush().color() == QColor("#171717")
    axis = widget.item.getAxis("left")
    assert axis.textPen().color() == QColor("#e8eaed")


def test_the_app_starts_without_pyqtgraph() -> None:
    code = (
        "import sys, app.ui.app, app.ui.main_window, app.ui.chart_data; "
        "print('pyqtgraph' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
