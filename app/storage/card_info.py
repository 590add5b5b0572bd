"""Card info (Anki's ``I``): where a card lives, its answers and its FSRS state."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from app.core.errors import BadInputError
from app.core.models import Rating
from app.core.timeconv import from_ms
from app.storage.bundled import bundled_decks_dir

if TYPE_CHECKING:
    from app.storage.collection import Collection

_DECK_ID = re.compile(r"^id:\s*([^\s#]+)", re.MULTILINE)


@dataclass(frozen=True)
class Answer:
    at: datetime
    rating: Rating
    duration_ms: int
    interval_days: float | None
    """Days from this answer to the due date it gave (None when no due date)."""
    early: bool


@dataclass(frozen=True)
class CardInfo:
    card_id: int
    note_uid: str
    deck: str
    deck_uid: str
    origin: str
    source: str | None
    file: Path | None
    """The Markdown deck file holding the card (bundled decks of a checkout or pack)."""
    line: int | None
    """The line of the card's heading in ``file`` (1-based)."""
    answers: list[Answer]
    recall_now: float | None


def card_info(col: Collection, card_id: int, now: datetime) -> CardInfo:
    card = col.card(card_id)
    with col._read() as conn:
        row = conn.execute(
            text(
                "SELECT n.uid, d.uid, d.origin FROM card c JOIN note n ON n.id = c.note_id "
                "JOIN deck d ON d.id = n.deck_id WHERE c.id = :i"
            ),
            {"i": card_id},
        ).first()
        if row is None:
            raise BadInputError(f"no card with id {card_id}")
        logs = conn.execute(
            text(
                "SELECT reviewed_at, rating, duration_ms, due_after, kind FROM review_log "
                "WHERE card_id = :i ORDER BY reviewed_at"
            ),
            {"i": card_id},
        ).all()
        scheduler = col._scheduler(conn, col._presets(conn)[card.deck_id])
        recall = scheduler.retrievability(card.memory, now) if card.memory.last_review else None
    answers = [
        Answer(
            from_ms(int(at)),
            Rating(int(rating)),
            int(duration),
            None if due is None else (int(due) - int(at)) / 86_400_000,
            bool(kind),
        )
        for at, rating, duration, due, kind in logs
    ]
    note_uid, deck_uid, origin = str(row[0]), str(row[1]), str(row[2])
    file, line = _deck_file(deck_uid, note_uid) if origin == "bundled" else (None, None)
    return CardInfo(
        card_id,
        note_uid,
        card.deck_name,
        deck_uid,
        origin,
        card.source,
        file,
        line,
        answers,
        recall,
    )


def _deck_file(deck_uid: str, note_uid: str) -> tuple[Path | None, int | None]:
    """The bundled Markdown file whose front matter has ``id: deck_uid``, and the card's line."""
    folder = bundled_decks_dir()
    if folder is None:
        return None, None
    card_id = note_uid.removeprefix(f"{deck_uid}/")
    for path in sorted(folder.rglob("*.md")):
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        head = content[: content.find("\n---", 3) + 1] if content.startswith("---") else ""
        m = _DECK_ID.search(head)
        if m is None or m.group(1) != deck_uid:
            continue
        lines = content.split("\n")
        marker = re.compile(rf"<!--\s*(?:.*;\s*)?id:\s*{re.escape(card_id)}\s*(?:;|-->)")
        for index, text_line in enumerate(lines):
            if marker.search(text_line):
                heading = index
                while heading > 0 and not lines[heading].startswith("## "):
                    heading -= 1
                return path, heading + 1
        return path, None
    return None, None
