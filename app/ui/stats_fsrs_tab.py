"""The statistics window's FSRS tab: optimise parameters, estimate the workload."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.storage.collection import Collection
from app.ui.db_executor import DbExecutor
from app.ui.stats_tables import fill_table, make_table, pct


class FsrsTab(QWidget):
    def __init__(
        self,
        collection: Collection,
        executor: DbExecutor,
        clock: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.collection = collection
        self.executor = executor
        self.clock = clock
        page = self
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
        self.workload_table = make_table(
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
        fill_table(
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
