"""The review screen of a practice exam: every question with answered/flagged marks."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.exam_session import ExamSession


class ReviewPage(QWidget):
    questionChosen = Signal(int)
    backRequested = Signal()
    finishRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.list = QListWidget()
        self.list.itemActivated.connect(lambda item: self.questionChosen.emit(item.data(256)))
        back = QPushButton("Back to the question")
        back.clicked.connect(lambda _checked=False: self.backRequested.emit())
        self.finish_button = QPushButton("Finish exam")
        self.finish_button.clicked.connect(lambda _checked=False: self.finishRequested.emit())
        row = QHBoxLayout()
        row.addWidget(back)
        row.addStretch(1)
        row.addWidget(self.finish_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Review</b> — Enter opens a question."))
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape),
            self,
            self.backRequested.emit,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

    def show_session(self, session: ExamSession) -> None:
        unanswered = session.unanswered()
        flagged = sorted(session.flagged)
        self.summary.setText(
            f"{session.count - len(unanswered)} of {session.count} answered · "
            f"{len(unanswered)} unanswered · {len(flagged)} flagged. "
            "Unanswered questions count as wrong."
        )
        self.list.clear()
        for index, item in enumerate(session.exam.questions):
            marks = []
            if index not in session.answers:
                marks.append("unanswered")
            if index in session.flagged:
                marks.append("\u2691 flagged")
            first_line = item.stem.strip().splitlines()[0] if item.stem.strip() else ""
            short = first_line if len(first_line) <= 90 else first_line[:89].rstrip() + "\u2026"
            label = f"{index + 1:>2}.  {short}"
            if marks:
                label += "   — " + ", ".join(marks)
            entry = QListWidgetItem(label)
            entry.setData(256, index)
            self.list.addItem(entry)
        first = (unanswered or flagged or [session.current])[0]
        self.list.setCurrentRow(first)
        self.list.setFocus()
