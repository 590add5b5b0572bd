"""Card info (``I`` on the study screen): where the card lives, its answers, FSRS state;
its Edit button (``E``) opens the note editor on the card's note."""

from __future__ import annotations

import html

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.core.models import CardState, StudyCard
from app.storage.card_info import CardInfo

STATES = {
    CardState.NEW: "new",
    CardState.LEARNING: "learning",
    CardState.REVIEW: "review",
    CardState.RELEARNING: "relearning",
}
RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}


def info_html(info: CardInfo, card: StudyCard) -> str:
    m = card.memory
    esc = html.escape
    rows = [
        ("Deck", esc(info.deck)),
        ("Card", f"{esc(info.note_uid)} (card {info.card_id})"),
        ("State", STATES[m.state]),
        ("Due", m.due.strftime("%Y-%m-%d %H:%M") if m.due else "new, not scheduled"),
        ("Stability", f"{m.stability:.1f} days" if m.stability is not None else "-"),
        ("Difficulty", f"{m.difficulty:.2f} (1-10)" if m.difficulty is not None else "-"),
        ("Recall now", f"{info.recall_now:.0%}" if info.recall_now is not None else "-"),
        ("Reviews · lapses", f"{m.reps} · {m.lapses}"),
    ]
    if info.source:
        link = esc(info.source)
        rows.append(("Learn source", f'<a href="{link}">{link}</a>'))
    if info.file is not None:
        line = f", line {info.line}" if info.line else ""
        rows.append(
            ("Deck file", f'<a href="file:{esc(str(info.file))}">{esc(str(info.file))}</a>{line}')
        )
    table = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows)
    answers = "".join(
        f"<tr><td>{a.at.strftime('%Y-%m-%d %H:%M')}</td><td>{RATINGS[int(a.rating)]}"
        f"{' (early)' if a.early else ''}</td><td>{a.duration_ms / 1000:.1f} s</td>"
        f"<td>{'-' if a.interval_days is None else _days(a.interval_days)}</td></tr>"
        for a in reversed(info.answers)
    )
    history = (
        '<table border="1" cellspacing="0" cellpadding="4"><tr><th>When</th><th>Rating</th>'
        f"<th>Time</th><th>Next interval</th></tr>{answers}</table>"
        if answers
        else "<p>Not answered yet.</p>"
    )
    return f'<table cellpadding="3">{table}</table><h3>History</h3>{history}'


def _days(days: float) -> str:
    if days < 1:
        return f"{days * 24 * 60:.0f} min"
    return f"{days:.1f} days" if days < 10 else f"{days:.0f} days"


class CardInfoDialog(QDialog):
    editRequested = Signal(int)
    """The note id of the card shown: open the editor on it."""

    def __init__(self, info: CardInfo, card: StudyCard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Card info")
        self.note_id = card.note_id
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._open)
        self.browser.setHtml(info_html(info, card))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.edit_button = QPushButton("&Edit")
        self.edit_button.setToolTip("Edit this card's note (E)")
        buttons.addButton(self.edit_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.edit_button.clicked.connect(self._edit)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        QShortcut(QKeySequence("E"), self, self._edit)
        self.resize(560, 480)

    def _edit(self) -> None:
        self.editRequested.emit(self.note_id)

    def _open(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https", "file"):
            QDesktopServices.openUrl(url)
