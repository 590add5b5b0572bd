"""The done screen's figures and custom study: today's summary of a deck, raising today's
limits, today's forgotten cards, studying ahead, one tag."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from app.core.day_summary import DaySummary
from app.core.models import QueueCounts
from app.core.timeconv import from_ms
from app.storage import day_summary_repo as repo

if TYPE_CHECKING:
    from app.storage.collection import Collection


class CustomStudy:
    def __init__(self, collection: Collection) -> None:
        self.col = collection

    def summary(self, now: datetime, deck: str | None) -> DaySummary:
        ids = self.col.deck_ids(deck)
        window = self.col.window(now)
        left = self.col.counts(now, deck)
        with self.col._read() as conn:
            answers, duration, again, passed, failed = repo.today_answers(conn, ids, window)
            kept = self.col._today.get(conn, window)  # counted once a day, kept in memory
            raw = {deck_id: kept[deck_id] for deck_id in ids if deck_id in kept}
            buried = repo.buried_siblings(conn, ids, window)
            learning = repo.next_learning(conn, ids, window)
        available = QueueCounts(
            new=sum(a.new for a in raw.values()),
            learning=sum(a.learning for a in raw.values()),
            review=sum(a.review for a in raw.values()),
        )
        return DaySummary(
            answers,
            duration,
            again,
            passed,
            failed,
            available,
            left,
            buried,
            from_ms(learning) if learning is not None else None,
        )

    def raise_limits(self, now: datetime, deck: str | None, new: int, reviews: int) -> None:
        """Allow ``new`` more new cards and ``reviews`` more reviews today."""
        options = self.col.deck_options
        names = [deck] if deck is not None else [r.name for r in self.col.deck_tree(now)[0]]
        for name in names:
            preset = options.deck_preset(name)
            current = options.today_limits(name, now) or (
                preset.new_per_day,
                preset.reviews_per_day,
            )
            options.set_today_limits(name, now, (current[0] + new, current[1] + reviews))

    def forgotten(self, now: datetime, deck: str | None) -> list[int]:
        with self.col._read() as conn:
            return repo.forgotten_today(conn, self.col.deck_ids(deck), self.col.window(now))

    def ahead(self, now: datetime, deck: str | None, days: int = 7, limit: int = 100) -> list[int]:
        with self.col._read() as conn:
            return repo.due_ahead(conn, self.col.deck_ids(deck), self.col.window(now), days, limit)

    def tagged(self, deck: str | None, tag: str, limit: int = 100) -> list[int]:
        with self.col._read() as conn:
            return repo.with_tag(conn, self.col.deck_ids(deck), tag, limit)

    def tags(self, prefix: str = "") -> list[str]:
        with self.col._read() as conn:
            return repo.tags_with_prefix(conn, prefix)
