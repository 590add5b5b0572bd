"""The statistics window's Charts tab (imports the chart library when created)."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from app.core.statistics import StatsReport, day_date
from app.ui.painter_charts import (
    CalendarHeatmapWidget,
    ForecastWidget,
    HistogramWidget,
    RetentionPerWeekWidget,
    ReviewsPerDayWidget,
)


class ChartsTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reviews_chart = ReviewsPerDayWidget()
        self.retention_chart = RetentionPerWeekWidget()
        self.forecast_chart = ForecastWidget()
        self.heatmap = CalendarHeatmapWidget()
        self.stability_chart = HistogramWidget()
        self.difficulty_chart = HistogramWidget()
        self.recall_chart = HistogramWidget()
        grid = QGridLayout(self)
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
            box.addWidget(chart, 1)
            grid.addLayout(box, index // 2, index % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def set_report(self, report: StatsReport) -> None:
        from app.ui.chart_data import DayRatings

        self.reviews_chart.set_data(
            [
                DayRatings(day_date(d[0]), d[1], d[2], d[3], d[4])
                for d in report.days
                if d[0] > report.today - 90
            ]
        )
        self.retention_chart.set_data(
            {
                key: [(day_date(week), p / n if n else None, n) for week, p, n in weeks]
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
            {day_date(d[0]): sum(d[1:5]) for d in report.days}, day_date(report.today)
        )
        self.stability_chart.set_data(report.stability, 20, "stability (days)")
        self.difficulty_chart.set_data(
            report.difficulty, [i / 2 for i in range(2, 21)], "difficulty"
        )
        self.recall_chart.set_data(report.recall, [i / 20 for i in range(21)], "recall now")
