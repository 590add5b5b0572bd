"""Tools > Check Database: what the check found, and a Repair button."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CirrusError
from app.storage.check import REPAIRS, CheckReport
from app.storage.collection import Collection
from app.ui.db_executor import DbExecutor

log = logging.getLogger(__name__)


class CheckDialog(QDialog):
    repaired = Signal()
    """A repair ran (the decks may have changed)."""

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
        self.report: CheckReport | None = None
        self.setWindowTitle("Check Database")
        self.summary = QLabel("Checking…")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Problem", "Count", "Repair"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.repair_button = QPushButton("&Repair")
        self.repair_button.setEnabled(False)
        self.repair_button.setToolTip("Write a backup, then fix what is safe to fix")
        buttons.addButton(self.repair_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.repair_button.clicked.connect(self.repair)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(720, 380)

    def run_check(self) -> None:
        self._busy("Checking the database and the media folder…")
        self.executor.submit(lambda: self.collection.check(), self._show, self._failed)

    def repair(self) -> None:
        self._busy("Writing a backup, then repairing…")
        now = self.clock()
        self.executor.submit(
            lambda: self.collection.check(repair=True, now=now), self._repaired, self._failed
        )

    def _busy(self, text: str) -> None:
        self.summary.setText(text)
        self.repair_button.setEnabled(False)

    def _repaired(self, report: CheckReport) -> None:
        self._show(report)
        self.repaired.emit()

    def _show(self, report: CheckReport) -> None:
        self.report = report
        self.table.setHorizontalHeaderLabels(
            ["Problem", "Count", "Result" if report.repaired else "Repair"]
        )
        self.table.setRowCount(len(report.problems))
        for row, problem in enumerate(report.problems):
            if report.repaired:
                status = "Repaired" if problem.repaired else "Not repaired"
            else:
                status = "Repair will " + REPAIRS[problem.kind]
            examples = "\n".join(problem.examples)
            for col, value in enumerate((problem.label, str(problem.count), status)):
                item = QTableWidgetItem(value)
                if examples:
                    item.setToolTip(examples)
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        if report.ok:
            self.summary.setText("No problems found.")
        elif report.repaired:
            fixed = sum(p.repaired for p in report.problems)
            text = f"Repaired {fixed} of {len(report.problems)} kinds of problem."
            if any(p.kind == "integrity" and not p.repaired for p in report.problems):
                text += (
                    " The file is damaged beyond what a repair can mend, so nothing else was"
                    " changed: restore a backup."
                )
            elif not report.all_repaired:
                text += " What is left cannot be repaired safely; restoring a backup may help."
            self.summary.setText(f"{text}\nA copy was written first: {report.backup}")
        else:
            self.summary.setText(
                f"Found {len(report.problems)} kinds of problem. Repair writes a backup "
                "first, then fixes what is safe to fix."
            )
        self.repair_button.setEnabled(not report.ok and not report.repaired)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, CirrusError):
            log.error("check database failed", exc_info=exc)
        self.summary.setText(f"The check could not finish: {exc}")
        self.repair_button.setEnabled(False)
