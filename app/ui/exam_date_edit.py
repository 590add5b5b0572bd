"""The exam date: "not set" until chosen; typed (YYYY-MM-DD) or picked from a calendar;
saved on Enter or when the field loses the keyboard."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
    QWidgetAction,
)


class ExamDateEdit(QWidget):
    changed = Signal(object)
    """The new date (a ``date``), or None when cleared; emitted only when it changes."""
    invalid = Signal(str)

    def __init__(self, value: date | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = value
        self.edit = QLineEdit(value.isoformat() if value else "")
        self.edit.setPlaceholderText("not set")
        self.edit.setToolTip("Type the date as YYYY-MM-DD (Enter saves), or pick it")
        self.edit.setMaximumWidth(120)
        self.edit.editingFinished.connect(self._typed)
        self.calendar = QCalendarWidget()
        self.calendar.clicked.connect(self._picked)
        pick = QToolButton()
        pick.setText("Pick…")
        menu = QMenu(pick)
        action = QWidgetAction(menu)
        action.setDefaultWidget(self.calendar)
        menu.addAction(action)
        pick.setMenu(menu)
        pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.pick_button = pick
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit)
        row.addWidget(pick)

    def text(self) -> str:
        return "not set" if self.value is None else self.value.isoformat()

    def _typed(self) -> None:
        raw = self.edit.text().strip()
        if not raw:
            self._set(None)
            return
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            self.invalid.emit(f"'{raw}' is not a date: type it as YYYY-MM-DD")
            return
        self._set(value)

    def _picked(self, day: QDate) -> None:
        self.pick_button.menu().hide()
        self._set(date(day.year(), day.month(), day.day()))

    def _set(self, value: date | None) -> None:
        self.edit.setText(value.isoformat() if value else "")
        if value != self.value:
            self.value = value
            self.changed.emit(value)
