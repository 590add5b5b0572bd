"""Statistics charts drawn with QPainter: reviews per day, retention per week, due forecast,
review calendar, distributions and calibration.

Each widget takes plain data through ``set_data`` (built off the GUI thread from
``app.ui.chart_data``), shows an empty-state text without data, and shows the values under
the mouse in a tooltip; ``hover_text_at`` gives that text for data coordinates (dates are
seconds since 1970-01-01 UTC, see ``chart_data.day_x``; percentages are 0-100).

What each widget draws is kept in plain attributes (``bars``, ``curves``, ``cells``,
``points``) computed from the data, so it can be checked without reading pixels.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget

from app.ui.chart_data import (
    DAY_SECONDS,
    CalibrationBin,
    DayRatings,
    WeekRetention,
    day_x,
    format_day,
    format_number,
    nearest_index,
    percent,
    plural,
)
from app.ui.painter_base import Bar, ChartWidget, mix, series_colour

RATINGS = ("again", "hard", "good", "easy")
RATING_COLOURS = {  # (light, dark) background
    "again": ("#cf222e", "#f85149"),
    "hard": ("#bc4c00", "#f0883e"),
    "good": ("#1a7f37", "#3fb950"),
    "easy": ("#0969da", "#58a6ff"),
}
BAR_WIDTH = 0.8


def day_bar(day: date, y0: float, y1: float) -> Bar:
    x = day_x(day)
    half = BAR_WIDTH * DAY_SECONDS / 2
    return Bar(x - half, x + half, y0, y1)


def histogram(
    values: Sequence[float], bins: int | Sequence[float]
) -> tuple[list[int], list[float]]:
    """Counts of ``values`` in ``bins`` equal bins over their range, or between the given
    edges (the last bin includes its right edge); values outside the edges are not counted."""
    if isinstance(bins, int):
        if not values or bins < 1:
            return [], []
        low, high = min(values), max(values)
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = [low + (high - low) * i / bins for i in range(bins)] + [high]
    else:
        edges = [float(e) for e in bins]
    if len(edges) < 2:
        return [], []
    counts = [0] * (len(edges) - 1)
    for value in values:
        if edges[0] <= value <= edges[-1]:
            counts[min(bisect.bisect_right(edges, value) - 1, len(counts) - 1)] += 1
    return counts, edges


class ReviewsPerDayWidget(ChartWidget):
    """Bars per day, stacked Again / Hard / Good / Easy from the bottom."""

    date_axis = True

    def __init__(self, parent: QWidget | None = None) -> None:
        self.days: list[DayRatings] = []
        self.bars: dict[str, list[Bar]] = {}
        super().__init__("No reviews in this period", parent)
        self.set_axis_labels("Day", "Reviews")

    def set_data(self, days: Sequence[DayRatings]) -> None:
        self.days = sorted(days, key=lambda d: d.day)
        self.redraw()

    def _has_data(self) -> bool:
        return any(d.total for d in self.days)

    def rating_colour(self, rating: str) -> QColor:
        return QColor(RATING_COLOURS[rating][self.dark])

    def _layout_data(self) -> None:
        self.bars = {rating: [] for rating in RATINGS}
        for d in self.days:
            bottom = 0
            for rating in RATINGS:
                top = bottom + getattr(d, rating)
                self.bars[rating].append(day_bar(d.day, bottom, top))
                bottom = top
        xs = [day_x(d.day) for d in self.days]
        self.set_x_span(xs[0] - DAY_SECONDS / 2, xs[-1] + DAY_SECONDS / 2, 7 * DAY_SECONDS)
        self.set_count_range(max(d.total for d in self.days))

    def _paint_data(self, painter: QPainter) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        for rating, bars in self.bars.items():
            painter.setBrush(self.rating_colour(rating))
            for bar in bars:
                if bar.height > 0:
                    painter.drawRect(self.bar_rect(bar))

    def legend_items(self) -> list[tuple[str, QColor, str]]:
        return [("■", self.rating_colour(r), r.capitalize()) for r in RATINGS]

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        index = nearest_index([day_x(d.day) for d in self.days], x, DAY_SECONDS / 2)
        if index is None:
            return ""
        d = self.days[index]
        counts = " · ".join(f"{r.capitalize()} {getattr(d, r):,}" for r in RATINGS)
        return f"{format_day(d.day)}\n{plural(d.total, 'review')}\n{counts}"


class RetentionPerWeekWidget(ChartWidget):
    """True retention per week, one line per group; weeks without reviews are gaps."""

    date_axis = True

    def __init__(self, parent: QWidget | None = None) -> None:
        self.groups: dict[str, list[WeekRetention]] = {}
        # name -> (x, retention in percent or None) of each week, for the groups with a rate
        self.curves: dict[str, list[tuple[float, float | None]]] = {}
        super().__init__("No reviews to measure retention yet", parent)
        self.set_axis_labels("Week", "True retention (%)")

    def set_data(self, groups: Mapping[str, Sequence[WeekRetention]]) -> None:
        self.groups = {name: sorted(weeks, key=lambda w: w[0]) for name, weeks in groups.items()}
        self.redraw()

    def _has_data(self) -> bool:
        return any(rate is not None for weeks in self.groups.values() for _, rate, _ in weeks)

    def _drawn(self) -> list[tuple[QColor, str]]:
        """(colour, name) of the groups with a rate; colours keep the groups' order."""
        return [
            (series_colour(i), name)
            for i, (name, weeks) in enumerate(self.groups.items())
            if any(rate is not None for _, rate, _ in weeks)
        ]

    def segments(self, name: str) -> list[list[tuple[float, float]]]:
        """The runs of weeks with a rate of a group's line; a gap separates them."""
        runs: list[list[tuple[float, float]]] = [[]]
        for x, y in self.curves.get(name, []):
            if y is None:
                runs.append([])
            else:
                runs[-1].append((x, y))
        return [run for run in runs if run]

    def _layout_data(self) -> None:
        drawn = self._drawn()
        self.set_legend([("●", colour, name) for colour, name in drawn])
        self.curves = {
            name: [
                (day_x(week), None if r is None else r * 100) for week, r, _ in self.groups[name]
            ]
            for _, name in drawn
        }
        rates = [y for points in self.curves.values() for _, y in points if y is not None]
        bottom = max(0.0, min(50.0, math.floor(min(rates) / 10 - 0.5) * 10))
        pad = (100 - bottom) * 0.02
        self.y_range = (max(0.0, bottom - pad), 100 + pad)
        starts = [x for points in self.curves.values() for x, _ in points]
        half_week = 3.5 * DAY_SECONDS
        self.set_x_span(min(starts) - half_week, max(starts) + half_week, 28 * DAY_SECONDS)

    def _paint_data(self, painter: QPainter) -> None:
        colours = {name: colour for colour, name in self._drawn()}
        for name in self.curves:
            colour = colours[name]
            for run in self.segments(name):
                points = [self.to_pixels(x, y) for x, y in run]
                if len(points) > 1:
                    path = QPainterPath(points[0])
                    for point in points[1:]:
                        path.lineTo(point)
                    painter.setPen(QPen(colour, 2))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                    painter.drawPath(path)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                for point in points:
                    painter.drawEllipse(point, 3.0, 3.0)

    def _y_ticks(self) -> list[tuple[float, str]]:
        return [tick for tick in super()._y_ticks() if tick[0] <= 100]

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

    date_axis = True

    def __init__(self, parent: QWidget | None = None) -> None:
        self.days: list[tuple[date, int]] = []
        self.bars: list[Bar] = []
        super().__init__("No reviews due in the next 30 days", parent)
        self.set_axis_labels("Due date", "Reviews due")

    def set_data(self, days: Sequence[tuple[date, int]]) -> None:
        self.days = sorted(days)
        self.redraw()

    def _has_data(self) -> bool:
        return any(count for _, count in self.days)

    def _layout_data(self) -> None:
        self.bars = [day_bar(day, 0, count) for day, count in self.days]
        first, last = day_x(self.days[0][0]), day_x(self.days[-1][0])
        self.set_x_span(first - DAY_SECONDS / 2, last + DAY_SECONDS / 2, 7 * DAY_SECONDS)
        self.set_count_range(max(count for _, count in self.days))

    def _paint_data(self, painter: QPainter) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.accent)
        for bar in self.bars:
            if bar.height > 0:
                painter.drawRect(self.bar_rect(bar))

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        index = nearest_index([day_x(day) for day, _ in self.days], x, DAY_SECONDS / 2)
        if index is None:
            return ""
        day, count = self.days[index]
        return f"{format_day(day)}\n{plural(count, 'review')} due"


class HistogramWidget(ChartWidget):
    """How values spread over bins (stability in days, difficulty 1-10, retrievability)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.values: list[float] = []
        self.edges: list[float] = []
        self.counts: list[int] = []
        self.bars: list[Bar] = []
        super().__init__("No cards to show", parent)
        self.y_label = "Cards"

    def set_data(
        self,
        values: Sequence[float],
        bins: int | Sequence[float] = 20,
        x_label: str = "",
        y_label: str = "Cards",
    ) -> None:
        """Count ``values`` in ``bins`` equal bins over their range, or between bin edges."""
        self.values = [float(v) for v in values if math.isfinite(v)]
        self.set_axis_labels(x_label, y_label)
        self.counts, self.edges = histogram(self.values, bins)
        self.redraw()

    def _has_data(self) -> bool:
        return sum(self.counts) > 0

    def _layout_data(self) -> None:
        self.bars = [
            Bar(low, high, 0, count)
            for low, high, count in zip(self.edges, self.edges[1:], self.counts, strict=False)
        ]
        pad = (self.edges[-1] - self.edges[0]) * 0.02
        self.x_range = (self.edges[0] - pad, self.edges[-1] + pad)
        self.set_count_range(max(self.counts))

    def _paint_data(self, painter: QPainter) -> None:
        painter.setPen(QPen(self.background, 1))
        painter.setBrush(self.accent)
        for bar in self.bars:
            if bar.height > 0:
                painter.drawRect(self.bar_rect(bar))

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        if not self.counts or not self.edges[0] <= x <= self.edges[-1]:
            return ""
        index = min(bisect.bisect_right(self.edges, x) - 1, len(self.counts) - 1)
        low, high = self.edges[index], self.edges[index + 1]
        count = self.counts[index]
        share = count / max(sum(self.counts), 1)
        span = f"{format_number(low)} to {format_number(high)}"
        return f"{span}\n{self.y_label}: {count:,} ({share:.0%})"


@dataclass(frozen=True, slots=True)
class Point:
    """A calibration bin as drawn: predicted and observed percent, diameter in pixels."""

    x: float
    y: float
    size: float


class CalibrationWidget(ChartWidget):
    """Observed pass rate against predicted recall per bin; on the diagonal the model is right."""

    integer_y = False

    def __init__(self, parent: QWidget | None = None) -> None:
        self.bins: list[CalibrationBin] = []
        self.points: list[Point] = []
        super().__init__("Not enough reviews to compare predictions yet", parent)
        self.set_axis_labels("Predicted recall (%)", "Observed pass rate (%)")
        self.x_range = self.y_range = (-4.0, 104.0)

    def set_data(self, bins: Sequence[CalibrationBin]) -> None:
        self.bins = sorted(bins, key=lambda b: b.predicted)
        self.redraw()

    def _observed(self) -> list[CalibrationBin]:
        return [b for b in self.bins if b.observed is not None and b.count > 0]

    def _has_data(self) -> bool:
        return bool(self._observed())

    @property
    def diagonal_colour(self) -> QColor:
        return mix(self.background, self.foreground, 0.5)

    def _layout_data(self) -> None:
        shown = self._observed()
        largest = max(b.count for b in shown)
        self.points = [
            Point(
                b.predicted * 100, (b.observed or 0.0) * 100, 8 + 20 * math.sqrt(b.count / largest)
            )
            for b in shown
        ]

    def legend_items(self) -> list[tuple[str, QColor, str]]:
        return [
            ("●", self.accent, "Observed per bin (size: reviews)"),
            ("╌╌", self.diagonal_colour, "Exact"),
        ]

    def _x_ticks(self, width: float) -> list[tuple[float, str]]:
        return [tick for tick in super()._x_ticks(width) if 0 <= tick[0] <= 100]

    def _y_ticks(self) -> list[tuple[float, str]]:
        return [tick for tick in super()._y_ticks() if 0 <= tick[0] <= 100]

    def _paint_data(self, painter: QPainter) -> None:
        diagonal = QPen(self.diagonal_colour, 1)
        diagonal.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(diagonal)
        painter.drawLine(self.to_pixels(0, 0), self.to_pixels(100, 100))
        painter.setPen(QPen(self.background, 1))
        painter.setBrush(self.accent)
        for point in self.points:
            radius = point.size / 2
            painter.drawEllipse(self.to_pixels(point.x, point.y), radius, radius)

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


from app.ui.painter_calendar import CalendarHeatmapWidget, Cell  # noqa: E402

__all__ = [
    "CalendarHeatmapWidget",
    "CalibrationWidget",
    "Cell",
    "ForecastWidget",
    "HistogramWidget",
    "Point",
    "RetentionPerWeekWidget",
    "ReviewsPerDayWidget",
    "histogram",
]
