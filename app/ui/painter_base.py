"""The frame shared by the statistics charts, drawn with QPainter: axes with tick labels and
titles, a legend row, an empty-state text and a tooltip with the values under the mouse.

Colours come from the widget palette when painting, so light and dark palettes both read well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

from app.ui.chart_data import DAY_SECONDS, EPOCH

PAD = 8.0  # pixels around the chart
TICK = 4.0  # length of a tick mark
HOVER_OFFSET = QPoint(14, 14)  # pixels between the mouse and the tooltip
THEME_EVENTS = (
    QEvent.Type.PaletteChange,
    QEvent.Type.ApplicationPaletteChange,
    QEvent.Type.StyleChange,
)
# Tableau 10: distinguishable on light and dark backgrounds
SERIES_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


@dataclass(frozen=True, slots=True)
class Bar:
    """A bar in data coordinates: from ``x0`` to ``x1`` wide, from ``y0`` up to ``y1``."""

    x0: float
    x1: float
    y0: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """The colour a fraction ``t`` of the way from ``a`` to ``b``."""
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def series_colour(index: int) -> QColor:
    colour = QColor(SERIES_COLOURS[index % len(SERIES_COLOURS)])
    if index >= len(SERIES_COLOURS):  # a second round: shift the hue so lines stay apart
        colour = colour.darker(140) if index // len(SERIES_COLOURS) % 2 else colour.lighter(130)
    return colour


def nice_step(span: float, target: int) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``target`` ticks."""
    raw = max(span, 1e-12) / max(target, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)


def nice_ticks(low: float, high: float, target: int = 5, integer: bool = False) -> list[float]:
    """Round values from ``low`` to ``high`` about ``target`` apart; whole ones if ``integer``."""
    if high <= low:
        return [low]
    step = nice_step(high - low, target)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def format_tick(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:g}"


def date_ticks(low: float, high: float, px_per_second: float, label_px: float) -> list[date]:
    """Days to label on a date axis from ``low`` to ``high`` (seconds since 1970) so that
    labels ``label_px`` wide do not overlap: every day or two, Mondays, or month starts."""
    first = math.ceil(low / DAY_SECONDS)
    last = math.floor(high / DAY_SECONDS)
    days = [EPOCH + timedelta(days=d) for d in range(first, last + 1)]
    px_per_day = px_per_second * DAY_SECONDS
    for step in (1, 2, 7, 14):
        if step * px_per_day >= label_px:
            if step <= 2:
                return [d for d in days if (d - EPOCH).days % step == 0]
            mondays = [d for d in days if d.weekday() == 0]
            return mondays if step == 7 else mondays[:: step // 7]
    months = next((m for m in (1, 2, 3, 6) if 30 * m * px_per_day >= label_px), 12)
    return [d for d in days if d.day == 1 and (d.month - 1) % months == 0]


class ChartWidget(QWidget):
    """Base for the charts: subclasses keep their data, set their ranges in ``_layout_data``,
    paint it in ``_paint_data`` and answer ``hover_text_at`` for a point in data coordinates."""

    date_axis = False  # x values are seconds since 1970 and ticks are days
    integer_y = True  # y ticks are whole numbers (counts)

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = empty_text
        self.x_label = ""
        self.y_label = ""
        self.legend: list[tuple[str, QColor, str]] = []
        self.x_range = (0.0, 1.0)
        self.y_range = (0.0, 1.0)
        self.y_inverted = False
        self.hover_text = ""
        self.setMouseTracking(True)
        self.setMinimumSize(320, 180)
        self.setAutoFillBackground(False)

    # -- for subclasses --------------------------------------------------------------------

    def _has_data(self) -> bool:
        raise NotImplementedError

    def _layout_data(self) -> None:
        """Compute what is drawn (bars, points, ranges) from the data; called on new data."""

    def _paint_data(self, painter: QPainter) -> None:
        raise NotImplementedError

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        """The text the tooltip shows at data coordinates (x, y); empty for nothing."""
        raise NotImplementedError

    def set_axis_labels(self, bottom: str, left: str) -> None:
        self.x_label = bottom
        self.y_label = left
        self.update()

    def set_legend(self, entries: Sequence[tuple[str, QColor, str]]) -> None:
        """Show (marker, colour, name) entries in a row above the chart."""
        self.legend = list(entries)

    def legend_items(self) -> list[tuple[str, QColor, str]]:
        """The legend as drawn now; subclasses whose colours follow the palette override it."""
        return self.legend

    @property
    def legend_entries(self) -> list[str]:
        """The names in the legend, none while the chart is empty."""
        return [] if self.is_empty() else [name for _, _, name in self.legend_items()]

    def top_inset(self) -> float:
        """Pixels above the chart kept for a subclass's header."""
        return 0.0

    def set_x_span(self, low: float, high: float, min_span: float) -> None:
        """Show x from ``low`` to ``high``, widened about its middle to at least ``min_span``."""
        widen = max(0.0, min_span - (high - low)) / 2
        self.x_range = (low - widen, high + widen)

    def set_count_range(self, largest: float) -> None:
        """A y axis of counts from 0, with room above the largest."""
        self.y_range = (0.0, max(largest, 5) * 1.12)

    # -- colours ---------------------------------------------------------------------------

    @property
    def dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Window).lightness() < 128

    @property
    def foreground(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.WindowText)

    @property
    def background(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Base)

    @property
    def accent(self) -> QColor:
        return QColor("#58a6ff" if self.dark else "#0969da")

    @property
    def empty_colour(self) -> QColor:
        """The empty-state text: muted, yet readable on the palette's background."""
        return mix(self.background, self.foreground, 0.6)

    @property
    def grid_colour(self) -> QColor:
        return mix(self.background, self.foreground, 0.12)

    @property
    def axis_colour(self) -> QColor:
        return mix(self.background, self.foreground, 0.55)

    # -- state -----------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not self._has_data()

    def redraw(self) -> None:
        """Recompute the drawing from the data and repaint."""
        self.hide_hover()
        if self._has_data():
            self._layout_data()
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in THEME_EVENTS:
            self.update()

    # -- geometry --------------------------------------------------------------------------

    def _metrics(self) -> QFontMetricsF:
        return QFontMetricsF(self.font())

    def _y_ticks(self) -> list[tuple[float, str]]:
        low, high = self.y_range
        target = max(2, int(self._plot_height_guess() / 40))
        return [(v, format_tick(v)) for v in nice_ticks(low, high, target, self.integer_y)]

    def _plot_height_guess(self) -> float:
        return max(40.0, self.height() - self.top_inset() - 5 * self._metrics().height())

    def _x_ticks(self, width: float) -> list[tuple[float, str]]:
        low, high = self.x_range
        if self.date_axis:
            label_px = self._metrics().horizontalAdvance("30 Sep") + 14
            days = date_ticks(low, high, width / max(high - low, 1e-9), label_px)
            return [((d - EPOCH).days * DAY_SECONDS, f"{d.day} {d:%b}") for d in days]
        target = max(2, int(width / 70))
        return [(v, format_tick(v)) for v in nice_ticks(low, high, target)]

    def _legend_layout(self) -> tuple[list[tuple[QPointF, str, QColor, str]], float]:
        """Where each legend entry's marker goes (rows wrap at the widget's width), and the
        height the legend takes."""
        fm = self._metrics()
        x, y = PAD, self.top_inset() + PAD
        placed: list[tuple[QPointF, str, QColor, str]] = []
        for marker, colour, name in self.legend_items():
            width = fm.horizontalAdvance(marker) + 4 + fm.horizontalAdvance(name)
            if placed and x + width > self.width() - PAD:
                x, y = PAD, y + fm.height()
            placed.append((QPointF(x, y + fm.ascent()), marker, colour, name))
            x += width + 16
        height = y + fm.height() + 6 - self.top_inset() - PAD if placed else 0.0
        return placed, height

    def plot_rect(self) -> QRectF:
        """The rectangle inside the axes where the data is drawn, in widget pixels."""
        fm = self._metrics()
        top = self.top_inset() + PAD + self._legend_layout()[1] + fm.height() / 2
        left = PAD + (fm.height() + 4 if self.y_label else 0)
        left += max((fm.horizontalAdvance(t) for _, t in self._y_ticks()), default=0) + TICK + 4
        bottom = self.height() - PAD - fm.height() - TICK - 2
        if self.x_label:
            bottom -= fm.height() + 2
        right = self.width() - PAD - fm.horizontalAdvance("30 Sep") / 2
        return QRectF(left, top, max(1.0, right - left), max(1.0, bottom - top))

    def to_pixels(self, x: float, y: float) -> QPointF:
        r = self.plot_rect()
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        px = r.left() + (x - x0) / (x1 - x0) * r.width()
        fy = (y - y0) / (y1 - y0)
        py = r.top() + fy * r.height() if self.y_inverted else r.bottom() - fy * r.height()
        return QPointF(px, py)

    def to_data(self, point: QPointF) -> tuple[float, float]:
        r = self.plot_rect()
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        x = x0 + (point.x() - r.left()) / r.width() * (x1 - x0)
        fy = (point.y() - r.top()) / r.height()
        y = y0 + (fy if self.y_inverted else 1 - fy) * (y1 - y0)
        return x, y

    def bar_rect(self, bar: Bar) -> QRectF:
        a, b = self.to_pixels(bar.x0, bar.y1), self.to_pixels(bar.x1, bar.y0)
        return QRectF(a, b).normalized()

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), self.background)
        if self.is_empty():
            painter.setPen(self.empty_colour)
            area = QRectF(self.rect()).adjusted(PAD, PAD + self.top_inset(), -PAD, -PAD)
            painter.drawText(
                area, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text
            )
            painter.end()
            return
        self._paint_legend(painter)
        self._paint_axes(painter)
        painter.save()
        painter.setClipRect(self.plot_rect().adjusted(-1, -1, 1, 1))
        self._paint_data(painter)
        painter.restore()
        painter.end()

    def _paint_legend(self, painter: QPainter) -> None:
        fm = self._metrics()
        for point, marker, colour, name in self._legend_layout()[0]:
            painter.setPen(colour)
            painter.drawText(point, marker)
            painter.setPen(self.foreground)
            painter.drawText(point + QPointF(fm.horizontalAdvance(marker) + 4, 0), name)

    def _paint_axes(self, painter: QPainter) -> None:
        r = self.plot_rect()
        fm = self._metrics()
        grid = QPen(self.grid_colour, 1)
        axis = QPen(self.axis_colour, 1)
        for value, label in self._y_ticks():
            y = self.to_pixels(self.x_range[0], value).y()
            if not r.top() - 0.5 <= y <= r.bottom() + 0.5:
                continue
            painter.setPen(grid)
            painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
            painter.setPen(axis)
            painter.drawLine(QPointF(r.left() - TICK, y), QPointF(r.left(), y))
            painter.setPen(self.foreground)
            width = fm.horizontalAdvance(label)
            baseline = y + fm.ascent() / 2 - 1
            painter.drawText(QPointF(r.left() - TICK - 3 - width, baseline), label)
        for value, label in self._x_ticks(r.width()):
            x = self.to_pixels(value, self.y_range[0]).x()
            if not r.left() - 0.5 <= x <= r.right() + 0.5:
                continue
            painter.setPen(axis)
            painter.drawLine(QPointF(x, r.bottom()), QPointF(x, r.bottom() + TICK))
            painter.setPen(self.foreground)
            width = fm.horizontalAdvance(label)
            painter.drawText(QPointF(x - width / 2, r.bottom() + TICK + 1 + fm.ascent()), label)
        painter.setPen(axis)
        painter.drawLine(r.bottomLeft(), r.bottomRight())
        painter.drawLine(r.bottomLeft(), r.topLeft())
        painter.setPen(self.foreground)
        if self.x_label:
            baseline = r.bottom() + TICK + 3 + fm.height() + fm.ascent()
            width = fm.horizontalAdvance(self.x_label)
            painter.drawText(QPointF(r.center().x() - width / 2, baseline), self.x_label)
        if self.y_label:
            painter.save()
            painter.translate(PAD + fm.ascent(), r.center().y())
            painter.rotate(-90)
            painter.drawText(QPointF(-fm.horizontalAdvance(self.y_label) / 2, 0), self.y_label)
            painter.restore()

    # -- hover -----------------------------------------------------------------------------

    def show_hover(self, x: float, y: float) -> str:
        """Show the tooltip for data coordinates (x, y) beside that point; returns its text."""
        text = self.hover_text_at(x, y) if not self.is_empty() else ""
        if not text:
            self.hide_hover()
            return ""
        self.hover_text = text
        where = self.mapToGlobal(self.to_pixels(x, y).toPoint()) + HOVER_OFFSET
        QToolTip.showText(where, text, self)
        return text

    def hide_hover(self) -> None:
        if self.hover_text:
            self.hover_text = ""
            QToolTip.hideText()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        if self.is_empty() or not self.plot_rect().contains(point):
            self.hide_hover()
            return
        self.show_hover(*self.to_data(point))

    def leaveEvent(self, event: QEvent) -> None:
        self.hide_hover()
        super().leaveEvent(event)
