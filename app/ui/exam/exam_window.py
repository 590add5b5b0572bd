"""The practice exam window: start, questions with a clock, review screen, result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from app.core.errors import CirrusError
from app.core.exam_session import ExamSession
from app.storage.collection import Collection
from app.ui.exam.question_page import QuestionPage
from app.ui.exam.result_page import ResultPage
from app.ui.exam.review_page import ReviewPage
from app.ui.exam.start_page import StartPage

ALLOW_PAUSE = "exam_allow_pause"


class ExamWindow(QWidget):
    historyRequested = Signal()
    finishedAttempt = Signal(int)

    def __init__(
        self,
        collection: Collection,
        clock: Callable[[], datetime],
        dark: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Practice exam")
        self.collection = collection
        self.clock = clock
        media = collection.media_dir if collection.data_dir else None
        self.session: ExamSession | None = None
        self.start_page = StartPage()
        self.question_page = QuestionPage(media, dark)
        self.review_page = ReviewPage()
        self.result_page = ResultPage(media, dark)
        self.stack = QStackedWidget()
        for page in (self.start_page, self.question_page, self.review_page, self.result_page):
            self.stack.addWidget(page)
        QVBoxLayout(self).addWidget(self.stack)
        self.start_page.startRequested.connect(self.start_exam)
        self.question_page.reviewRequested.connect(self.show_review)
        self.question_page.pauseRequested.connect(self.toggle_pause)
        self.review_page.questionChosen.connect(self.show_question)
        self.review_page.backRequested.connect(lambda: self.show_question(None))
        self.review_page.finishRequested.connect(self.confirm_finish)
        self.result_page.historyRequested.connect(self.historyRequested.emit)
        self.result_page.closeRequested.connect(self.close)
        QShortcut(
            QKeySequence(Qt.Key.Key_Return),
            self.start_page,
            self.start_exam,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)
        self.resize(980, 700)
        self.show_start()

    # -- pages -----------------------------------------------------------------------

    def show_start(self) -> None:
        exams = self.collection.exams
        self.start_page.set_profile(exams.profile(), bool(self.collection.setting(ALLOW_PAUSE)))
        day = self.collection.setting("exam_date")
        now = self.clock()
        at = exams.target_day(day) if day else now
        self.start_page.set_prediction(exams.predict(now, at), f"on {day}" if day else "today")
        self.stack.setCurrentWidget(self.start_page)
        self.start_page.start_button.setFocus()

    def start_exam(self) -> None:
        page = self.start_page
        exams = self.collection.exams
        try:
            weights = page.chosen_weights()
            if weights != {k: round(v * 100) for k, v in exams.profile().weights.items()}:
                exams.set_weights(weights)
            self.collection.set_setting(ALLOW_PAUSE, page.allow_pause.isChecked())
            exam = exams.draw(page.questions.value(), page.chosen_seed())
        except (CirrusError, ValueError) as exc:
            QMessageBox.warning(self, "Practice exam", str(exc))
            return
        exam = replace(exam, time_limit_min=page.minutes.value())
        self.session = ExamSession(exam, self.clock(), allow_pause=page.allow_pause.isChecked())
        self.question_page.start(self.session)
        self.stack.setCurrentWidget(self.question_page)
        self.timer.start()
        self.tick()

    def show_question(self, index: int | None) -> None:
        if self.session is None or self.session.finished_at is not None:
            return
        if index is not None:
            self.session.go(index)
        self.question_page.show_question()
        self.stack.setCurrentWidget(self.question_page)

    def show_review(self) -> None:
        if self.session is None:
            return
        self.review_page.show_session(self.session)
        self.stack.setCurrentWidget(self.review_page)

    # -- the clock -------------------------------------------------------------------

    def tick(self) -> None:
        session = self.session
        if session is None or session.finished_at is not None:
            return
        now = self.clock()
        if session.expired(now):
            self.finish(time_up=True)
            return
        left = int(session.remaining(now).total_seconds())
        text = f"{left // 60}:{left % 60:02d} left" + (" (paused)" if session.paused else "")
        self.question_page.set_clock(text, left < 300)

    def toggle_pause(self) -> None:
        session = self.session
        if session is None or not session.allow_pause:
            return
        if session.paused:
            session.resume(self.clock())
            self.question_page.pause_button.setText("Pause")
        else:
            session.pause(self.clock())
            self.question_page.pause_button.setText("Resume")
        self.tick()

    # -- finishing -------------------------------------------------------------------

    def confirm_finish(self) -> None:
        if self.session is None:
            return
        missing = len(self.session.unanswered())
        text = "Finish the exam and see your score?"
        if missing:
            text = f"{missing} questions are unanswered and count as wrong. " + text
        answer = QMessageBox.question(self, "Finish exam", text)
        if answer == QMessageBox.StandardButton.Yes:
            self.finish()

    def finish(self, time_up: bool = False) -> None:
        session = self.session
        if session is None or session.finished_at is not None:
            return
        self.timer.stop()
        now = self.clock()
        result = session.finish(now)
        elapsed = session.elapsed(now)
        try:
            attempt = self.collection.exams.record(
                session.exam, result, session.answers, session.started_at, now, elapsed
            )
        except CirrusError as exc:
            QMessageBox.critical(self, "Result not saved", str(exc))
            attempt = 0
        exams = self.collection.exams
        self.result_page.show_result(
            session.exam,
            result,
            session.answers,
            elapsed,
            exams.profile().titles,
            exams.service_titles(),
        )
        self.stack.setCurrentWidget(self.result_page)
        if time_up:
            QMessageBox.information(self, "Time is up", "Time is up: the exam was handed in.")
        self.finishedAttempt.emit(attempt)

    def closeEvent(self, event: QCloseEvent) -> None:
        session = self.session
        if session is not None and session.finished_at is None:
            answer = QMessageBox.question(
                self,
                "Leave the exam",
                "Hand in the exam now? Your answers are scored and kept. "
                "(No leaves without handing in.)",
                QMessageBox.StandardButton.Yes
                | QMessageBox.StandardButton.No
                | QMessageBox.StandardButton.Cancel,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                event.ignore()
                return
            if answer == QMessageBox.StandardButton.Yes:
                self.finish()
            self.timer.stop()
            self.session = None
        super().closeEvent(event)
