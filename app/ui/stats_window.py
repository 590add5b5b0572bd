"""The statistics window: groups, exam readiness, plan to exam day, charts, calibration.

Everything is computed on the collection worker and shown when it arrives; the window
imports the chart library only when it opens.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.statistics import GroupStats, StatsReport, day_date
from app.storage.collection import Collection
from app.ui.db_executor import DbExecutor

GROUPINGS = [
    ("Azure service", "service"),
    ("Exam domain", "domain"),
    ("Deck", "deck"),
    ("Tag prefix", "tag:"),
]
COLUMNS = [
    "Group",
    "Cards",
    "Studied",
    "Mature",
    "Reviews",
    "Young 7d",
    "Young 30d",
    "Young all",
    "Mature 7d",
    "Mature 30d",
    "Mature all",
    "Recall now",
    "Coverage",
    "At exam",
    "Stability",
    "Difficulty",
    "Lapses",
    "Leeches",
]


@dataclass(frozen=True)
class Readiness:
    report: StatsReport
    domains: list[GroupStats]
    services: list[GroupStats]


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _item(text: str, sort: float | None = None, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if sort is not None:
        item.setData(Qt.ItemDataRole.UserRole, sort)
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


def num(value: int) -> tuple[str, float | None, str]:
    return str(value), float(value), ""


def group_cells(g: GroupStats) -> list[tuple[str, float | None, str]]:
    """(text, sort value, tooltip) for each column of the groups table."""

    def rate(period: str, mature: bool) -> tuple[str, float | None, str]:
        c = g.period(period)
        value = c.mature if mature else c.young
        n = (c.mature_pass + c.mature_fail) if mature else (c.young_pass + c.young_fail)
        return pct(value), value if value is not None else -1.0, f"{n} reviews"

    return [
        (g.key, None, ""),
        num(g.cards),
        num(g.studied),
        num(g.mature),
        num(g.reviews),
        rate("7d", False),
        rate("30d", False),
        rate("all", False),
        rate("7d", True),
        rate("30d", True),
        rate("all", True),
        (pct(g.recall_now), g.recall_now or 0.0, "mean recall of studied cards"),
        (pct(g.coverage_recall), g.coverage_recall or 0.0, "unseen cards count as 0"),
        (
            pct(g.projected_coverage_recall),
            g.projected_coverage_recall or 0.0,
            f"studied cards only: {pct(g.projected_recall)}",
        ),
        (
            "-" if g.mean_stability_days is None else f"{g.mean_stability_days:.1f}d",
            g.mean_stability_days or 0.0,
            "",
        ),
        (
            "-" if g.mean_difficulty is None else f"{g.mean_difficulty:.1f}",
            g.mean_difficulty or 0.0,
            "",
        ),
        num(g.lapses),
        num(g.leeches),
    ]


class StatisticsWindow(QWidget):
    studyWeakest = Signal(str, str)
    """(grouping, group key): start a session with that group's weakest cards."""
    loaded = Signal()

    def __init__(
        self,
        collection: Collection,
        executor: DbExecutor,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Statistics")
        self.collection = collection
        self.executor = executor
        self.clock = clock
        self.readiness: Readiness | None = None
        self.by = QComboBox()
        for label, key in GROUPINGS:
            self.by.addItem(label, key)
        self.prefix = QLineEdit()
        self.prefix.setPlaceholderText("tag prefix, e.g. AI200/service/")
        self.prefix.setEnabled(False)
        self.prefix.editingFinished.connect(self.refresh)
        self.exam = QDateEdit()
        self.exam.setCalendarPopup(True)
        self.exam.setDisplayFormat("yyyy-MM-dd")
        saved = collection.setting("exam_date")
        start = date.fromisoformat(saved) if saved else clock().date()
        self.exam.setDate(QDate(start.year, start.month, start.day))
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        self.by.currentIndexChanged.connect(self._grouping_changed)
        self.exam.dateChanged.connect(self._exam_changed)
        self.status = QLabel("Computing…")
        controls = QHBoxLayout()
        for widget in (
            QLabel("Group by"),
            self.by,
            self.prefix,
            QLabel("Exam date"),
            self.exam,
            refresh,
        ):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.status)
        self.tabs = QTabWidget()
        self.table = self._table(COLUMNS)
        self.tabs.addTab(self.table, "Groups")
        self.tabs.addTab(self._readiness_tab(), "Exam readiness")
        self.tabs.addTab(self._plan_tab(), "Plan to exam day")
        self.tabs.addTab(self._charts_tab(), "Charts")
        self.tabs.addTab(self._calibration_tab(), "Calibration")
        self.tabs.addTab(self._fsrs_tab(), "FSRS")
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.tabs, 1)
        self.resize(1100, 720)

    # -- layout ----------------------------------------------------------------------------

    def _table(self, columns: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(columns))
        table.setHorizontalHeaderLabels(columns)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        return table

    def _readiness_tab(self) -> QWidget:
        page = QWidget()
        self.readiness_table = self._table(
            ["Group", "Kind", "Cards", "Studied", "Coverage now", "At exam", "Recall (studied)"]
        )
        self.weakest_button = QPushButton("Study weakest")
        self.weakest_button.setToolTip(
            "Review the selected (or weakest) group's lowest-recall cards now, due or not"
        )
        self.weakest_button.clicked.connect(self._study_weakest)
        layout = QVBoxLayout(page)
        layout.addWidget(
            QLabel(
                "Domains and services, weakest first by projected recall on "
                "the exam date (unseen cards count as 0)."
            )
        )
        layout.addWidget(self.readiness_table, 1)
        layout.addWidget(self.weakest_button)
        return page

    def _plan_tab(self) -> QWidget:
        page = QWidget()
        self.target = QDoubleSpinBox()
        self.target.setRange(50, 99)
        self.target.setSuffix(" %")
        self.target.setValue(85)
        self.minutes = QSpinBox()
        self.minutes.setRange(5, 240)
        self.minutes.setSuffix(" min/day")
        self.minutes.setValue(30)
        plan = QPushButton("Plan")
        plan.clicked.connect(self.plan)
        self.plan_result = QLabel("Set a target and a daily time budget, then press Plan.")
        self.plan_result.setWordWrap(True)
        self.plan_result.setTextFormat(Qt.TextFormat.PlainText)
        grid = QGridLayout(page)
        grid.addWidget(QLabel("Target recall on exam day"), 0, 0)
        grid.addWidget(self.target, 0, 1)
        grid.addWidget(QLabel("Time per day"), 1, 0)
        grid.addWidget(self.minutes, 1, 1)
        grid.addWidget(plan, 2, 1)
        grid.addWidget(self.plan_result, 3, 0, 1, 3)
        grid.setRowStretch(4, 1)
        grid.setColumnStretch(2, 1)
        return page

    def _charts_tab(self) -> QWidget:
        from app.ui.charts import (
            CalendarHeatmapWidget,
            ForecastWidget,
            HistogramWidget,
            RetentionPerWeekWidget,
            ReviewsPerDayWidget,
        )

        page = QWidget()
        self.reviews_chart = ReviewsPerDayWidget()
        self.retention_chart = RetentionPerWeekWidget()
        self.forecast_chart = ForecastWidget()
        self.heatmap = CalendarHeatmapWidget()
        self.stability_chart = HistogramWidget()
        self.difficulty_chart = HistogramWidget()
        self.recall_chart = HistogramWidget()
        grid = QGridLayout(page)
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
        return page

    def _calibration_tab(self) -> QWidget:
        from app.ui.charts import CalibrationWidget

        page = QWidget()
        self.calibration_group = QComboBox()
        self.calibration_group.currentIndexChanged.connect(lambda _i: self._show_calibration())
        self.calibration_chart = CalibrationWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Group"))
        row.addWidget(self.calibration_group)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(
            QLabel(
                "Predicted recall against the observed pass rate of reviews. "
                "Points far below the line: cards harder than the model "
                "thinks (or badly written)."
            )
        )
        layout.addWidget(self.calibration_chart, 1)
        return page

    def _fsrs_tab(self) -> QWidget:
        page = QWidget()
        self.optimize_button = QPushButton("Optimise FSRS parameters")
        self.optimize_button.clicked.connect(self.optimize)
        self.apply_button = QPushButton("Use these parameters")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply_parameters)
        self.optimize_result = QLabel(
            "Fits FSRS to your own review history (one parameter set for all decks)."
        )
        self.optimize_result.setWordWrap(True)
        self.workload_button = QPushButton("Estimate daily workload")
        self.workload_button.clicked.connect(self.estimate_workload)
        self.workload_table = self._table(
            ["Desired retention", "Reviews per day", "Recall after 90 days"]
        )
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(self.optimize_button)
        row.addWidget(self.apply_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.optimize_result)
        layout.addWidget(
            QLabel(
                "Workload at a few desired retentions (simulated over 90 "
                "days with 20 new cards a day):"
            )
        )
        layout.addWidget(self.workload_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.workload_table, 1)
        self._fitted: tuple[float, ...] | None = None
        return page

    def optimize(self) -> None:
        self.optimize_result.setText("Optimising…")
        self.executor.submit(
            self.collection.optimize,
            self._show_optimized,
            lambda exc: self.optimize_result.setText(str(exc)),
        )

    def _show_optimized(self, result: Any) -> None:
        self._fitted = tuple(result.parameters)
        better = getattr(result, "improved", True)
        self.apply_button.setEnabled(better)
        self.optimize_result.setText(
            f"{result.reviews_used} reviews used. Log loss {result.log_loss_before:.4f} → "
            f"{result.log_loss_after:.4f}, RMSE {result.rmse_before:.4f} → "
            f"{result.rmse_after:.4f} (lower is better)."
            + ("" if better else " The current parameters already fit best.")
        )

    def apply_parameters(self) -> None:
        if self._fitted is not None:
            self.collection.apply_parameters(self._fitted)
            self.apply_button.setEnabled(False)
            self.optimize_result.setText(self.optimize_result.text() + " Applied.")

    def estimate_workload(self) -> None:
        from app.core.scheduling import SchedulerSettings
        from app.core.simulation import workload

        now = self.clock()

        def work() -> Any:
            cards = self.collection.memories()
            return workload(
                SchedulerSettings(), cards, now, 90, 20, (0.80, 0.85, 0.90, 0.95), random.Random(11)
            )

        self.executor.submit(
            work, self._show_workload, lambda exc: self.optimize_result.setText(str(exc))
        )

    def _show_workload(self, points: Any) -> None:
        self._fill(
            self.workload_table,
            [
                [
                    (pct(p.desired_retention), p.desired_retention, ""),
                    (f"{p.reviews_per_day:.0f}", p.reviews_per_day, ""),
                    (pct(p.recall_at_end), p.recall_at_end, ""),
                ]
                for p in points
            ],
        )

    # -- data ------------------------------------------------------------------------------

    def exam_at(self) -> datetime:
        d = self.exam.date()
        return datetime(d.year(), d.month(), d.day(), 12, tzinfo=UTC)

    def _exam_changed(self) -> None:
        self.collection.set_setting("exam_date", self.exam_at().date().isoformat())
        self.refresh()

    def grouping(self) -> str:
        by = str(self.by.currentData())
        return by + self.prefix.text().strip() if by == "tag:" else by

    def _grouping_changed(self) -> None:
        self.prefix.setEnabled(self.by.currentData() == "tag:")
        if self.by.currentData() != "tag:" or self.prefix.text().strip():
            self.refresh()

    def refresh(self) -> None:
        by, now, at = self.grouping(), self.clock(), self.exam_at()
        self.status.setText("Computing…")

        def work() -> Readiness:
            report = self.collection.report(by, now, at)
            domains = self.collection.stats("domain", now, at)
            services = self.collection.stats("service", now, at)
            return Readiness(report, domains, services)

        self.executor.submit(work, self.show_report, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not compute statistics: {exc}")

    def show_report(self, readiness: Readiness) -> None:
        self.readiness = readiness
        report = readiness.report
        self._fill(self.table, [group_cells(g) for g in report.groups])
        rows = []
        for kind, groups in (("domain", readiness.domains), ("service", readiness.services)):
            for g in groups:
                rows.append((kind, g))
        rows.sort(key=lambda r: (r[1].projected_coverage_recall or 0.0, r[1].key))
        self.readiness_rows = rows
        self._fill(
            self.readiness_table,
            [
                [
                    (g.key, None, ""),
                    (kind, None, ""),
                    (str(g.cards), float(g.cards), ""),
                    (str(g.studied), float(g.studied), ""),
                    (pct(g.coverage_recall), g.coverage_recall or 0.0, ""),
                    (pct(g.projected_coverage_recall), g.projected_coverage_recall or 0.0, ""),
                    (pct(g.projected_recall), g.projected_recall or 0.0, ""),
                ]
                for kind, g in rows
            ],
        )
        self._show_charts(report)
        self.calibration_group.blockSignals(True)
        self.calibration_group.clear()
        self.calibration_group.addItems([g.key for g in report.groups])
        self.calibration_group.blockSignals(False)
        self._show_calibration()
        self.status.setText(
            f"{len(report.groups)} groups · {sum(g.reviews for g in report.groups)}"
            f" reviews · exam {report.at.date().isoformat()}"
        )
        self.loaded.emit()

    def _fill(self, table: QTableWidget, rows: list[list[tuple[str, float | None, str]]]) -> None:
        table.setSortingEnabled(False)
        table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, (text, sort, tip) in enumerate(cells):
                table.setItem(r, c, _item(text, sort, tip))
        table.resizeColumnsToContents()

    def _show_charts(self, report: StatsReport) -> None:
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

    def _show_calibration(self) -> None:
        from app.ui.chart_data import CalibrationBin

        if self.readiness is None:
            return
        rows = self.readiness.report.calibration.get(self.calibration_group.currentText(), [])
        self.calibration_chart.set_data(
            [CalibrationBin(s / c, p / c, c) for _bin, c, p, s in rows if c]
        )

    # -- actions ---------------------------------------------------------------------------

    def _study_weakest(self) -> None:
        if not getattr(self, "readiness_rows", None):
            return
        row = self.readiness_table.currentRow()
        kind, group = self.readiness_rows[row if row >= 0 else 0]
        self.studyWeakest.emit(kind, group.key)

    def plan(self) -> None:
        from app.core.scheduling import SchedulerSettings
        from app.core.simulation import plan_to_exam

        now, exam = self.clock(), self.exam_at()
        target, minutes = self.target.value() / 100, float(self.minutes.value())
        self.plan_result.setText("Simulating…")

        def work() -> Any:
            cards = self.collection.memories()
            return plan_to_exam(
                cards, SchedulerSettings(), now, exam, target, minutes, 10.0, 30.0, random.Random(7)
            )

        self.executor.submit(work, self._show_plan, self._plan_failed)

    def _show_plan(self, plan: Any) -> None:
        verdict = "Reachable." if plan.reachable else "Not reachable with this budget."
        self.plan_result.setText(
            f"{verdict} {plan.explanation}\nOver {plan.days} days: about "
            f"{plan.reviews_per_day_mean:.0f} reviews a day (peak {plan.reviews_per_day_peak}); "
            "unseen cards count as forgotten."
        )

    def _plan_failed(self, exc: BaseException) -> None:
        self.plan_result.setText(f"Could not plan: {exc}")
