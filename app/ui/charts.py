"""Statistics charts: reviews per day, retention per week, due forecast, review calendar,
distributions and calibration.

Each widget takes plain data through ``set_data`` (built off the GUI thread from
``app.ui.chart_data``), shows an empty-state text without data, and shows the values under
the mouse; ``hover_text_at`` gives that text for plot coordinates (dates are seconds since
1970-01-01 UTC, see ``chart_data.day_x``; percentages are 0-100).

This module imports pyqtgraph: import it lazily, when the statistics are first opened.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from app.ui.chart_base import ChartWidget, mix, series_colour
from app.ui.chart_data import (
    DAY_SECONDS,
    CalibrationBin,
    DayRatings,
    WeekRetention,
    count_levels,
    current_streak,
    day_x,
    format_day,
    format_number,
    heatmap_cell,
    heatmap_day,
    heatmap_start,
    nearest_index,
    percent,
    plural,
)

RATINGS = ("again", "hard", "good", "easy")
RATING_COLOURS = {  # (light, dark) background
    "again": ("#cf222e", "#f85149"),
    "hard": ("#bc4c00", "#f0883e"),
    "good": ("#1a7f37", "#3fb950"),
    "easy": ("#0969da", "#58a6ff"),
}
BAR_WIDTH = 0.8


def _date_axis() -> dict[str, pg.AxisItem]:
    return {"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0)}


class ReviewsPerDayWidget(ChartWidget):
    """Bars per day, stacked Again / Hard / Good / Easy from the bottom."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.days: list[DayRatings] = []
        self.bars: dict[str, pg.BarGraphItem] = {}
        super().__init__("No reviews in this period", parent, _date_axis())
        self.set_axis_labels("Day", "Reviews")

    def set_data(self, days: Sequence[DayRatings]) -> None:
        self.days = sorted(days, key=lambda d: d.day)
        self.redraw()

    def _has_data(self) -> bool:
        return any(d.total for d in self.days)

    def _draw(self) -> None:
        xs = np.array([day_x(d.day) for d in self.days])
        bottom = np.zeros(len(xs))
        self.bars = {}
        colours = {rating: QColor(RATING_COLOURS[rating][self.dark]) for rating in RATINGS}
        self.set_legend([("■", colours[r], r.capitalize()) for r in RATINGS])
        for rating in RATINGS:
            heights = np.array([getattr(d, rating) for d in self.days], dtype=float)
            colour = colours[rating]
            bar = pg.BarGraphItem(
                x=xs,
                y0=bottom.copy(),
                height=heights,
                width=BAR_WIDTH * DAY_SECONDS,
                brush=colour,
                pen=pg.mkPen(None),
            )
            self.item.addItem(bar)
            self.bars[rating] = bar
            bottom += heights
        self.set_x_span(xs[0] - DAY_SECONDS / 2, xs[-1] + DAY_SECONDS / 2, 7 * DAY_SECONDS)
        self.set_count_range(bottom.max())

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        index = nearest_index([day_x(d.day) for d in self.days], x, DAY_SECONDS / 2)
        if index is None:
            return ""
        d = self.days[index]
        counts = " · ".join(f"{r.capitalize()} {getattr(d, r):,}" for r in RATINGS)
        return f"{format_day(d.day)}\n{plural(d.total, 'review')}\n{counts}"


class RetentionPerWeekWidget(ChartWidget):
    """True retention per week, one line per group; weeks without reviews are gaps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.groups: dict[str, list[WeekRetention]] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        super().__init__("No reviews to measure retention yet", parent, _date_axis())
        self.set_axis_labels("Week", "True retention (%)")

    def set_data(self, groups: Mapping[str, Sequence[WeekRetention]]) -> None:
        self.groups = {name: sorted(weeks, key=lambda w: w[0]) for name, weeks in groups.items()}
        self.redraw()

    def _has_data(self) -> bool:
        return any(rate is not None for weeks in self.groups.values() for _, rate, _ in weeks)

    def _draw(self) -> None:
        self.curves = {}
        lowest = 1.0
        drawn = [  # (colour, name, weeks) of the groups with a rate; colours keep their order
            (series_colour(i), name, weeks)
            for i, (name, weeks) in enumerate(self.groups.items())
            if any(rate is not None for _, rate, _ in weeks)
        ]
        self.set_legend([("●", colour, name) for colour, name, _ in drawn])
        for colour, name, weeks in drawn:
            xs = np.array([day_x(week) for week, _, _ in weeks])
            ys = np.array([np.nan if r is None else r * 100 for _, r, _ in weeks], dtype=float)
            curve = pg.PlotDataItem(
                xs,
                ys,
                connect="finite",
                pen=pg.mkPen(colour, width=2),
                symbol="o",
                symbolSize=6,
                symbolPen=pg.mkPen(None),
                symbolBrush=colour,
            )
            self.item.addItem(curve)
            self.curves[name] = curve
            lowest = min([lowest, *(r for _, r, _ in weeks if r is not None)])
        bottom = min(50.0, math.floor(lowest * 10 - 0.5) * 10)
        self.item.setYRange(max(0.0, bottom), 100, padding=0.02)
        starts = [day_x(week) for _, _, rows in drawn for week, _, _ in rows]
        pad = 3.5 * DAY_SECONDS
        self.set_x_span(min(starts) - pad, max(starts) + pad, 28 * DAY_SECONDS)

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        weeks = sorted({week for rows in self.groups.values() for week, _, _ in rows})
        index = nearest_index([day_x(w) for w in weeks], x, 3.5 * DAY_SECONDS)
        if index is None:
            return ""
        week = weeks[index]
        lines = [f"Week of {format_day(week)}"]
        for name, rows in self.groups.items():
            row = next((r for r in rows if r[0] == week), None)
            if row is None or row[1] is None:
                lines.append(f"{name}: no reviews")
            else:
                lines.append(f"{name}: {percent(row[1])} of {plural(row[2], 'review')}")
        return "\n".join(lines)


class ForecastWidget(ChartWidget):
    """Reviews falling due per day (the caller passes the next 30 days)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.days: list[tuple[date, int]] = []
        self.bars: pg.BarGraphItem | None = None
        super().__init__("No reviews due in the next 30 days", parent, _date_axis())
        self.set_axis_labels("Due date", "Reviews due")

    def set_data(self, days: Sequence[tuple[date, int]]) -> None:
        self.days = sorted(days)
        self.redraw()

    def _has_data(self) -> bool:
        return any(count for _, count in self.days)

    def _draw(self) -> None:
        heights = np.array([count for _, count in self.days], dtype=float)
        self.bars = pg.BarGraphItem(
            x=np.array([day_x(day) for day, _ in self.days]),
            height=heights,
            width=BAR_WIDTH * DAY_SECONDS,
            brush=self.accent,
            pen=pg.mkPen(None),
        )
        self.item.addItem(self.bars)
        first, last = day_x(self.days[0][0]), day_x(self.days[-1][0])
        self.set_x_span(first - DAY_SECONDS / 2, last + DAY_SECONDS / 2, 7 * DAY_SECONDS)
        self.set_count_range(heights.max())

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        index = nearest_index([day_x(day) for day, _ in self.days], x, DAY_SECONDS / 2)
        if index is None:
            return ""
        day, count = self.days[index]
        return f"{format_day(day)}\n{plural(count, 'review')} due"


class CalendarHeatmapWidget(ChartWidget):
    """Review days of the last 365 days, a column per week (Monday on top), and the streak."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.days: dict[date, int] = {}
        self.today = date.today()
        self.cells: pg.ScatterPlotItem | None = None
        super().__init__("No reviews in the last 365 days", parent)
        self.streak_label = QLabel()
        font = QFont(self.streak_label.font())
        font.setBold(True)
        self.streak_label.setFont(font)
        self.summary_label = QLabel()
        self.summary_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        header = QHBoxLayout()
        header.addWidget(self.streak_label, 1)
        header.addWidget(self.summary_label)
        self.main_layout.insertLayout(0, header)
        self.stack.setFixedHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        box = self.item.getViewBox()
        box.invertY(True)
        box.setAspectLocked(True)
        self.item.showAxis("top")
        self.item.hideAxis("bottom")
        self.item.getAxis("left").setTicks([[(0, "Mon"), (2, "Wed"), (4, "Fri")]])
        for name in ("left", "top"):
            self.item.getAxis(name).setStyle(tickLength=0)
        self._update_labels()

    def _apply_theme(self) -> None:
        super()._apply_theme()
        for name in ("left", "top"):  # tick labels only, no axis lines
            axis = self.item.getAxis(name)
            axis.setPen(pg.mkPen(self.background))
            axis.setTextPen(pg.mkPen(self.foreground))

    def set_data(self, days: Mapping[date, int], today: date) -> None:
        self.days = dict(days)
        self.today = today
        self._update_labels()
        self.redraw()

    def _shown(self) -> dict[date, int]:
        start = heatmap_start(self.today)
        return {d: n for d, n in self.days.items() if start <= d <= self.today and n > 0}

    def _update_labels(self) -> None:
        streak = current_streak(self.days, self.today)
        self.streak_label.setText(f"Streak: {plural(streak, 'day')}")
        shown = self._shown()
        reviews = plural(sum(shown.values()), "review")
        self.summary_label.setText(f"{reviews} on {len(shown)} of the last 365 days")

    def _has_data(self) -> bool:
        return bool(self._shown())

    def _draw(self) -> None:
        start = heatmap_start(self.today)
        days = [date.fromordinal(o) for o in range(start.toordinal(), self.today.toordinal() + 1)]
        counts = [self.days.get(d, 0) for d in days]
        bg, fg = self.background, self.foreground
        green = QColor("#3fb950" if self.dark else "#1a7f37")
        shades = [mix(bg, fg, 0.1)] + [mix(bg, green, t) for t in (0.3, 0.5, 0.75, 1.0)]
        spots = []
        for day, level in zip(days, count_levels(counts), strict=True):
            column, row = heatmap_cell(day, self.today)
            spots.append({"pos": (column, row), "brush": pg.mkBrush(shades[level])})
        self.cells = pg.ScatterPlotItem(
            spots=spots, symbol="s", size=0.82, pxMode=False, pen=pg.mkPen(None)
        )
        self.item.addItem(self.cells)
        months = [d for d in days if d.day == 1]
        self.item.getAxis("top").setTicks(
            [[(heatmap_cell(d, self.today)[0], f"{d:%b}") for d in months]]
        )
        columns = heatmap_cell(self.today, self.today)[0]
        self.item.getViewBox().setRange(xRange=(-0.5, columns + 0.5), yRange=(-0.5, 6.5))

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        day = heatmap_day(round(x), round(y), self.today)
        if day is None:
            return ""
        count = self.days.get(day, 0)
        return f"{format_day(day)}\n{plural(count, 'review') if count else 'No reviews'}"


class HistogramWidget(ChartWidget):
    """How values spread over bins (stability in days, difficulty 1-10, retrievability)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.values: np.ndarray = np.zeros(0)
        self.edges: np.ndarray = np.zeros(0)
        self.counts: np.ndarray = np.zeros(0, dtype=int)
        self.y_label = "Cards"
        self.bars: pg.BarGraphItem | None = None
        super().__init__("No cards to show", parent)

    def set_data(
        self,
        values: Sequence[float],
        bins: int | Sequence[float] = 20,
        x_label: str = "",
        y_label: str = "Cards",
    ) -> None:
        """Count ``values`` in ``bins`` equal bins over their range, or between bin edges."""
        data = np.asarray(values, dtype=float)
        self.values = data[np.isfinite(data)]
        self.y_label = y_label
        self.set_axis_labels(x_label, y_label)
        if len(self.values):
            bin_arg = bins if isinstance(bins, int) else np.asarray(bins, dtype=float)
            self.counts, self.edges = np.histogram(self.values, bins=bin_arg)
        else:
            self.counts, self.edges = np.zeros(0, dtype=int), np.zeros(0)
        self.redraw()

    def _has_data(self) -> bool:
        return bool(self.counts.sum()) if len(self.counts) else False

    def _draw(self) -> None:
        self.bars = pg.BarGraphItem(
            x0=self.edges[:-1],
            x1=self.edges[1:],
            height=self.counts.astype(float),
            brush=self.accent,
            pen=pg.mkPen(self.background, width=1),
        )
        self.item.addItem(self.bars)
        self.set_count_range(int(self.counts.max()))

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        if not len(self.counts) or not self.edges[0] <= x <= self.edges[-1]:
            return ""
        index = min(int(np.searchsorted(self.edges, x, side="right")) - 1, len(self.counts) - 1)
        low, high = self.edges[index], self.edges[index + 1]
        count = int(self.counts[index])
        share = count / max(int(self.counts.sum()), 1)
        span = f"{format_number(low)} to {format_number(high)}"
        return f"{span}\n{self.y_label}: {count:,} ({share:.0%})"


class CalibrationWidget(ChartWidget):
    """Observed pass rate against predicted recall per bin; on the diagonal the model is right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.bins: list[CalibrationBin] = []
        self.points: pg.ScatterPlotItem | None = None
        super().__init__("Not enough reviews to compare predictions yet", parent)
        self.set_axis_labels("Predicted recall (%)", "Observed pass rate (%)")

    def set_data(self, bins: Sequence[CalibrationBin]) -> None:
        self.bins = sorted(bins, key=lambda b: b.predicted)
        self.redraw()

    def _observed(self) -> list[CalibrationBin]:
        return [b for b in self.bins if b.observed is not None and b.count > 0]

    def _has_data(self) -> bool:
        return bool(self._observed())

    def _draw(self) -> None:
        grey = mix(self.background, self.foreground, 0.5)
        self.set_legend(
            [("●", self.accent, "Observed per bin (size: reviews)"), ("╌╌", grey, "Exact")]
        )
        diagonal = pg.mkPen(grey, width=1)
        diagonal.setStyle(Qt.PenStyle.DashLine)
        self.item.addItem(pg.PlotDataItem([0, 100], [0, 100], pen=diagonal))
        shown = self._observed()
        largest = max(b.count for b in shown)
        self.points = pg.ScatterPlotItem(
            x=[b.predicted * 100 for b in shown],
            y=[(b.observed or 0.0) * 100 for b in shown],
            size=[8 + 20 * math.sqrt(b.count / largest) for b in shown],
            brush=pg.mkBrush(self.accent),
            pen=pg.mkPen(self.background, width=1),
        )
        self.item.addItem(self.points)
        self.item.setRange(xRange=(0, 100), yRange=(0, 100), padding=0.04)

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        xs = [b.predicted * 100 for b in self.bins]
        gaps = [b - a for a, b in itertools.pairwise(xs) if b > a]
        index = nearest_index(xs, x, min(gaps, default=10.0) / 2)
        if index is None:
            return ""
        b = self.bins[index]
        predicted = f"Predicted {percent(b.predicted)}"
        if b.observed is None or b.count == 0:
            return f"{predicted}\nNo reviews"
        return f"{predicted}\nObserved {percent(b.observed)}\n{plural(b.count, 'review')}"
