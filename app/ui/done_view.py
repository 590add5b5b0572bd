"""Shown when nothing is left to study today: says when the next card is due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.scheduling import format_interval


def next_due_text(now: datetime, next_due: datetime | None, new_left: int) -> str:
    lines = ["Done for today."]
    if next_due is None:
        lines.append("No reviews are scheduled yet.")
    elif next_due <= now:
        lines.append("More cards are due now, past today's limits.")
    else:
        wait = format_interval(next_due - now)
        local = next_due.astimezone()
        day = (
            "today"
            if local.date() == now.astimezone().date()
            else (
                "tomorrow"
                if local.date() == (now.astimezone() + timedelta(days=1)).date()
                else local.strftime("%a %d %b")
            )
        )
        lines.append(f"The next card is due in {wait} ({day} at {local:%H:%M}).")
    if new_left:
        lines.append(f"{new_left} new cards wait for tomorrow's limit.")
    return "\n".join(lines)


class DoneView(QWidget):
    """The end of a session: what it did, what is left and why, and custom study."""

    backRequested = Signal()
    studyMore = Signal(str)
    """One of "raise", "forgotten", "ahead", "tag"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        font = self.message.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.message.setFont(font)
        self.session = QLabel()
        self.session.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.session.setWordWrap(True)
        self.reasons = QLabel()
        self.reasons.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reasons.setWordWrap(True)
        more = QHBoxLayout()
        more.addStretch(1)
        self.more_buttons: dict[str, QPushButton] = {}
        for name, label in (
            ("raise", "Raise today's limits"),
            ("forgotten", "Review today's forgotten cards"),
            ("ahead", "Study ahead (7 days)"),
            ("tag", "By tag or service…"),
        ):
            button = QPushButton(label)
            button.clicked.connect(self._emitter(name))
            self.more_buttons[name] = button
            more.addWidget(button)
        more.addStretch(1)
        back = QPushButton("Back to decks  (Esc)")
        back.clicked.connect(self.backRequested.emit)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.message)
        layout.addWidget(self.session)
        layout.addWidget(self.reasons)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Study more:"), 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(more)
        layout.addSpacing(12)
        layout.addWidget(back, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for key in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QShortcut(QKeySequence(key), self, self.backRequested.emit, context=context)

    def _emitter(self, name: str) -> Callable[[], None]:
        return lambda *_args: self.studyMore.emit(name)

    def set_text(self, text: str) -> None:
        self.message.setText(text)

    def set_summary(self, session: str, reasons: list[str], forgotten: int) -> None:
        self.session.setText(session)
        self.reasons.setText("\n".join(reasons))
        self.more_buttons["forgotten"].setEnabled(forgotten > 0)
        self.more_buttons["forgotten"].setText(
            f"Review today's forgotten cards ({forgotten})"
            if forgotten
            else "Review today's forgotten cards"
        )
