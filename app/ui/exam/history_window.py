"""Practice-exam history: every attempt, a score trend and per-domain trends, and the
predicted score beside the actual one (how well the prediction is calibrated)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetricsF,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.exam import PASS_SCORE, scale
from app.storage.exams import Attempt
from app.ui.painter_base import series_colour


class TrendWidget(QWidget):
    """Scores per attempt (0-1,000) with the pass line; one line per series."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: dict[str, list[int]] = {}
        self.setMinimumHeight(200)

    def set_series(self, series: Mapping[str, Sequence[int]]) -> None:
        self.series = {k: list(v) for k, v in series.items()}
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().text().color()
        metrics = QFontMetricsF(self.font())
        legend = max((metrics.horizontalAdvance(name) for name in self.series), default=0) + 30
        plot = QRectF(44, 10, max(10, self.width() - 44 - legend), max(10, self.height() - 34))
        longest = max((len(v) for v in self.series.values()), default=0)
        if longest == 0:
            painter.setPen(text)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No attempts yet")
            return

        def point(i: int, score: int) -> QPointF:
            x = plot.left() + (
                plot.width() * i / (longest - 1) if longest > 1 else plot.width() / 2
            )
            return QPointF(x, plot.bottom() - plot.height() * score / 1000)

        grid = QColor(text)
        grid.setAlpha(60)
        painter.setPen(QPen(grid, 1))
        for value in range(0, 1001, 250):
            y = point(0, value).y()
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            painter.drawText(QRectF(0, y - 8, 40, 16), Qt.AlignmentFlag.AlignRight, str(value))
            painter.setPen(QPen(grid, 1))
        pass_y = point(0, PASS_SCORE).y()
        painter.setPen(QPen(QColor("#cf222e"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(plot.left(), pass_y), QPointF(plot.right(), pass_y))
        # The score is drawn last, on top of the domain lines it summarises.
        for n, (name, values) in reversed(list(enumerate(self.series.items()))):
            colour = series_colour(n)
            painter.setPen(QPen(colour, 3 if n == 0 else 1.5))
            points = [point(i, v) for i, v in enumerate(values)]
            for a, b in pairwise(points):
                painter.drawLine(a, b)
            for p in points:
                painter.drawEllipse(p, 3, 3)
            painter.drawText(QPointF(self.width() - legend + 10, 22 + 18 * n), name)


class ExamHistoryWindow(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Practice exam history")
        self.summary = QLabel()
        self.trend = TrendWidget()
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            ["Finished", "Score", "Result", "Right", "Time", "Predicted then"]
        )
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.trend, 1)
        layout.addWidget(self.table, 1)
        for key in (QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+W")):
            QShortcut(key, self, self.close)
        self.resize(900, 620)

    def set_attempts(self, attempts: Sequence[Attempt], titles: Mapping[str, str]) -> None:
        series: dict[str, list[int]] = {"Score": [a.score for a in attempts]}
        for key in sorted({k for a in attempts for k in a.domains}):
            series[titles.get(key, key)] = [
                scale(a.domains[key][0] / a.domains[key][1]) if a.domains.get(key) else 0
                for a in attempts
            ]
        self.trend.set_series(series)
        self.table.setRowCount(len(attempts))
        for row, a in enumerate(reversed(attempts)):
            minutes, seconds = divmod(a.elapsed_s, 60)
            predicted = "-" if a.predicted_share is None else str(scale(a.predicted_share))
            values = [
                a.at.astimezone().strftime("%Y-%m-%d %H:%M"),
                str(a.score),
                "pass" if a.passed else "fail",
                f"{a.right}/{a.questions}",
                f"{minutes}:{seconds:02d}",
                predicted,
            ]
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        passed = sum(a.passed for a in attempts)
        self.summary.setText(
            f"{len(attempts)} attempts, {passed} passed. The last column is the score Cirrus "
            "predicted when each attempt started: compare it with the real one."
            if attempts
            else "No practice exams yet."
        )
