"""One answer option of a practice-exam question: its number, a check mark, its Markdown
(formulas drawn)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from app.core.choice import ChoiceOption
from app.core.render import option_html
from app.ui.math_label import label_html


class OptionWidget(QFrame):
    """A clickable option; ``toggled`` carries the option's index in the item."""

    toggled = Signal(int)

    def __init__(
        self,
        number: int,
        index: int,
        option: ChoiceOption,
        dark: bool,
        multi: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.index = index
        self.multi = multi
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.mark = QLabel()
        self.mark.setFixedWidth(28)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        shown = f"<b>{number}.</b>&nbsp; {option_html(option, dark)}"
        self.text.setText(label_html(shown, dark, self.text.font(), self.devicePixelRatioF()))
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addWidget(self.mark)
        layout.addWidget(self.text, 1)
        self.set_picked(False)

    def set_picked(self, picked: bool) -> None:
        self.picked = picked
        if self.multi:
            self.mark.setText("\u2611" if picked else "\u2610")
        else:
            self.mark.setText("\u25c9" if picked else "\u25cb")
        self.setStyleSheet(
            "OptionWidget { border: 2px solid palette(highlight); border-radius: 4px; }"
            if picked
            else "OptionWidget { border: 1px solid palette(mid); border-radius: 4px; }"
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.toggled.emit(self.index)
        super().mousePressEvent(event)
