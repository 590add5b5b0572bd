"""FSRS scheduling: with :mod:`app.core.fsrs_step`, the only modules that import ``fsrs``.

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

from app.core.fsrs_step import FsrsStep, Step
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


@dataclass(frozen=True, slots=True)
class _Outcome:
    state: CardState
    step: int | None
    stability: float | None
    difficulty: float | None
    interval: timedelta


_RATINGS = tuple(Rating)
_STATES = tuple(CardState)
"""Card states by their number (quicker than calling the enum)."""


class _Unknown:
    """The plain step not worked out yet (None is its answer "left to the library")."""


_UNKNOWN = _Unknown()


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
        self._step = FsrsStep(
            self._fsrs.parameters,
            self._fsrs.desired_retention,
            self._fsrs.learning_steps,
            self._fsrs.relearning_steps,
            self._fsrs.maximum_interval,
        )
        """The library's step in plain arithmetic (the library checks the parameters)."""
        self._memo: tuple[tuple[object, ...], dict[Rating, _Outcome]] | None = None
        """The outcomes of the last card state asked about (see :meth:`_outcomes`)."""

    def _outcomes(
        self, memory: Memory, now: datetime, ratings: tuple[Rating, ...]
    ) -> dict[Rating, _Outcome]:
        """What each of ``ratings`` gives at ``now`` (UTC), before fuzz.

        FSRS reads the moment of a review only as whole days since the last one (and adds
        the interval to it), so the outcomes of one card's state hold for every moment of
        the same elapsed days: the interval previews and the answer share one computation.
        """
        elapsed = (now - memory.last_review).days if memory.last_review is not None else None
        key = (memory.state, memory.step, memory.stability, memory.difficulty, elapsed)
        if self._memo is None or self._memo[0] != key:
            self._memo = (key, {})
        known = self._memo[1]
        if len(ratings) > 1 and not known:  # the previews: the four ratings in one step
            if memory.state == CardState.NEW:
                steps = self._step.outcomes(CardState.LEARNING, 0, None, None, None)
            else:
                steps = self._step.outcomes(
                    memory.state, memory.step, memory.stability, memory.difficulty, elapsed
                )
            for rating, step in zip(_RATINGS, steps, strict=True):
                known[rating] = self._outcome(memory, now, elapsed, rating, step)
        for rating in ratings:
            if rating not in known:
                known[rating] = self._outcome(memory, now, elapsed, rating)
        return known

    def _outcome(
        self,
        memory: Memory,
        now: datetime,
        elapsed: int | None,
        rating: Rating,
        step: Step | _Unknown | None = _UNKNOWN,
    ) -> _Outcome:
        if step is _UNKNOWN:
            if memory.state == CardState.NEW:
                step = self._step.outcome(CardState.LEARNING, 0, None, None, None, rating)
            else:
                step = self._step.outcome(
                    memory.state, memory.step, memory.stability, memory.difficulty, elapsed, rating
                )
        if isinstance(step, tuple):
            return _Outcome(_STATES[step[0]], step[1], step[2], step[3], step[4])
        # what the plain step does not take (the library refuses it, or says why)
        after, _ = self._fsrs.review_card(_to_fsrs(memory, now), fsrs.Rating(int(rating)), now)
        return _Outcome(
            CardState(int(after.state)),
            after.step,
            after.stability,
            after.difficulty,
            after.due - now,
        )

    def review(
        self, memory: Memory, rating: Rating, now: datetime, rng: random.Random | None = None
    ) -> Memory:
        """The memory after answering ``rating`` at ``now`` (aware)."""
        now = _utc(now)
        outcome = self._outcomes(memory, now, (rating,))[rating]
        interval = outcome.interval
        if self.settings.fuzz and outcome.state == CardState.REVIEW:
            interval = fuzzed_interval(interval, self.settings.maximum_interval, rng)
        lapse = memory.state == CardState.REVIEW and rating == Rating.AGAIN
        return Memory(
            state=outcome.state,
            step=outcome.step,
            stability=outcome.stability,
            difficulty=outcome.difficulty,
            due=now + interval,
            last_review=now,
            reps=memory.reps + 1,
            lapses=memory.lapses + (1 if lapse else 0),
        )

    def preview(self, memory: Memory, now: datetime) -> dict[Rating, timedelta]:
        """The interval each rating would give, before fuzz."""
        outcomes = self._outcomes(memory, _utc(now), _RATINGS)
        return {rating: outcomes[rating].interval for rating in _RATINGS}

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
