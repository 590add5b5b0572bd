"""FSRS scheduling: the only module that imports ``fsrs``.

Fuzz is applied here with a caller-supplied ``random.Random`` (the library's own
fuzz uses the global generator), with the same ranges as FSRS itself, so tests
and simulations are reproducible.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fsrs
from fsrs.scheduler import FUZZ_RANGES

from app.core.models import CardState, Memory, Rating

DEFAULT_PARAMETERS: tuple[float, ...] = tuple(fsrs.Scheduler().parameters)


@dataclass(frozen=True)
class SchedulerSettings:
    """A preset's scheduling options."""

    desired_retention: float = 0.90
    learning_steps: tuple[int, ...] = (60, 600)
    """Seconds."""
    relearning_steps: tuple[int, ...] = (600,)
    maximum_interval: int = 36500
    parameters: tuple[float, ...] = DEFAULT_PARAMETERS
    fuzz: bool = True


class CardScheduler:
    """Computes the next memory state of a card for a rating."""

    def __init__(self, settings: SchedulerSettings) -> None:
        self.settings = settings
        self._fsrs = fsrs.Scheduler(
            parameters=settings.parameters,
            desired_retention=settings.desired_retention,
            learning_steps=tuple(timedelta(seconds=s) for s in settings.learning_steps),
            relearning_steps=tuple(timedelta(seconds=s) for s in settings.relearning_steps),
            maximum_interval=settings.maximum_interval,
            enable_fuzzing=False,
        )

    def review(
        self, memory: Memory, rating: Rating, now: datetime, rng: random.Random | None = None
    ) -> Memory:
        """The memory after answering ``rating`` at ``now`` (aware)."""
        now = _utc(now)
        card, _ = self._fsrs.review_card(_to_fsrs(memory, now), fsrs.Rating(int(rating)), now)
        due = card.due
        if self.settings.fuzz and card.state == fsrs.State.Review:
            due = now + fuzzed_interval(due - now, self.settings.maximum_interval, rng)
        lapse = memory.state == CardState.REVIEW and rating == Rating.AGAIN
        return Memory(
            state=CardState(int(card.state)),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=due,
            last_review=now,
            reps=memory.reps + 1,
            lapses=memory.lapses + (1 if lapse else 0),
        )

    def preview(self, memory: Memory, now: datetime) -> dict[Rating, timedelta]:
        """The interval each rating would give, before fuzz."""
        now = _utc(now)
        out: dict[Rating, timedelta] = {}
        for rating in Rating:
            card, _ = self._fsrs.review_card(_to_fsrs(memory, now), fsrs.Rating(int(rating)), now)
            out[rating] = card.due - now
        return out

    def retrievability(self, memory: Memory, now: datetime) -> float:
        """Predicted probability of recall at ``now``; 0 for a card never reviewed."""
        if memory.state == CardState.NEW or memory.last_review is None:
            return 0.0
        return float(self._fsrs.get_card_retrievability(_to_fsrs(memory, now), _utc(now)))


def fuzzed_interval(
    interval: timedelta, maximum_interval: int, rng: random.Random | None
) -> timedelta:
    """FSRS's interval fuzz, drawn from ``rng`` (a fresh generator when None)."""
    days = interval.days
    if days < 2.5:
        return interval
    delta = 1.0
    for r in FUZZ_RANGES:
        delta += r["factor"] * max(min(float(days), r["end"]) - r["start"], 0.0)
    low = max(2, round(days - delta))
    high = min(round(days + delta), maximum_interval)
    low = min(low, high)
    draw = (rng or random.Random()).random()
    return timedelta(days=min(round(draw * (high - low + 1) + low), maximum_interval))


def _to_fsrs(memory: Memory, now: datetime) -> fsrs.Card:
    if memory.state == CardState.NEW:
        return fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=_utc(now))
    return fsrs.Card(
        card_id=1,
        state=fsrs.State(int(memory.state)),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=_utc(memory.due or now),
        last_review=_utc(memory.last_review) if memory.last_review else None,
    )


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


def format_interval(interval: timedelta) -> str:
    """A short label such as ``<1m``, ``10m``, ``3h``, ``4d``, ``2.5mo``, ``1.2y``."""
    seconds = interval.total_seconds()
    if seconds < 60:
        return "<1m"
    minutes = seconds / 60
    if minutes < 60:
        return f"{math.floor(minutes + 0.5)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{math.floor(hours + 0.5)}h"
    days = hours / 24
    if days < 30:
        return f"{math.floor(days + 0.5)}d"
    if days < 365:
        return f"{days / 30:.1f}mo".replace(".0mo", "mo")
    return f"{days / 365:.1f}y".replace(".0y", "y")
