"""The result of a practice exam: scaled score, per domain and service, every wrong answer."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.exam import PASS_SCORE, ExamDraw, ExamResult, GroupScore
from app.core.render import markdown_html, option_html
from app.ui.card_text_view import CardTextView


class ResultPage(QWidget):
    historyRequested = Signal()
    closeRequested = Signal()

    def __init__(
        self, media_dir: Path | None, dark: Callable[[], bool], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.dark = dark
        self.headline = QLabel()
        self.headline.setTextFormat(Qt.TextFormat.RichText)
        self.view = CardTextView(media_dir)
        history = QPushButton("History")
        history.clicked.connect(lambda _checked=False: self.historyRequested.emit())
        close = QPushButton("Close")
        close.clicked.connect(lambda _checked=False: self.closeRequested.emit())
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(history)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)

    def show_result(
        self,
        exam: ExamDraw,
        result: ExamResult,
        answers: Mapping[int, frozenset[int]],
        elapsed: timedelta,
        titles: Mapping[str, str],
        service_titles: Mapping[str, str] | None = None,
    ) -> None:
        dark = self.dark()
        verdict = "Pass" if result.passed else "Not yet a pass"
        colour = ("#3fb950" if dark else "#1a7f37") if result.passed else "#cf222e"
        minutes, seconds = divmod(int(elapsed.total_seconds()), 60)
        self.headline.setText(
            f'<span style="font-size: 22pt; font-weight: 600">{result.score}</span>'
            f'<span style="font-size: 13pt"> / 1000 · pass at {PASS_SCORE} · </span>'
            f'<span style="font-size: 13pt; color: {colour}; font-weight: 600">{verdict}</span>'
            f"<br/>{result.right} of {result.total} right · time used {minutes}:{seconds:02d}"
            f" of {exam.time_limit_min}:00"
        )
        parts = [
            "<h3>By domain</h3>",
            _table(result.domains, titles),
            "<h3>By service</h3>",
            _table(result.services, service_titles or {}),
            f"<h3>Answered wrong or not at all ({len(result.wrong)})</h3>",
        ]
        for index in result.wrong:
            item = exam.questions[index]
            picked = answers.get(index, frozenset())
            yours = (
                "; ".join(option_html(item.options[i], dark) for i in sorted(picked))
                or "<i>not answered</i>"
            )
            right = "; ".join(option_html(item.options[i], dark) for i in sorted(item.right))
            parts.append(f"<p><b>{index + 1}.</b></p>" + markdown_html(item.stem, dark))
            parts.append(f"<p>Your answer: {yours}<br/>Right answer: <b>{right}</b></p>")
            if item.explanation.strip():
                parts.append(markdown_html(item.explanation, dark))
            if item.source:
                url = html.escape(item.source, quote=True)
                parts.append(f'<p>Learn more: <a href="{url}">{url}</a></p>')
            parts.append("<hr/>")
        self.view.show_html("".join(parts), dark)


def _table(groups: Mapping[str, GroupScore], titles: Mapping[str, str]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(titles.get(key, key))}</td><td align='right'>{g.right}/{g.total}"
        f"</td><td align='right'>{g.scaled}</td></tr>"
        for key, g in groups.items()
    )
    return (
        "<table border='1' cellspacing='0' cellpadding='4'>"
        "<tr><th align='left'>Group</th><th>Right</th><th>Score</th></tr>" + rows + "</table>"
    )
