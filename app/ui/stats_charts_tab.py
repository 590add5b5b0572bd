"""The statistics window's Charts tab (imports the chart library when created)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.statistics import StatsReport, day_date
from app.ui.painter_charts import (
    CalendarHeatmapWidget,
    ForecastWidget,
    HistogramWidget,
    RetentionPerWeekWidget,
    ReviewsPerDayWidget,
)

RANGES = [("1 month", 30), ("3 months", 91), ("1 year", 365), ("All", None)]
"""Chart ranges (days back from today; None: all history)."""


class ChartsTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: StatsReport | None = None
        self.range = QComboBox()
        for label, days in RANGES:
            self.range.addItem(label, days)
        self.range.setCurrentIndex(1)
        self.range.currentIndexChanged.connect(lambda _i: self._draw())
        self.reviews_chart = ReviewsPerDayWidget()
        self.retention_chart = RetentionPerWeekWidget()
        self.forecast_chart = ForecastWidget()
        self.heatmap = CalendarHeatmapWidget()
        self.stability_chart = HistogramWidget()
        self.difficulty_chart = HistogramWidget()
        self.recall_chart = HistogramWidget()
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("Range"))
        top.addWidget(self.range)
        top.addStretch(1)
        outer.addLayout(top)
        grid = QGridLayout()
        outer.addLayout(grid, 1)
        charts = [
            ("Reviews per day", self.reviews_chart),
            ("True retention per week", self.retention_chart),
            ("Due in the next 30 days", self.forecast_chart),
            ("Review days", self.heatmap),
            ("Stability", self.stability_chart),
            ("Difficulty", self.difficulty_chart),
            ("Recall now", self.recall_chart),
        ]
        for index, (title, chart) in enumerate(charts):
            box = QVBoxLayout()
            box.addWidget(QLabel(f"<b>{title}</b>"))
            chart.setMinimumHeight(170)
            box.addWidget(chart, 1)
            grid.addLayout(box, index // 2, index % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def set_report(self, report: StatsReport) -> None:
        self.report = report
        self._draw()

    def first_day(self) -> int | None:
        """The first study day the range shows (None: all)."""
        days = self.range.currentData()
        if self.report is None or days is None:
            return None
        return int(self.report.today - int(days) + 1)

    def _draw(self) -> None:
        from app.ui.chart_data import DayRatings

        report = self.report
        if report is None:
            return
        first = self.first_day()
        if first is None:
            first = min((d[0] for d in report.days), default=report.today)

        by_day = {d[0]: d for d in report.days}
        self.reviews_chart.set_data(
            [
                DayRatings(day_date(day), *by_day.get(day, (day, 0, 0, 0, 0))[1:5])
                for day in range(first, report.today + 1)
            ]
        )
        self.retention_chart.set_data(
            {
                key: [
                    (day_date(week), p / n if n else None, n)
                    for week, p, n in weeks
                    if week + 6 >= first
                ]
                for key, weeks in report.weekly.items()
            }
        )
        self.forecast_chart.set_data(
            [
                (day_date(report.today + i), report.forecast.get(report.today + i, 0))
                for i in range(30)
            ]
        )
        self.heatmap.set_data(
            {day_date(d[0]): sum(d[1:5]) for d in report.days if d[0] >= first},
            day_date(report.today),
        )
        self.stability_chart.set_data(report.stability, 20, "stability (days)")
        self.difficulty_chart.set_data(
            report.difficulty, [i / 2 for i in range(2, 21)], "difficulty"
        )
        self.recall_chart.set_data(report.recall, [i / 20 for i in range(21)], "recall now")
