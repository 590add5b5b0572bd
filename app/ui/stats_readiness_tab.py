"""The statistics window's exam-readiness tab: predicted score, then domains and their
services with a bar each, weakest first; "Study weakest" on the selected row."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.exam import Prediction
from app.core.readiness import ReadinessRow
from app.ui.stats_tables import pct

COLUMNS = [
    "Domain / service",
    "Cards",
    "Studied",
    "Coverage now",
    "At exam",
    "Readiness at exam",
    "Recall (studied)",
]
BAR = 5
MIN_STUDIED = 3
"""Below this many studied cards a group has too little history for "Study weakest"."""


class ReadinessTab(QWidget):
    practiceRequested = Signal()
    studyWeakest = Signal(str, str)
    rootChanged = Signal(str)
    message = Signal(str)

    def __init__(self, root: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ReadinessRow] = []
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(COLUMNS)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(BAR, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(BAR, 180)
        header.setStretchLastSection(False)
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
        self.root = QLineEdit(root)
        self.root.setPlaceholderText("e.g. AI200::")
        self.root.setToolTip(
            "Notes tagged <root>service::<slug> and <root>domain::<slug> (an Anki deck's "
            "AI200::service::service-bus) count toward the same rows"
        )
        self.root.setMaximumWidth(160)
        self.root.editingFinished.connect(lambda: self.rootChanged.emit(self.root.text()))
        predicted_row = QHBoxLayout()
        predicted_row.addWidget(self.prediction_label, 1)
        predicted_row.addWidget(practice)
        hint = QHBoxLayout()
        hint.addWidget(
            QLabel(
                "Domains, then their services, weakest first by projected recall on the "
                "exam date (unseen cards count as 0)."
            ),
            1,
        )
        hint.addWidget(QLabel("Also count tags under"))
        hint.addWidget(self.root)
        layout = QVBoxLayout(self)
        layout.addLayout(predicted_row)
        layout.addLayout(hint)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.weakest_button)

    def set_prediction(self, p: Prediction | None, at: str) -> None:
        if p is None:
            self.prediction_label.clear()
            return
        practice = (
            " Corrected by your practice exams." if p.correction else " No practice exam yet."
        )
        self.prediction_label.setText(
            f"<b>Predicted exam score on {at}: {p.score}</b> (likely {p.low}-{p.high}) · pass "
            f"probability {p.pass_probability:.0%}. From FSRS's recall of the multiple-choice "
            f"cards at the exam (a forgotten card still has a guess's chance).{practice}"
        )

    def set_rows(self, rows: list[ReadinessRow]) -> None:
        self.rows = rows
        self.tree.clear()
        for row in rows:
            item = self._item(row, self.tree.invisibleRootItem())
            for child in row.children:
                self._item(child, item)
            item.setExpanded(True)

    def _item(self, row: ReadinessRow, parent: QTreeWidgetItem) -> QTreeWidgetItem:
        g = row.group
        item = QTreeWidgetItem(
            parent,
            [
                row.title,
                str(g.cards),
                str(g.studied),
                pct(g.coverage_recall),
                pct(g.projected_coverage_recall),
                "",
                pct(g.projected_recall),
            ],
        )
        item.setData(0, Qt.ItemDataRole.UserRole, row)
        item.setToolTip(0, f"{row.kind} tag: {row.key}")
        for column in range(1, len(COLUMNS)):
            item.setTextAlignment(
                column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
        if row.kind == "domain":
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
        bar = QProgressBar()
        bar.setRange(0, 100)
        bar.setValue(round(row.at_exam * 100))
        bar.setTextVisible(False)
        bar.setStyleSheet(
            "QProgressBar { border: 1px solid palette(mid); background: palette(base); }"
            "QProgressBar::chunk { background: palette(highlight); }"
        )
        bar.setMaximumHeight(14)
        bar.setToolTip(f"{pct(g.projected_coverage_recall)} projected on the exam date")
        self.tree.setItemWidget(item, BAR, bar)
        return item

    def selected(self) -> ReadinessRow | None:
        item = self.tree.currentItem()
        if item is not None:
            row = item.data(0, Qt.ItemDataRole.UserRole)
            if isinstance(row, ReadinessRow):
                return row
        return self.rows[0] if self.rows else None

    def _study_weakest(self) -> None:
        row = self.selected()
        if row is None:
            self.message.emit("Nothing to study yet: import or study a deck first.")
            return
        if row.group.studied < MIN_STUDIED:
            self.message.emit(
                f"{row.title}: only {row.group.studied} of {row.group.cards} cards studied, too "
                "few to find weak ones. Study its deck first (new cards come in the daily "
                "queue), or take a practice exam to see where you stand."
            )
            return
        self.studyWeakest.emit(row.kind, row.key)
