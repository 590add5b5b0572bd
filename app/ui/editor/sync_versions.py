"""Shown in the note editor when a sync kept another computer's version of a field: the
version that was not kept, with a button to take it back; and, for a note that a
newer edit kept although another computer had deleted it, that deletion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.storage.sync.history import LostVersion

SHOWN = 3


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M")


def _text(version: LostVersion) -> str:
    value = version.value
    if isinstance(value, list):
        value = (
            ", ".join(str(v) for v in value)
            if version.field == "tags"
            else " | ".join(str(v) for v in value)
        )
    text = " ".join(str(value or "(empty)").split())
    return text[:140] + ("…" if len(text) > 140 else "")


class SyncVersionsPanel(QFrame):
    """The versions another computer's sync did not keep, newest first."""

    def __init__(self, use: Callable[[LostVersion], None]) -> None:
        super().__init__()
        self._use = use
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # never squeezed below its text by the fields around it
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setStyleSheet("SyncVersionsPanel { background: palette(alternate-base); }")
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.rows = QVBoxLayout()
        self.hide_button = QPushButton("Hide")
        self.hide_button.clicked.connect(self.hide)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.hide_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(self.rows)
        self.use_buttons: list[QPushButton] = []
        self.hide()

    def show_for(self, versions: list[LostVersion]) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.use_buttons = []
        if not versions:
            self.hide()
            return
        deleted = [v for v in versions if v.field == "_alive"]
        edits = [v for v in versions if v.field != "_alive"][:SHOWN]
        parts = []
        if deleted:
            d = deleted[0]
            parts.append(
                f"<b>Deleted on {d.device}</b> ({_when(d.made_at)}), but edited later, so it "
                "was kept."
            )
        if edits:
            parts.append("<b>Changed on two computers.</b> The version that was not kept:")
        self.title.setText(" ".join(parts))
        for version in edits:
            self.rows.addWidget(self._row(version))
        self.show()

    def _row(self, version: LostVersion) -> QWidget:
        row = QWidget()
        label = QLabel(
            f"{version.label} from {version.device}, {_when(version.made_at)}: {_text(version)}"
        )
        label.setWordWrap(True)
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label, 1)
        if version.field in ("prompt_md", "front_md", "answer_md", "fields", "tags"):
            button = QPushButton("Use this version")
            button.setAccessibleName(f"Use the {version.label.lower()} from {version.device}")
            button.clicked.connect(lambda: self._use(version))
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            self.use_buttons.append(button)
        return row
