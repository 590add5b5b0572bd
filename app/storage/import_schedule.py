"""Scheduling an import works out when the source leaves it open: memory states
replayed from a card's review history, and new-card positions as ranks."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from app.core.models import Memory, Rating
from app.core.scheduling import CardScheduler, SchedulerSettings
from app.core.timeconv import from_ms
from app.interop.foreign import ForeignBatch, ForeignReview, StoredReviews, review_rows


def position_ranks(batch: ForeignBatch) -> dict[int, int]:
    """The source's new-card positions (Anki's can pass a million) as their rank, so
    their order is kept within the room a deck has for positions."""
    positions = {c.new_position for n in batch.notes for c in n.cards if c.new_position is not None}
    return {position: rank for rank, position in enumerate(sorted(positions))}


class Replay:
    """Memory states computed from a card's review history, when the source has none."""

    def __init__(
        self,
        reviews: Iterable[ForeignReview] | StoredReviews,
        cards: Collection[tuple[str, int]] | None = None,
    ) -> None:
        """Keeps the histories of ``cards`` ((guid, ord); all cards when None) only."""
        self.by_card: dict[tuple[str, int], list[ForeignReview]] = {}
        if cards is None or cards:
            for row in review_rows(reviews):
                key = (row[0], row[1])
                if cards is None or key in cards:
                    self.by_card.setdefault(key, []).append(ForeignReview(*row))
        self.scheduler = CardScheduler(SchedulerSettings(fuzz=False))

    def memory(self, guid: str, ord_: int) -> Memory | None:
        history = sorted(self.by_card.get((guid, ord_), []), key=lambda r: r.reviewed_at_ms)
        if not history:
            return None
        memory = Memory()
        for review in history:
            if review.rating == 0:  # a manual reschedule carries no answer
                continue
            memory = self.scheduler.review(
                memory, Rating(review.rating), from_ms(review.reviewed_at_ms)
            )
        return memory
