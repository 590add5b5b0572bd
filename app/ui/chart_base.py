"""The frame shared by the statistics charts: a pyqtgraph plot themed from the widget palette,
an empty-state text, and a hover label that follows the mouse.

pyqtgraph is imported here, so import this module (and ``app.ui.charts``) only when a chart
is first shown; the app's start does not need it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

pg.setConfigOptions(antialias=True)

HOVER_OFFSET = 14.0  # pixels between the mouse and the hover label
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


class ChartWidget(QWidget):
    """Base for the charts: subclasses keep their data, draw it in ``_draw`` and answer
    ``hover_text_at`` for a point in plot coordinates."""

    def __init__(
        self,
        empty_text: str,
        parent: QWidget | None = None,
        axis_items: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems=axis_items)
        self.plot.setMinimumHeight(160)
        self.item = self.plot.getPlotItem()
        self.item.hideButtons()
        self.item.setMenuEnabled(False)
        self.item.setMouseEnabled(x=False, y=False)
        self.item.getViewBox().setDefaultPadding(0.02)
        self.hover_label = pg.TextItem(anchor=(0, 1))
        self.hover_label.setZValue(1000)
        self.hover_label.hide()
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.viewport().installEventFilter(self)
        self.empty_label = QLabel(empty_text)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.legend_label = QLabel()
        self.legend_label.setWordWrap(True)
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.hide()
        self.legend_entries: list[str] = []
        self.stack = QStackedWidget()
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.empty_label)
        self.main_layout = QVBoxLayout(self)
        self.main_layout.setContentsMargins(0, 0, 0, 0)
        self.main_layout.addWidget(self.legend_label)
        self.main_layout.addWidget(self.stack, 1)
        self._theming = False
        self._apply_theme()
        self.redraw()

    # -- for subclasses --------------------------------------------------------------------

    def _has_data(self) -> bool:
        raise NotImplementedError

    def _draw(self) -> None:
        raise NotImplementedError

    def hover_text_at(self, x: float, y: float = 0.0) -> str:
        """The text the hover label shows at plot coordinates (x, y); empty for nothing."""
        raise NotImplementedError

    def set_axis_labels(self, bottom: str, left: str) -> None:
        self.item.setLabel("bottom", bottom)
        self.item.setLabel("left", left)

    def set_legend(self, entries: Sequence[tuple[str, QColor, str]]) -> None:
        """Show (marker, colour, name) entries above the plot, where they hide no data."""
        self.legend_entries = [name for _, _, name in entries]
        self.legend_label.setText(
            "&nbsp;&nbsp;&nbsp; ".join(
                f'<span style="color:{colour.name()}">{marker}</span>&nbsp;{html.escape(name)}'
                for marker, colour, name in entries
            )
        )

    def set_x_span(self, low: float, high: float, min_span: float) -> None:
        """Show x from ``low`` to ``high``, widened about its middle to at least ``min_span``."""
        widen = max(0.0, min_span - (high - low)) / 2
        self.item.setXRange(low - widen, high + widen, padding=0)

    def set_count_range(self, largest: float) -> None:
        """A y axis of counts from 0, with room above the largest and whole-number ticks."""
        self.item.getViewBox().setLimits(yMin=0)
        self.item.setYRange(0, max(largest, 5) * 1.12, padding=0)

    @property
    def dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Window).lightness() < 128

    def colour(self, role: QPalette.ColorRole) -> QColor:
        return self.palette().color(role)

    @property
    def foreground(self) -> QColor:
        return self.colour(QPalette.ColorRole.WindowText)

    @property
    def background(self) -> QColor:
        return self.colour(QPalette.ColorRole.Base)

    @property
    def accent(self) -> QColor:
        return QColor("#58a6ff" if self.dark else "#0969da")

    # -- drawing ---------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return self.stack.currentWidget() is self.empty_label

    def redraw(self) -> None:
        self.item.clear()
        self.hover_label.hide()
        empty = not self._has_data()
        self.stack.setCurrentWidget(self.empty_label if empty else self.plot)
        if not empty:
            self._draw()
        self.legend_label.setVisible(not empty and bool(self.legend_entries))
        self.item.addItem(self.hover_label, ignoreBounds=True)

    def _apply_theme(self) -> None:
        fg, bg = self.foreground, self.background
        self.plot.setBackground(bg)
        axis_pen = pg.mkPen(mix(bg, fg, 0.55))
        for name in ("left", "bottom", "top", "right"):
            axis = self.item.getAxis(name)
            axis.setPen(axis_pen)
            axis.setTextPen(pg.mkPen(fg))
        self.hover_label.setColor(fg)
        self.hover_label.fill = pg.mkBrush(mix(bg, fg, 0.06))
        self.hover_label.border = pg.mkPen(mix(bg, fg, 0.4))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in THEME_EVENTS and not self._theming:
            self._theming = True  # restyling children sends more of these events
            try:
                self._apply_theme()
                self.redraw()
            finally:
                self._theming = False

    # -- hover -----------------------------------------------------------------------------

    def show_hover(self, x: float, y: float) -> str:
        """Show the hover label for plot coordinates (x, y) beside that point; returns it."""
        text = self.hover_text_at(x, y) if not self.is_empty() else ""
        if not text:
            self.hover_label.hide()
            return ""
        box = self.item.getViewBox()
        scene = box.mapViewToScene(QPointF(x, y))
        centre = box.sceneBoundingRect().center()
        right = scene.x() > centre.x()
        below = scene.y() < centre.y()
        shifted = scene + QPointF(
            -HOVER_OFFSET if right else HOVER_OFFSET, HOVER_OFFSET if below else -HOVER_OFFSET
        )
        self.hover_label.setText(text)
        self.hover_label.setAnchor((1 if right else 0, 0 if below else 1))
        self.hover_label.setPos(box.mapSceneToView(shifted))
        self.hover_label.show()
        return text

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        box = self.item.getViewBox()
        if not box.sceneBoundingRect().contains(scene_pos):
            self.hover_label.hide()
            return
        point = box.mapSceneToView(scene_pos)
        self.show_hover(point.x(), point.y())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self.hover_label.hide()
        return super().eventFilter(watched, event)
