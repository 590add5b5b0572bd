"""The study screen: prompt, answer, ratings; driven by the keyboard.

Space or Enter shows the answer, then accepts the suggested rating (Good unless a
multiple-choice pick suggests otherwise); 1-4 rate Again/Hard/Good/Easy; on a
multiple-choice card 1-9 pick an option first; Esc goes back to the decks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.choice import ChoiceOption, shuffled, split_choice
from app.core.errors import CirrusError
from app.core.models import NoteKind, Rating, StudyCard
from app.core.render import card_html
from app.core.scheduling import format_interval
from app.storage.collection import Collection
from app.ui.card_text_view import CardTextView

RATING_LABELS = {
    Rating.AGAIN: "Again",
    Rating.HARD: "Hard",
    Rating.GOOD: "Good",
    Rating.EASY: "Easy",
}
SUGGESTED_STYLE = "font-weight: bold; border: 2px solid palette(highlight); padding: 4px;"
MAX_DURATION_MS = 60_000


class StudyView(QWidget):
    backRequested = Signal()
    finished = Signal()
    answered = Signal(int)

    def __init__(
        self,
        collection: Collection,
        clock: Callable[[], datetime],
        dark: Callable[[], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.collection = collection
        self.clock = clock
        self.dark = dark
        self.deck: str | None = None
        self.queue: list[int] | None = None
        """A "study weakest" session's cards (answered early if not due); None: the queue."""
        self.card: StudyCard | None = None
        self.revealed = False
        self.options: list[ChoiceOption] = []
        self.picked: int | None = None
        self.suggested: Rating = Rating.GOOD
        self._timer = QElapsedTimer()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build()
        self._shortcuts()

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.deck_label = QLabel()
        self.counts_label = QLabel()
        self.counts_label.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(self.deck_label, 1)
        top.addWidget(self.counts_label)
        self.view = CardTextView(self._media_dir())
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)

        self.show_button = self._button("Show answer  (Space)", self.reveal)
        answer_page = QWidget()
        QHBoxLayout(answer_page).addWidget(self.show_button)

        rating_page = QWidget()
        rating_row = QHBoxLayout(rating_page)
        self.rating_buttons: dict[Rating, QPushButton] = {}
        for rating in Rating:
            button = self._button(RATING_LABELS[rating], partial(self.rate, rating))
            button.setToolTip(f"Key {int(rating)}")
            self.rating_buttons[rating] = button
            rating_row.addWidget(button)

        self.choice_page = QWidget()
        self.choice_layout = QVBoxLayout(self.choice_page)
        self.option_buttons: list[QPushButton] = []

        self.bottom = QStackedWidget()
        for page in (answer_page, rating_page, self.choice_page):
            self.bottom.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.feedback)
        layout.addWidget(self.bottom)

    def _button(self, text: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setMinimumHeight(44)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _shortcuts(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self, self._space, context=context)
        for digit in range(1, 10):
            QShortcut(QKeySequence(str(digit)), self, partial(self._digit, digit), context=context)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.backRequested.emit, context=context)

    def _media_dir(self) -> Path | None:
        return self.collection.media_dir if self.collection.data_dir else None

    # -- flow ------------------------------------------------------------------------------

    def start(self, deck: str | None) -> bool:
        """Show the first card of ``deck``; False when nothing is left today."""
        self.deck = deck
        self.queue = None
        self.deck_label.setText(deck or "All decks")
        return self.next()

    def start_cards(self, card_ids: list[int], title: str) -> bool:
        """Study these cards in order, due or not (a "study weakest" session)."""
        self.deck = None
        self.queue = list(card_ids)
        self.deck_label.setText(title)
        return self.next()

    def next(self) -> bool:
        if self.queue is not None:
            card = self.collection.card(self.queue.pop(0)) if self.queue else None
        else:
            card = self.collection.next_card(self.clock(), self.deck)
        if card is None:
            self.card = None
            self.finished.emit()
            return False
        self.show_card(card)
        return True

    def show_card(self, card: StudyCard) -> None:
        self.card = card
        self.revealed = False
        self.picked = None
        self.suggested = Rating.GOOD
        self.feedback.clear()
        self._render()
        self._update_counts()
        if card.kind == NoteKind.CHOICE:
            _, options = split_choice(card.front)
            self.options = shuffled(options, card.card_id * 1009 + card.memory.reps)
            self._fill_options()
            self.bottom.setCurrentIndex(2)
        else:
            self.options = []
            self.bottom.setCurrentIndex(0)
        self.setFocus()
        self._timer.start()

    def reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        self.revealed = True
        self._render()
        intervals = self.collection.preview(self.card, self.clock())
        for rating, button in self.rating_buttons.items():
            button.setText(f"{RATING_LABELS[rating]}\n{format_interval(intervals[rating])}")
            button.setStyleSheet(SUGGESTED_STYLE if rating == self.suggested else "")
        self.bottom.setCurrentIndex(1)

    def pick(self, index: int) -> None:
        """Choose option ``index`` of a multiple-choice card and show the answer."""
        if self.card is None or self.revealed or not 0 <= index < len(self.options):
            return
        self.picked = index
        right = self.options[index].correct
        self.suggested = Rating.GOOD if right else Rating.AGAIN
        verdict = "Right" if right else "Wrong"
        self.feedback.setText(
            f"{verdict}: you picked {index + 1}. {self.options[index].text}. Suggested: "
            f"{RATING_LABELS[self.suggested]} (Space accepts, 1-4 to choose)"
        )
        self.reveal()

    def rate(self, rating: Rating) -> None:
        if self.card is None or not self.revealed:
            return
        elapsed = min(int(self._timer.elapsed()), MAX_DURATION_MS)
        try:
            self.collection.answer(
                self.card.card_id, rating, self.clock(), elapsed, early_ok=self.queue is not None
            )
        except CirrusError as exc:
            QMessageBox.critical(self, "Answer not saved", str(exc))
            return
        self.answered.emit(self.card.card_id)
        self.next()

    def refresh_style(self) -> None:
        if self.card is not None:
            self._render()

    # -- keys ------------------------------------------------------------------------------

    def _space(self) -> None:
        if self.card is None:
            return
        if self.revealed:
            self.rate(self.suggested)
        else:
            self.reveal()

    def _digit(self, digit: int) -> None:
        if self.card is None:
            return
        if not self.revealed and self.options:
            self.pick(digit - 1)
        elif self.revealed and digit <= 4:
            self.rate(Rating(digit))

    # -- helpers ---------------------------------------------------------------------------

    def _render(self) -> None:
        card = self.card
        if card is None:
            return
        html = card_html(
            card.kind,
            card.ord,
            card.prompt,
            card.front,
            card.answer,
            reveal=self.revealed,
            dark=self.dark(),
        )
        self.view.show_html(html, self.dark(), card.css)

    def _fill_options(self) -> None:
        for button in self.option_buttons:
            self.choice_layout.removeWidget(button)
            button.deleteLater()
        self.option_buttons = []
        for index, option in enumerate(self.options):
            button = self._button(f"{index + 1}.  {option.text}", partial(self.pick, index))
            button.setStyleSheet("text-align: left; padding: 6px;")
            self.choice_layout.addWidget(button)
            self.option_buttons.append(button)

    def _update_counts(self) -> None:
        if self.queue is not None:
            self.counts_label.setText(f"{len(self.queue) + 1} left in this session")
            return
        counts = self.collection.counts(self.clock(), self.deck)
        self.counts_label.setText(
            f'<span style="color:#1f6feb">{counts.new} new</span> · '
            f'<span style="color:#cf222e">{counts.learning} learning</span> · '
            f'<span style="color:#1a7f37">{counts.review} due</span>'
        )
