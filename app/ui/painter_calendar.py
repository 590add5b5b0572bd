"""The calendar of review days (split from painter_charts to keep modules small)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.ui.chart_data import (
    count_levels,
    current_streak,
    format_day,
    heatmap_cell,
    heatmap_day,
    heatmap_start,
    plural,
)
from app.ui.painter_base import PAD, ChartWidget, mix

WEEKDAY_TICKS = ((0, "Mon"), (2, "Wed"), (4, "Fri"))


@dataclass(frozen=True, slots=True)
class Cell:
    """A day on the calendar: its week column, weekday row and shade level 0-4."""

    day: date
    column: int
    row: int
    level: int


class CalendarHeatmapWidget(ChartWidget):
    """Review days of the last 365 days, a column per week (Monday on top), and the streak."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.days: dict[date, int] = {}
        self.today = date.today()
        self.cells: list[Cell] = []
        super().__init__("No reviews in the last 365 days", parent)
        self.y_inverted = True
        self.streak_label = QLabel()
        font = QFont(self.streak_label.font())
        font.setBold(True)
        self.streak_label.setFont(font)
        self.summary_label = QLabel()
        self.summary_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.summary_label.setWordWrap(True)
        self.header = QWidget()
        header = QHBoxLayout(self.header)
        header.setContentsMargins(int(PAD), 4, int(PAD), 0)
        header.addWidget(self.streak_label, 1)
        header.addWidget(self.summary_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addStretch(1)
        self.setMinimumHeight(180)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._update_labels()

    def sizeHint(self) -> QSize:
        return QSize(640, 190)

    def top_inset(self) -> float:
        return float(self.header.geometry().bottom() + 1)

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

    def _layout_data(self) -> None:
        start = heatmap_start(self.today)
        days = [date.fromordinal(o) for o in range(start.toordinal(), self.today.toordinal() + 1)]
        levels = count_levels([self.days.get(d, 0) for d in days])
        self.cells = [
            Cell(day, *heatmap_cell(day, self.today), level)
            for day, level in zip(days, levels, strict=True)
        ]
        columns = heatmap_cell(self.today, self.today)[0] + 1
        self.x_range = (-0.5, columns - 0.5)
        self.y_range = (-0.5, 6.5)

    def shades(self) -> list[QColor]:
        """The colour of each shade level, from no reviews to the most."""
        bg, fg = self.background, self.foreground
        green = QColor("#3fb950" if self.dark else "#1a7f37")
        return [mix(bg, fg, 0.1)] + [mix(bg, green, t) for t in (0.3, 0.5, 0.75, 1.0)]

    def plot_rect(self) -> QRectF:
        """Square cells as large as fit below the header, months above, weekdays left."""
        fm = self._metrics()
        left = PAD + fm.horizontalAdvance("Wed") + 6
        top = self.top_inset() + PAD + fm.height() + 2
        columns = self.x_range[1] - self.x_range[0]
        cell = min(
            (self.width() - PAD - left) / max(columns, 1.0),
            (self.height() - PAD - top) / 7,
        )
        cell = max(cell, 1.0)
        return QRectF(left, top, cell * columns, cell * 7)

    def _paint_axes(self, painter: QPainter) -> None:
        r = self.plot_rect()
        fm = self._metrics()
        painter.setPen(self.foreground)
        size = r.height() / 7
        every = next((n for n in (2, 4) if n * size >= fm.height()), 0)  # rows between labels
        for row, name in WEEKDAY_TICKS:
            if not every or row % every:
                continue
            y = self.to_pixels(0, row).y()
            painter.drawText(QPointF(PAD, y + fm.ascent() / 2 - 1), name)
        last_right = -math.inf
        for cell in self.cells:
            if cell.day.day == 1:
                x = self.to_pixels(cell.column - 0.5, 0).x()
                if x >= last_right:
                    label = f"{cell.day:%b}"
                    painter.drawText(QPointF(x, r.top() - 3 - fm.descent()), label)
                    last_right = x + fm.horizontalAdvance(label) + 4

    def _paint_data(self, painter: QPainter) -> None:
        shades = self.shades()
        r = self.plot_rect()
        size = r.height() / 7
        gap = size * 0.18
        painter.setPen(Qt.PenStyle.NoPen)
        for cell in self.cells:
            centre = self.to_pixels(cell.column, cell.row)
            painter.setBrush(shades[cell.level])
            side = size - gap
            painter.drawRect(QRectF(centre.x() - side / 2, centre.y() - side / 2, side, side))

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        day = heatmap_day(round(x), round(y), self.today)
        if day is None:
            return ""
        count = self.days.get(day, 0)
        return f"{format_day(day)}\n{plural(count, 'review') if count else 'No reviews'}"
