"""What a study session did today and why nothing is left: the done screen's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.models import QueueCounts
from app.core.scheduling import format_interval


@dataclass(frozen=True)
class DaySummary:
    answers: int
    """Answers given today in these decks (practice exams left out)."""
    duration_ms: int
    again: int
    review_pass: int
    review_fail: int
    """Answers of cards in the review state: today's true retention."""
    available: QueueCounts
    """New, learning and due cards there are today before daily limits."""
    left: QueueCounts
    """What the daily limits still allow."""
    buried_siblings: int
    """New and review cards held back until tomorrow because a sibling was answered."""
    next_learning: datetime | None
    """When the next learning card falls due later today."""

    @property
    def minutes(self) -> float:
        return self.duration_ms / 60_000

    @property
    def again_share(self) -> float | None:
        return self.again / self.answers if self.answers else None

    @property
    def true_retention(self) -> float | None:
        total = self.review_pass + self.review_fail
        return self.review_pass / total if total else None

    @property
    def limited_new(self) -> int:
        return max(0, self.available.new - self.left.new)

    @property
    def limited_reviews(self) -> int:
        return max(0, self.available.review - self.left.review)


def session_line(summary: DaySummary) -> str:
    if not summary.answers:
        return "No cards studied in these decks today."
    parts = [
        f"Today: {summary.answers} card{'s' if summary.answers != 1 else ''} in "
        f"{max(1, round(summary.minutes))} min"
    ]
    if summary.again_share is not None:
        parts.append(f"Again {summary.again_share:.0%}")
    if summary.true_retention is not None:
        parts.append(f"true retention {summary.true_retention:.0%}")
    return " · ".join(parts) + "."


def reasons(summary: DaySummary, now: datetime) -> list[str]:
    """Why nothing is left to show now, most useful first."""
    out = []
    if summary.limited_reviews:
        out.append(
            f"{summary.limited_reviews} due review{'s' if summary.limited_reviews != 1 else ''}"
            " wait: today's review limit is reached."
        )
    if summary.limited_new:
        out.append(
            f"{summary.limited_new} new card{'s' if summary.limited_new != 1 else ''} wait: "
            "today's new-card limit is reached."
        )
    if summary.next_learning is not None:
        wait = format_interval(max(timedelta(0), summary.next_learning - now))
        local = summary.next_learning.astimezone()
        out.append(f"Learning cards come back later today: the next in {wait} ({local:%H:%M}).")
    if summary.buried_siblings:
        n = summary.buried_siblings
        out.append(
            f"{n} sibling card{'s' if n != 1 else ''} of cards you answered today "
            f"{'wait' if n != 1 else 'waits'} until tomorrow."
        )
    if not out:
        out.append("Nothing else is due today in these decks.")
    return out
