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
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.exam import Prediction
from app.core.statistics import GroupStats, StatsReport, weakest_first
from app.storage.collection import Collection
from app.ui.db_executor import DbExecutor
from app.ui.stats_fsrs_tab import FsrsTab
from app.ui.stats_tables import fill_table, group_cells, make_table, pct

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
    prediction: Prediction | None = None


class StatisticsWindow(QWidget):
    practiceRequested = Signal()
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
        self.table = make_table(COLUMNS)
        self.tabs.addTab(self.table, "Groups")
        self.tabs.addTab(self._readiness_tab(), "Exam readiness")
        self.tabs.addTab(self._plan_tab(), "Plan to exam day")
        from app.ui.stats_charts_tab import ChartsTab

        self.charts_tab = ChartsTab()
        self.tabs.addTab(self.charts_tab, "Charts")
        self.tabs.addTab(self._calibration_tab(), "Calibration")
        self.fsrs_tab = FsrsTab(collection, executor, clock)
        self.tabs.addTab(self.fsrs_tab, "FSRS")
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.tabs, 1)
        self.resize(1100, 720)

    # -- layout ----------------------------------------------------------------------------

    def _readiness_tab(self) -> QWidget:
        page = QWidget()
        self.readiness_table = make_table(
            ["Group", "Kind", "Cards", "Studied", "Coverage now", "At exam", "Recall (studied)"]
        )
        self.weakest_button = QPushButton("Study weakest")
        self.weakest_button.setToolTip(
            "Review the selected (or weakest) group's lowest-recall cards now, due or not"
        )
        self.weakest_button.clicked.connect(self._study_weakest)
        self.prediction_label = QLabel()
        self.prediction_label.setWordWrap(True)
        practice = QPushButton("Practice exam…")
        practice.setToolTip("A timed practice exam drawn by the exam's domain weights")
        practice.clicked.connect(lambda _checked=False: self.practiceRequested.emit())
        predicted_row = QHBoxLayout()
        predicted_row.addWidget(self.prediction_label, 1)
        predicted_row.addWidget(practice)
        layout = QVBoxLayout(page)
        layout.addLayout(predicted_row)
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
        self.exam_mode = QCheckBox("Exam mode: move reviews that would fall after the exam")
        self.exam_mode.setChecked(bool(self.collection.setting("exam_mode", False)))
        self.exam_mode.toggled.connect(lambda on: self.collection.set_setting("exam_mode", on))
        self.exam_target = QDoubleSpinBox()
        self.exam_target.setRange(80, 99)
        self.exam_target.setSuffix(" % on exam day")
        self.exam_target.setValue(100 * float(self.collection.setting("exam_target_recall", 0.95)))
        self.exam_target.valueChanged.connect(
            lambda v: self.collection.set_setting("exam_target_recall", v / 100)
        )
        plan = QPushButton("Plan")
        plan.clicked.connect(self.plan)
        self.apply_plan = QPushButton("Apply")
        self.apply_plan.setToolTip("Use the plan's new cards a day in the default preset")
        self.apply_plan.setEnabled(False)
        self.apply_plan.clicked.connect(self._apply_plan)
        self._planned_new: int | None = None
        self.plan_result = QLabel("Set a target and a daily time budget, then press Plan.")
        self.plan_result.setWordWrap(True)
        self.plan_result.setTextFormat(Qt.TextFormat.PlainText)
        grid = QGridLayout(page)
        grid.addWidget(QLabel("Target recall on exam day"), 0, 0)
        grid.addWidget(self.target, 0, 1)
        grid.addWidget(QLabel("Time per day"), 1, 0)
        grid.addWidget(self.minutes, 1, 1)
        grid.addWidget(self.exam_mode, 2, 0)
        grid.addWidget(self.exam_target, 2, 1)
        grid.addWidget(plan, 3, 1)
        grid.addWidget(self.apply_plan, 3, 2, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.plan_result, 4, 0, 1, 3)
        grid.setRowStretch(5, 1)
        grid.setColumnStretch(2, 1)
        return page

    def _calibration_tab(self) -> QWidget:
        from app.ui.painter_charts import CalibrationWidget

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
            prediction = self.collection.exams.predict(now, at)
            return Readiness(report, domains, services, prediction)

        self.executor.submit(work, self.show_report, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not compute statistics: {exc}")

    def show_report(self, readiness: Readiness) -> None:
        self.readiness = readiness
        report = readiness.report
        fill_table(self.table, [group_cells(g) for g in report.groups])
        rows = weakest_first(
            [("domain", g) for g in readiness.domains]
            + [("service", g) for g in readiness.services]
        )
        self.readiness_rows = rows
        p = readiness.prediction
        if p is not None:
            practice = (
                " Corrected by your practice exams." if p.correction else " No practice exam yet."
            )
            self.prediction_label.setText(
                f"<b>Predicted exam score on {readiness.report.at.date().isoformat()}: "
                f"{p.score}</b> (likely {p.low}-{p.high}) · pass probability "
                f"{p.pass_probability:.0%}. From FSRS's recall of the multiple-choice cards at "
                f"the exam (a forgotten card still has a guess's chance).{practice}"
            )
        fill_table(
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
        self.charts_tab.set_report(report)
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
        from app.core.exam_schedule import ExamTarget, compare
        from app.core.models import CardState
        from app.core.scheduling import SchedulerSettings
        from app.core.simulation import plan_to_exam

        now, exam = self.clock(), self.exam_at()
        target, minutes = self.target.value() / 100, float(self.minutes.value())
        self.plan_result.setText("Simulating…")

        exam_target = ExamTarget(exam, self.exam_target.value() / 100)

        def work() -> Any:
            cards = self.collection.memories()
            plan = plan_to_exam(
                cards, SchedulerSettings(), now, exam, target, minutes, 10.0, 30.0, random.Random(7)
            )
            studied = [m for m in cards if m.state == CardState.REVIEW]
            runs = compare(studied, SchedulerSettings(), now, exam_target, seed=7)
            return plan, runs

        self.executor.submit(work, self._show_plan, self._plan_failed)

    def _show_plan(self, result: Any) -> None:
        plan, (plain, exam, matched) = result
        self._planned_new = plan.new_per_day
        self.apply_plan.setEnabled(True)
        self.apply_plan.setText(f"Apply: {plan.new_per_day} new cards a day")
        verdict = "Reachable." if plan.reachable else "Not reachable with this budget."
        text = (
            f"{verdict} {plan.explanation}\nOver {plan.days} days: about "
            f"{plan.reviews_per_day_mean:.0f} reviews a day (peak {plan.reviews_per_day_peak}); "
            "unseen cards count as forgotten."
        )
        if plain.reviews or exam.reviews:
            text += (
                f"\n\nYour studied cards until the exam: plain FSRS {plain.reviews} reviews, "
                f"recall {plain.recall_at_exam:.1%} on exam day; exam mode {exam.reviews} "
                f"reviews, {exam.recall_at_exam:.1%}; plain FSRS at "
                f"{matched.desired_retention:.0%} desired retention {matched.reviews} reviews, "
                f"{matched.recall_at_exam:.1%}."
            )
        self.plan_result.setText(text)

    def _apply_plan(self) -> None:
        from dataclasses import replace

        if self._planned_new is None:
            return
        options = self.collection.deck_options
        options.save(replace(options.preset(1), new_per_day=self._planned_new))
        self.apply_plan.setEnabled(False)
        self.apply_plan.setText(f"Applied: {self._planned_new} new cards a day (Default preset)")

    def _plan_failed(self, exc: BaseException) -> None:
        self.plan_result.setText(f"Could not plan: {exc}")
