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

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.exam import Prediction
from app.core.readiness import (
    ReadinessRow,
    combine,
    distinct_titles,
    readiness_tree,
    slug_title,
)
from app.core.statistics import StatsReport
from app.storage.collection import Collection
from app.storage.readiness_repo import service_domains, tag_root
from app.ui.db_executor import DbExecutor
from app.ui.exam_date_edit import ExamDateEdit
from app.ui.stats_fsrs_tab import FsrsTab
from app.ui.stats_readiness_tab import ReadinessTab
from app.ui.stats_tables import fill_table, group_cells, make_table

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
    rows: list[ReadinessRow]
    prediction: Prediction | None = None
    titles: dict[str, dict[str, str]] | None = None
    """Per grouping ("service", "domain"): slug -> title."""
    plain: frozenset[tuple[str, str]] = frozenset()
    """(kind, slug) of groups with notes under the plain ``service/``/``domain/`` tags."""


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area: it keeps its minimum size and scrolls in a small window."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area


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
        saved = collection.setting("exam_date")
        self.exam = ExamDateEdit(date.fromisoformat(saved) if saved else None)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        self.by.currentIndexChanged.connect(self._grouping_changed)
        self.exam.changed.connect(self._exam_changed)
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
        self.readiness_tab = ReadinessTab(str(collection.setting("readiness_tag_root", "")))
        self.readiness_tab.practiceRequested.connect(self.practiceRequested)
        self.readiness_tab.studyWeakest.connect(self._study_weakest)
        self.readiness_tab.message.connect(self._say)
        self.readiness_tab.rootChanged.connect(self._root_changed)
        self.weakest_button = self.readiness_tab.weakest_button
        self.tabs.addTab(self.readiness_tab, "Exam readiness")
        self.tabs.addTab(scrolled(self._plan_tab()), "Plan to exam day")
        from app.ui.stats_charts_tab import ChartsTab

        self.charts_tab = ChartsTab()
        self.tabs.addTab(scrolled(self.charts_tab), "Charts")
        self.tabs.addTab(self._calibration_tab(), "Calibration")
        self.fsrs_tab = FsrsTab(collection, executor, clock)
        self.tabs.addTab(scrolled(self.fsrs_tab), "FSRS")
        self.exam.invalid.connect(self._say)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.tabs, 1)
        for sequence in (QKeySequence(Qt.Key.Key_Escape), QKeySequence("Ctrl+W")):
            QShortcut(sequence, self, self.close)
        self._fit()

    # -- layout ----------------------------------------------------------------------------

    def _fit(self) -> None:
        """1100x720, or less on a smaller screen (every tab scrolls)."""
        screen = QApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        width, height = 1100, 720
        if area is not None:
            width, height = min(width, area.width() - 40), min(height, area.height() - 60)
        self.resize(max(width, 640), max(height, 480))

    def _say(self, text: str) -> None:
        self.status.setText(text)

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
        """Noon of the exam date; today while no date is set."""
        d = self.exam.value or self.clock().date()
        return datetime(d.year, d.month, d.day, 12, tzinfo=UTC)

    def _exam_changed(self, value: date | None) -> None:
        self.collection.set_setting("exam_date", value.isoformat() if value else None)
        self.refresh()

    def _root_changed(self, text: str) -> None:
        root = tag_root(text)
        if root != tag_root(str(self.collection.setting("readiness_tag_root", ""))):
            self.collection.set_setting("readiness_tag_root", root)
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

        root = tag_root(str(self.collection.setting("readiness_tag_root", "")))
        col = self.collection

        def work() -> Readiness:
            report = col.report(by, now, at)
            plain = {k: col.stats(k, now, at) for k in ("domain", "service")}
            extra = {k: col.stats(f"tag:{root}{k}/", now, at) if root else [] for k in plain}
            titles = {
                "domain": dict(col.exams.profile().titles),
                "service": distinct_titles(col.exams.service_titles()),
            }
            links = service_domains(col, ("", root) if root else ("",))
            rows = readiness_tree(
                combine(plain["domain"], extra["domain"]),
                combine(plain["service"], extra["service"]),
                links,
                titles["domain"],
                titles["service"],
            )
            keys = frozenset((k, g.key) for k, groups in plain.items() for g in groups)
            prediction = col.exams.predict(now, at)
            return Readiness(report, rows, prediction, titles, keys)

        self.executor.submit(work, self.show_report, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"Could not compute statistics: {exc}")

    def show_report(self, readiness: Readiness) -> None:
        self.readiness = readiness
        report = readiness.report
        titles = (readiness.titles or {}).get(report.by, {})
        cells = []
        for g in report.groups:
            row = group_cells(g)
            if report.by in ("service", "domain"):
                row[0] = (titles.get(g.key) or slug_title(g.key), None, f"tag {report.by}/{g.key}")
            cells.append(row)
        fill_table(self.table, cells)
        when = report.at.date().isoformat() if self.exam.value else "today (no exam date set)"
        self.readiness_tab.set_prediction(readiness.prediction, when)
        self.readiness_tab.set_rows(readiness.rows)
        self.charts_tab.set_report(report)
        self.calibration_group.blockSignals(True)
        self.calibration_group.clear()
        for g in report.groups:
            self.calibration_group.addItem(titles.get(g.key) or g.key, g.key)
        self.calibration_group.blockSignals(False)
        self._show_calibration()
        groups, reviews = len(report.groups), sum(g.reviews for g in report.groups)
        self.status.setText(
            f"{groups:,} group{'' if groups == 1 else 's'} · "
            f"{reviews:,} review{'' if reviews == 1 else 's'} · exam {self.exam.text()}"
        )
        self.loaded.emit()

    def _show_calibration(self) -> None:
        from app.ui.chart_data import CalibrationBin

        if self.readiness is None:
            return
        key = self.calibration_group.currentData()
        rows = self.readiness.report.calibration.get(str(key), [])
        self.calibration_chart.set_data(
            [CalibrationBin(s / c, p / c, c) for _bin, c, p, s in rows if c]
        )

    # -- actions ---------------------------------------------------------------------------

    def _study_weakest(self, kind: str, key: str) -> None:
        """Study a group's weakest cards (under the tag root when only notes there have it)."""
        plain = self.readiness.plain if self.readiness else frozenset()
        root = tag_root(str(self.collection.setting("readiness_tag_root", "")))
        by = kind if (kind, key) in plain or not root else f"tag:{root}{kind}/"
        self.studyWeakest.emit(by, key)

    def plan(self) -> None:
        from app.core.exam_schedule import ExamTarget, compare
        from app.core.models import CardState
        from app.core.scheduling import SchedulerSettings
        from app.core.simulation import plan_to_exam

        if self.exam.value is None:
            self.plan_result.setText("Set the exam date first (at the top of this window).")
            return
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
