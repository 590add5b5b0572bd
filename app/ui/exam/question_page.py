"""The question screen of a practice exam: stem, options, clock, previous/next and flag.

Keys: 1-9 pick an option (toggle on "choose N" items), Right or N next, Left or P
previous, F flag for review, R the review screen. No feedback until the end.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.exam_session import ExamSession
from app.core.render import markdown_html
from app.ui.card_text_view import CardTextView
from app.ui.exam.option_widget import OptionWidget


class QuestionPage(QWidget):
    reviewRequested = Signal()
    pauseRequested = Signal()

    def __init__(
        self, media_dir: Path | None, dark: Callable[[], bool], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.dark = dark
        self.session: ExamSession | None = None
        self.position = QLabel()
        self.flag_label = QLabel()
        self.clock = QLabel()
        self.clock.setStyleSheet("font-weight: 600; font-size: 13pt;")
        top = QHBoxLayout()
        top.addWidget(self.position)
        top.addWidget(self.flag_label)
        top.addStretch(1)
        top.addWidget(self.clock)
        self.view = CardTextView(media_dir)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hint = QLabel()
        self.options_box = QVBoxLayout()
        self.options: list[OptionWidget] = []
        self.prev_button = self._button("\u2190 Previous", self.previous)
        self.flag_button = self._button("Flag for review  (F)", self.toggle_flag)
        self.pause_button = self._button("Pause", self.pauseRequested.emit)
        self.review_button = self._button("Review screen  (R)", self.reviewRequested.emit)
        self.next_button = self._button("Next \u2192", self.next)
        bottom = QHBoxLayout()
        for button in (self.prev_button, self.flag_button, self.pause_button):
            bottom.addWidget(button)
        bottom.addStretch(1)
        bottom.addWidget(self.review_button)
        bottom.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        layout.addLayout(self.options_box)
        layout.addLayout(bottom)
        self._shortcuts()

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setMinimumHeight(36)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for digit in range(1, 10):
            QShortcut(
                QKeySequence(str(digit)), self, partial(self.pick_number, digit), context=context
            )
        for key, slot in (
            (Qt.Key.Key_Right, self.next),
            (Qt.Key.Key_N, self.next),
            (Qt.Key.Key_Left, self.previous),
            (Qt.Key.Key_P, self.previous),
            (Qt.Key.Key_F, self.toggle_flag),
            (Qt.Key.Key_R, self.reviewRequested.emit),
        ):
            QShortcut(QKeySequence(key), self, slot, context=context)

    # -- showing ---------------------------------------------------------------------

    def start(self, session: ExamSession) -> None:
        self.session = session
        self.pause_button.setVisible(session.allow_pause)
        self.show_question()

    def show_question(self) -> None:
        session = self.session
        if session is None:
            return
        index = session.current
        item = session.exam.questions[index]
        self.position.setText(f"Question {index + 1} of {session.count}")
        self.flag_label.setText("\u2691 flagged" if index in session.flagged else "")
        self.view.show_html(markdown_html(item.stem, self.dark()), self.dark())
        self.hint.setText(f"Choose {_words(item.choose)}." if item.choose > 1 else "Choose one.")
        for widget in self.options:
            self.options_box.removeWidget(widget)
            widget.hide()  # gone from the screen now, not at the next event-loop turn
            widget.deleteLater()
        self.options = []
        picked = session.answers.get(index, frozenset())
        for number, option_index in enumerate(session.exam.orders[index], start=1):
            widget = OptionWidget(
                number, option_index, item.options[option_index], self.dark(), item.choose > 1
            )
            widget.set_picked(option_index in picked)
            widget.toggled.connect(self.toggle)
            self.options_box.addWidget(widget)
            self.options.append(widget)
        self.prev_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < session.count - 1)
        self.setFocus()

    def set_clock(self, text: str, urgent: bool) -> None:
        self.clock.setText(text)
        colour = "#cf222e" if urgent else "palette(text)"
        self.clock.setStyleSheet(f"font-weight: 600; font-size: 13pt; color: {colour};")

    # -- actions ---------------------------------------------------------------------

    def pick_number(self, number: int) -> None:
        if 1 <= number <= len(self.options):
            self.toggle(self.options[number - 1].index)

    def toggle(self, option_index: int) -> None:
        if self.session is None or self.session.finished_at is not None:
            return
        picked = self.session.toggle(option_index)
        for widget in self.options:
            widget.set_picked(widget.index in picked)

    def toggle_flag(self) -> None:
        if self.session is not None:
            self.session.toggle_flag()
            self.show_question()

    def next(self) -> None:
        if self.session is not None and self.session.current < self.session.count - 1:
            self.session.next()
            self.show_question()

    def previous(self) -> None:
        if self.session is not None and self.session.current > 0:
            self.session.previous()
            self.show_question()


def _words(n: int) -> str:
    return {2: "two", 3: "three", 4: "four"}.get(n, str(n))
