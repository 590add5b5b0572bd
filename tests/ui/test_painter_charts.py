from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QToolTip, QWidget

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
from app.ui.painter_base import date_ticks, nice_ticks
from app.ui.painter_charts import (
    CalendarHeatmapWidget,
    CalibrationWidget,
    ForecastWidget,
    HistogramWidget,
    RetentionPerWeekWidget,
    ReviewsPerDayWidget,
    histogram,
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


def pixel(widget: QWidget, x: float, y: float) -> QColor:
    return widget.grab().toImage().pixelColor(round(x), round(y))


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


def test_histogram_counts_like_equal_bins_or_edges() -> None:
    assert histogram([1, 2, 2, 3, 9, 10], [1, 4, 7, 10]) == ([4, 0, 2], [1.0, 4.0, 7.0, 10.0])
    assert histogram([0, 11, 5], [1, 4, 7, 10])[0] == [0, 1, 0]  # outside the edges: not counted
    counts, edges = histogram([0.0, 1.0, 0.5, 1.0], 2)
    assert counts == [1, 3] and edges == [0.0, 0.5, 1.0]
    assert histogram([3.0, 3.0], 2) == ([0, 2], [2.5, 3.0, 3.5])  # one value: a unit range
    assert histogram([], 5) == ([], [])


def test_ticks_are_round_values_and_dates_that_fit() -> None:
    assert nice_ticks(0, 33.6, 4, integer=True) == [0, 10, 20, 30]
    assert nice_ticks(0, 3.2, 8, integer=True) == [0, 1, 2, 3]
    assert nice_ticks(49, 102, 6) == [50, 60, 70, 80, 90, 100]
    assert nice_ticks(49, 102, 3) == [60, 80, 100]
    low, high = day_x(day(-30)), day_x(day(0))
    weekly = date_ticks(low, high, 300 / (high - low), 40)
    assert weekly and all(d.weekday() == 0 for d in weekly)
    daily = date_ticks(low, high, 3000 / (high - low), 40)
    assert len(daily) == 31
    monthly = date_ticks(day_x(day(-365)), high, 300 / (high - low + 335 * 86_400), 40)
    assert monthly and all(d.day == 1 for d in monthly)


# -- widgets ---------------------------------------------------------------------------------


def test_reviews_per_day_stacks_one_bar_per_day_and_rating(show) -> None:
    widget = show(ReviewsPerDayWidget())
    widget.set_data([DayRatings(day(-2), 1, 2, 3, 4), DayRatings(day(0), 0, 0, 5, 1)])
    assert not widget.is_empty()
    assert [len(bars) for bars in widget.bars.values()] == [2, 2, 2, 2]
    easy = widget.bars["easy"]
    assert [b.y0 for b in easy] == [6, 5]  # on top of Again + Hard + Good
    assert [b.height for b in easy] == [4, 1]
    assert widget.legend_entries == ["Again", "Hard", "Good", "Easy"]
    text = widget.hover_text_at(day_x(day(-2)) + 20_000)
    assert text == "Tue 24 Nov 2026\n10 reviews\nAgain 1 · Hard 2 · Good 3 · Easy 4"
    assert widget.hover_text_at(day_x(day(-1))) == ""  # no bar that day
    # the Good part of the first bar is drawn in the Good colour
    middle = widget.bar_rect(widget.bars["good"][0]).center()
    assert pixel(widget, middle.x(), middle.y()) == widget.rating_colour("good")


def test_reviews_per_day_shows_the_empty_text_without_reviews(show) -> None:
    widget = show(ReviewsPerDayWidget())
    assert widget.is_empty() and widget.legend_entries == []
    assert widget.empty_text == "No reviews in this period"
    widget.set_data([DayRatings(day(0), 0, 0, 1, 0)])
    assert not widget.is_empty()
    widget.set_data([])
    assert widget.is_empty()
    assert widget.hover_text_at(day_x(day(0))) == ""
    widget.show_hover(day_x(day(0)), 1)
    assert widget.hover_text == ""


def test_moving_the_mouse_over_a_bar_shows_its_values(qtbot, show) -> None:
    widget = show(ForecastWidget())
    widget.set_data([(day(i), i * 2) for i in range(30)])
    point = widget.to_pixels(day_x(day(10)), 5).toPoint()
    qtbot.mouseMove(widget, point)
    qtbot.waitUntil(lambda: widget.hover_text != "", timeout=1000)
    assert widget.hover_text == "Sun 6 Dec 2026\n20 reviews due"
    assert QToolTip.text() == "Sun 6 Dec 2026\n20 reviews due"
    qtbot.mouseMove(widget, QPoint(2, 2))  # outside the axes
    qtbot.waitUntil(lambda: widget.hover_text == "", timeout=1000)


def test_mouse_position_maps_back_to_data(show) -> None:
    widget = show(CalibrationWidget())
    widget.set_data([CalibrationBin(0.5, 0.4, 10)])
    x, y = widget.to_data(widget.to_pixels(37.5, 62.5))
    assert x == pytest.approx(37.5) and y == pytest.approx(62.5)


def test_forecast_draws_a_bar_per_day(show) -> None:
    widget = show(ForecastWidget())
    widget.set_data([(day(i), 3) for i in range(30)])
    assert len(widget.bars) == 30 and {b.height for b in widget.bars} == {3}
    assert widget.hover_text_at(day_x(day(1))) == "Fri 27 Nov 2026\n3 reviews due"
    assert widget.show_hover(day_x(day(1)), 1) == "Fri 27 Nov 2026\n3 reviews due"
    assert widget.hover_text == "Fri 27 Nov 2026\n3 reviews due"
    assert widget.show_hover(day_x(day(40)), 1) == ""
    assert widget.hover_text == ""
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
    ys = [y for _, y in widget.curves["Compute"]]
    assert ys[1] is None and [ys[0], ys[2]] == [90.0, 80.0]
    assert 0.0 not in ys
    # the gap splits the line: two single points, no segment through the empty week
    assert widget.segments("Compute") == [[(day_x(weeks[0]), 90.0)], [(day_x(weeks[2]), 80.0)]]
    assert len(widget.segments("Storage")) == 1
    low, high = widget.y_range
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
    assert widget.is_empty() and widget.legend_entries == []
    widget.set_data({})
    assert widget.is_empty()


def test_calendar_shows_the_streak_and_a_cell_per_day(show) -> None:
    widget = show(CalendarHeatmapWidget())
    days = {day(-1): 3, day(-2): 1, day(-3): 8, day(-10): 20, day(-400): 50}
    widget.set_data(days, TODAY)
    assert widget.streak_label.text() == "Streak: 3 days"
    assert widget.summary_label.text() == "32 reviews on 4 of the last 365 days"
    assert len(widget.cells) == 365
    assert sum(1 for cell in widget.cells if cell.level > 0) == 4
    column, row = heatmap_cell(day(-10), TODAY)
    assert widget.hover_text_at(column, row) == "Mon 16 Nov 2026\n20 reviews"
    column, row = heatmap_cell(day(-5), TODAY)
    assert widget.hover_text_at(column + 0.3, row - 0.3) == "Sat 21 Nov 2026\nNo reviews"
    assert widget.hover_text_at(column, 9) == ""
    # Monday is the top row, and the cell of a day is drawn where hovering names that day
    top, bottom = widget.to_pixels(column, 0), widget.to_pixels(column, 6)
    assert top.y() < bottom.y()
    x, y = widget.to_data(widget.to_pixels(*heatmap_cell(day(-10), TODAY)))
    assert widget.hover_text_at(x, y) == "Mon 16 Nov 2026\n20 reviews"
    assert widget.plot_rect().top() > widget.streak_label.geometry().bottom()
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
    assert widget.values == [1, 2, 2, 3, 9, 10]
    assert widget.counts == [4, 0, 2]
    assert [b.height for b in widget.bars] == [4, 0, 2]
    assert widget.x_label == "Difficulty" and widget.y_label == "Cards"
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
    assert [p.x for p in widget.points] == [75.0, 95.0]
    assert [round(p.y, 6) for p in widget.points] == [60.0, 93.0]
    assert widget.points[0].size < widget.points[1].size
    assert widget.legend_entries == ["Observed per bin (size: reviews)", "Exact"]
    assert widget.hover_text_at(96) == "Predicted 95.0%\nObserved 93.0%\n400 reviews"
    assert widget.hover_text_at(84) == "Predicted 85.0%\nNo reviews"
    assert widget.hover_text_at(40) == ""
    centre = widget.to_pixels(95, 93)
    assert pixel(widget, centre.x(), centre.y()) == widget.accent
    widget.set_data([CalibrationBin(0.5, None, 0)])
    assert widget.is_empty()


def test_charts_follow_a_dark_palette(show) -> None:
    widget = show(ReviewsPerDayWidget())
    widget.set_data([DayRatings(day(0), 1, 1, 1, 1)])
    light_again = widget.rating_colour("again")
    corner = widget.plot_rect().topRight()
    light_background = pixel(widget, corner.x() - 3, corner.y() + 3)
    widget.setPalette(dark_palette())
    assert widget.rating_colour("again") != light_again
    assert widget.background == QColor("#171717")
    assert widget.foreground == QColor("#e8eaed")
    dark_background = pixel(widget, corner.x() - 3, corner.y() + 3)
    assert dark_background == QColor("#171717") != light_background
    again = widget.bar_rect(widget.bars["again"][0]).center()
    assert pixel(widget, again.x(), again.y()) == QColor("#f85149")
    widget.set_data([])  # the empty-state text stays readable on the dark background
    assert widget.empty_colour.lightness() - widget.background.lightness() > 100


def test_every_chart_paints_at_its_minimum_size(show) -> None:
    charts: list[QWidget] = []
    reviews = ReviewsPerDayWidget()
    reviews.set_data([DayRatings(day(-i), 1, 2, 3, 4) for i in range(90)])
    forecast = ForecastWidget()
    forecast.set_data([(day(i), i) for i in range(30)])
    heatmap = CalendarHeatmapWidget()
    heatmap.set_data({day(-i): i % 5 for i in range(365)}, TODAY)
    histogram_ = HistogramWidget()
    histogram_.set_data([i / 7 for i in range(100)], 20, "stability (days)")
    retention = RetentionPerWeekWidget()
    retention.set_data({"A": [(day(-3 - 7 * i), 0.8, 3) for i in range(13)]})
    calibration = CalibrationWidget()
    calibration.set_data([CalibrationBin(0.9, 0.85, 30)])
    charts = [reviews, forecast, heatmap, histogram_, retention, calibration, ForecastWidget()]
    for chart in charts:
        show(chart)
        chart.resize(chart.minimumSize())
        assert chart.minimumWidth() <= 320 and chart.minimumHeight() <= 180
        rect = chart.plot_rect()
        assert rect.width() > 50 and rect.height() > 30
        assert not chart.grab().isNull()


def test_the_painted_charts_need_neither_pyqtgraph_nor_numpy() -> None:
    code = (
        "import sys, app.ui.app, app.ui.main_window, app.ui.painter_charts; "
        "print('pyqtgraph' in sys.modules, 'numpy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False False"
