"""The study screen: prompt, answer, ratings; driven by the keyboard.

Space or Enter shows the answer, then accepts the suggested rating (Good unless a
multiple-choice pick or a typed reply suggests otherwise); 1-4 rate Again/Hard/Good/Easy.
On a multiple-choice card 1-9 pick an option (on a "choose two" card they toggle options
and Space submits); on a typed-answer card the box takes the reply and Enter checks it.
The card actions (edit, bury, suspend, flags, info, options, delete, mark, replay) are in
the "More" menu with Anki's keys (:mod:`app.ui.study_actions`). Esc goes back to the decks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, Qt, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.choice import ChoiceOption, shuffled, split_choice
from app.core.errors import CirrusError
from app.core.models import NoteKind, Rating, StudyCard
from app.core.scheduling import format_interval
from app.core.study_render import TypedAnswer, study_html, typed_answer, typed_right
from app.storage.card_actions import FLAG_COLOURS, FLAG_NAMES, CardMarks
from app.storage.collection import Collection
from app.ui.card_text_view import DEFAULT_TEXT_SIZE, CardTextView
from app.ui.study_actions import StudyActions
from app.ui.study_audio import StudyAudio

RATING_LABELS = {
    Rating.AGAIN: "Again",
    Rating.HARD: "Hard",
    Rating.GOOD: "Good",
    Rating.EASY: "Easy",
}
SUGGESTED_STYLE = "font-weight: bold; border: 2px solid palette(highlight); padding: 4px;"
MAX_DURATION_MS = 60_000
SHOW, RATE, CHOICE, TYPE = range(4)
"""Pages of the bottom bar."""


class StudyView(QWidget):
    backRequested = Signal()
    finished = Signal()
    answered = Signal(int)
    optionsRequested = Signal(str)
    """``O``: the deck options of this deck (its name)."""
    statusMessage = Signal(str)
    editRequested = Signal(int)
    """``E``: edit this note (its id), when a note editor is connected."""

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
        self.html = ""
        """The side on the screen, as shown (with its play buttons)."""
        self.revealed = False
        self.options: list[ChoiceOption] = []
        """A choice card's options in the order shown."""
        self.picked: set[int] = set()
        self.expected: TypedAnswer | None = None
        self.typed: str | None = None
        self.marks = CardMarks()
        self.suggested: Rating = Rating.GOOD
        self._timer = QElapsedTimer()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build()
        self._shortcuts()
        self.actions_ = StudyActions(self)
        self.audio = StudyAudio(self)
        self.more_button.setMenu(self.actions_.menu)

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.deck_label = QLabel()
        self.marks_label = QLabel()
        self.marks_label.setTextFormat(Qt.TextFormat.RichText)
        self.counts_label = QLabel()
        self.counts_label.setTextFormat(Qt.TextFormat.RichText)
        self.more_button = QToolButton()
        self.more_button.setText("More")
        self.more_button.setToolTip("Card actions and their keys")
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        top = QHBoxLayout()
        top.addWidget(self.deck_label, 1)
        top.addWidget(self.marks_label)
        top.addWidget(self.counts_label)
        top.addWidget(self.more_button)
        self.view = CardTextView(self._media_dir())
        if self.collection.data_dir:  # Anki's images of LaTeX it does not draw
            self.view.latex_images = self.collection.notes.latex_image
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setObjectName("card")

        self.show_button = self._button("Show answer  (Space)", self.reveal)
        self.rating_buttons: dict[Rating, QPushButton] = {}
        rating_row = QHBoxLayout()
        for rating in Rating:
            button = self._button(RATING_LABELS[rating], partial(self.rate, rating))
            button.setToolTip(f"Key {int(rating)}")
            self.rating_buttons[rating] = button
            rating_row.addWidget(button)
        self.feedback = QLabel()
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)
        self.choice_hint = QLabel()
        self.choice_row = QHBoxLayout()
        self.option_buttons: list[QPushButton] = []
        self.submit_button = self._button("Submit  (Space)", self.submit)
        self.type_box = QLineEdit()
        self.type_box.setMinimumHeight(44)
        self.type_box.setPlaceholderText("Type the answer, then Enter")
        self.type_box.returnPressed.connect(self.reveal)
        type_row = QHBoxLayout()
        type_row.addWidget(self.type_box, 1)
        type_row.addWidget(self._button("Check  (Enter)", self.reveal))

        self.bottom = QStackedWidget()
        for label, row in (
            (QLabel(), self.show_button),
            (self.feedback, rating_row),
            (self.choice_hint, self.choice_row),
            (QLabel("Type the answer; Enter checks it."), type_row),
        ):
            page = QWidget()
            box = QVBoxLayout(page)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(label)
            if isinstance(row, QWidget):
                box.addWidget(row)
            else:
                box.addLayout(row)
            self.bottom.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
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
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._escape, context=context)

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
            self.audio.stop()
            self.finished.emit()
            return False
        self.show_card(card)
        return True

    def show_card(self, card: StudyCard) -> None:
        self.card = card
        self.revealed = False
        self.picked = set()
        self.typed = None
        self.suggested = Rating.GOOD
        self.feedback.clear()
        self.expected = typed_answer(card)
        self.view.set_text_size(float(self.collection.setting("card_text_size", DEFAULT_TEXT_SIZE)))
        if card.kind == NoteKind.CHOICE:
            _, options = split_choice(card.front)
            self.options = shuffled(options, card.card_id * 1009 + card.memory.reps)
            self._fill_options()
            self.bottom.setCurrentIndex(CHOICE)
        else:
            self.options = []
            self.bottom.setCurrentIndex(SHOW)
        self.refresh_marks()
        self._render()
        self.audio.shown(self.html, answer=False)
        self._update_counts()
        if self.expected is not None:
            self.type_box.clear()
            self.bottom.setCurrentIndex(TYPE)
            self.type_box.setFocus()
        else:
            self.setFocus()
        self._timer.start()

    @property
    def several(self) -> bool:
        """A "choose two (or more)" card: options toggle and Space submits."""
        return sum(o.correct for o in self.options) > 1

    def reveal(self) -> None:
        if self.card is None or self.revealed:
            return
        if self.expected is not None:
            self.typed = self.type_box.text()
            right = typed_right(self.typed, self.expected, self.card.exact)
            self.suggested = Rating.GOOD if right else Rating.AGAIN
            self.feedback.setText(
                f"{'Right' if right else 'Not quite'}. Suggested: "
                f"{RATING_LABELS[self.suggested]} (Space accepts, 1-4 to choose)"
            )
        self.revealed = True
        self._render()
        self.audio.shown(self.html, answer=True)
        intervals = self.collection.preview(self.card, self.clock())
        for rating, button in self.rating_buttons.items():
            button.setText(f"{RATING_LABELS[rating]}\n{format_interval(intervals[rating])}")
            button.setStyleSheet(SUGGESTED_STYLE if rating == self.suggested else "")
        self.bottom.setCurrentIndex(RATE)
        self.setFocus()

    def pick(self, index: int) -> None:
        """Choose option ``index`` (toggle it on a choose-N card) of a multiple-choice card."""
        if self.card is None or self.revealed or not 0 <= index < len(self.options):
            return
        if self.several:
            self.picked ^= {index}
            self.option_buttons[index].setChecked(index in self.picked)
            self._render()
            return
        self.picked = {index}
        self.submit()

    def submit(self) -> None:
        """Score the picks all-or-nothing and show the answer."""
        if self.card is None or self.revealed or not self.options:
            return
        right_set = {i for i, o in enumerate(self.options) if o.correct}
        right = self.picked == right_set
        self.suggested = Rating.GOOD if right else Rating.AGAIN
        picks = ", ".join(str(i + 1) for i in sorted(self.picked)) or "nothing"
        self.feedback.setText(
            f"{'Right' if right else 'Wrong'}: you picked {picks}. Suggested: "
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

    def hideEvent(self, event: QHideEvent) -> None:
        self.audio.stop()  # back to the decks, or the window closed
        super().hideEvent(event)

    def refresh_style(self) -> None:
        if self.card is not None:
            self._render()

    def refresh_text_size(self) -> None:
        """Use the ``card_text_size`` setting (Preferences, or Ctrl+= / Ctrl+-)."""
        self.view.set_text_size(float(self.collection.setting("card_text_size", DEFAULT_TEXT_SIZE)))
        self.refresh_style()

    def refresh_marks(self) -> None:
        """Show the card's flag (its colour around the card) and mark."""
        card = self.card
        self.marks = self.collection.card_actions.marks(card.card_id) if card else CardMarks()
        parts = []
        if self.marks.flag:
            colour = FLAG_COLOURS[self.marks.flag]
            parts.append(
                f'<span style="color:{colour}">&#9873; {FLAG_NAMES[self.marks.flag]}</span>'
            )
        if self.marks.marked:
            parts.append('<span style="color:#b08800">&#9733; Marked</span>')
        self.marks_label.setText(" ".join(parts))
        border = FLAG_COLOURS[self.marks.flag] if self.marks.flag else "transparent"
        self.view.setStyleSheet(f"QTextBrowser#card {{ border: 3px solid {border}; }}")

    # -- keys ------------------------------------------------------------------------------

    def typing(self) -> bool:
        """True while the answer box has the keyboard: no shortcut may act then."""
        return self.type_box.hasFocus()

    def _space(self) -> None:
        if self.card is None:
            return
        if self.revealed:
            self.rate(self.suggested)
        elif self.options:
            if self.several:
                self.submit()
        else:
            self.reveal()

    def _digit(self, digit: int) -> None:
        if self.card is None:
            return
        if not self.revealed and self.options:
            self.pick(digit - 1)
        elif self.revealed and digit <= 4:
            self.rate(Rating(digit))

    def _escape(self) -> None:
        if self.typing():
            self.setFocus()  # leave the box first; a second Esc goes back
            return
        self.backRequested.emit()

    # -- helpers ---------------------------------------------------------------------------

    def _render(self) -> None:
        card = self.card
        if card is None:
            return
        html = study_html(
            card,
            reveal=self.revealed,
            dark=self.dark(),
            options=self.options,
            picked=self.picked,
            typed=self.typed,
        )
        self.html = html
        self.view.show_html(html, self.dark(), card.css)

    def _fill_options(self) -> None:
        for button in self.option_buttons:
            self.choice_row.removeWidget(button)
            button.deleteLater()
        self.choice_row.removeWidget(self.submit_button)
        self.option_buttons = []
        for index in range(len(self.options)):
            button = self._button(str(index + 1), partial(self.pick, index))
            button.setCheckable(self.several)
            self.choice_row.addWidget(button)
            self.option_buttons.append(button)
        self.submit_button.setVisible(self.several)
        self.choice_row.addWidget(self.submit_button)
        count = sum(o.correct for o in self.options)
        self.choice_hint.setText(
            f"Choose {count}: keys 1-{len(self.options)} toggle options, Space submits."
            if self.several
            else f"Press 1-{len(self.options)} to choose an option."
        )

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
