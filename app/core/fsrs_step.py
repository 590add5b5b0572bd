"""One FSRS review step in plain arithmetic, for the four ratings of one card at once.

``fsrs.Scheduler.review_card`` copies the card and works through dates for every call;
the study screen asks for all four ratings on every answer. This computes the same
outcome from the card's numbers with the library's own formulas, written in the same
order (so the floats come out bit for bit the same: a property test holds it to the
library over states, ratings, elapsed days and parameters). The library stays the
reference: an input it would refuse (a relearning card without a step, a review card
without memory, an unknown rating) is left to it by returning None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from fsrs.scheduler import MAX_DIFFICULTY, MIN_DIFFICULTY, STABILITY_MIN

LEARNING, REVIEW, RELEARNING = 1, 2, 3
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4

Step = tuple[int, int | None, float, float, timedelta]
"""(state, step, stability, difficulty, interval) after one rating."""


class FsrsStep:
    """The library's ``review_card`` (fuzz off) for one scheduler's options."""

    def __init__(
        self,
        parameters: Sequence[float],
        desired_retention: float,
        learning_steps: Sequence[timedelta],
        relearning_steps: Sequence[timedelta],
        maximum_interval: int,
    ) -> None:
        w = self.w = tuple(parameters)
        self.learning_steps = tuple(learning_steps)
        self.relearning_steps = tuple(relearning_steps)
        self.maximum_interval = maximum_interval
        self._decay: float = -w[20]
        self._factor: float = 0.9 ** (1 / self._decay) - 1
        self._retention_term: float = (desired_retention ** (1 / self._decay)) - 1
        self._easy_difficulty: float = w[4] - (math.e ** (w[5] * (EASY - 1))) + 1
        self._forget_short: float = math.e ** (w[17] * w[18])
        self._recall_base: float = math.e ** (w[8])
        self._hard_learning = _hard_interval(self.learning_steps)
        self._hard_relearning = _hard_interval(self.relearning_steps)

    def outcome(
        self,
        state: int,
        step: int | None,
        stability: float | None,
        difficulty: float | None,
        elapsed_days: int | None,
        rating: int,
    ) -> Step | None:
        """The outcome of ``rating`` for a card in ``state`` (1-3; a new card is a learning
        card at step 0 without memory) last reviewed ``elapsed_days`` whole days ago (None:
        never). None where the library would refuse the card."""
        if rating not in (AGAIN, HARD, GOOD, EASY):
            return None
        if state == REVIEW:
            if stability is None or difficulty is None:
                return None
            s, d = self._memory_after(stability, difficulty, elapsed_days, rating)
            if rating == AGAIN and self.relearning_steps:
                return RELEARNING, 0, s, d, self.relearning_steps[0]
            return REVIEW, step, s, d, self._interval(s)
        if state == LEARNING:
            steps, hard = self.learning_steps, self._hard_learning
            step = 0 if step is None else step  # as ``fsrs.Card`` makes it
            if stability is None or difficulty is None:
                s = self._initial_stability(rating)
                d = self._initial_difficulty(rating)
                return self._after_steps(LEARNING, steps, hard, step, s, d, rating)
        elif state == RELEARNING:
            steps, hard = self.relearning_steps, self._hard_relearning
            if step is None or stability is None or difficulty is None:
                return None
        else:
            return None
        s, d = self._memory_after(stability, difficulty, elapsed_days, rating)
        return self._after_steps(state, steps, hard, step, s, d, rating)

    def outcomes(
        self,
        state: int,
        step: int | None,
        stability: float | None,
        difficulty: float | None,
        elapsed_days: int | None,
    ) -> tuple[Step | None, Step | None, Step | None, Step | None]:
        """:meth:`outcome` for Again, Hard, Good and Easy at once (the interval previews).

        A review card a day or more after its last review, the usual case, shares its
        retrievability and the recall term of the stability formula between the ratings;
        the products are taken in the order :meth:`_next_stability` takes them, so each
        float is the one :meth:`outcome` gives."""
        if (
            state != REVIEW
            or stability is None
            or difficulty is None
            or (elapsed_days is not None and elapsed_days < 1)
        ):
            return (
                self.outcome(state, step, stability, difficulty, elapsed_days, AGAIN),
                self.outcome(state, step, stability, difficulty, elapsed_days, HARD),
                self.outcome(state, step, stability, difficulty, elapsed_days, GOOD),
                self.outcome(state, step, stability, difficulty, elapsed_days, EASY),
            )
        w = self.w
        r = self._retrievability(stability, elapsed_days)
        recall = (
            self._recall_base
            * (11 - difficulty)
            * (stability ** -w[9])
            * ((math.e ** ((1 - r) * w[10])) - 1)
        )
        again_s = self._next_stability(difficulty, stability, r, AGAIN)
        hard_s = max(stability * (1 + recall * w[15] * 1), STABILITY_MIN)
        good_s = max(stability * (1 + recall * 1 * 1), STABILITY_MIN)
        easy_s = max(stability * (1 + recall * 1 * w[16]), STABILITY_MIN)
        again_d = self._next_difficulty(difficulty, AGAIN)
        again: Step = (
            (RELEARNING, 0, again_s, again_d, self.relearning_steps[0])
            if self.relearning_steps
            else (REVIEW, step, again_s, again_d, self._interval(again_s))
        )
        return (
            again,
            (REVIEW, step, hard_s, self._next_difficulty(difficulty, HARD), self._interval(hard_s)),
            (REVIEW, step, good_s, self._next_difficulty(difficulty, GOOD), self._interval(good_s)),
            (REVIEW, step, easy_s, self._next_difficulty(difficulty, EASY), self._interval(easy_s)),
        )

    def _memory_after(
        self, stability: float, difficulty: float, elapsed_days: int | None, rating: int
    ) -> tuple[float, float]:
        """Stability and difficulty after ``rating`` (a same-day review: short-term)."""
        if elapsed_days is not None and elapsed_days < 1:
            s = self._short_term_stability(stability, rating)
        else:
            r = self._retrievability(stability, elapsed_days)
            s = self._next_stability(difficulty, stability, r, rating)
        return s, self._next_difficulty(difficulty, rating)

    def _after_steps(
        self,
        state: int,
        steps: tuple[timedelta, ...],
        hard: timedelta | None,
        step: int,
        s: float,
        d: float,
        rating: int,
    ) -> Step:
        """Where a (re)learning card goes: its next step, or graduation to review."""
        if not steps or (step >= len(steps) and rating != AGAIN):
            return REVIEW, None, s, d, self._interval(s)
        if rating == AGAIN:
            return state, 0, s, d, steps[0]
        if rating == HARD:
            return state, step, s, d, hard if step == 0 and hard is not None else steps[step]
        if rating == GOOD and step + 1 != len(steps):
            return state, step + 1, s, d, steps[step + 1]
        return REVIEW, None, s, d, self._interval(s)

    def _interval(self, stability: float) -> timedelta:
        days = round((stability / self._factor) * self._retention_term)
        return timedelta(days=min(max(days, 1), self.maximum_interval))

    def _retrievability(self, stability: float, elapsed_days: int | None) -> float:
        if elapsed_days is None:
            return 0
        value: float = (1 + self._factor * max(0, elapsed_days) / stability) ** self._decay
        return value

    def _initial_stability(self, rating: int) -> float:
        return max(self.w[rating - 1], STABILITY_MIN)

    def _initial_difficulty(self, rating: int) -> float:
        w = self.w
        value: float = w[4] - (math.e ** (w[5] * (rating - 1))) + 1
        return min(max(value, MIN_DIFFICULTY), MAX_DIFFICULTY)

    def _short_term_stability(self, stability: float, rating: int) -> float:
        w = self.w
        increase: float = (math.e ** (w[17] * (rating - 3 + w[18]))) * (stability ** -w[19])
        if rating != AGAIN:
            increase = max(increase, 1.0)
        return max(stability * increase, STABILITY_MIN)

    def _next_difficulty(self, difficulty: float, rating: int) -> float:
        w = self.w
        delta = -(w[6] * (rating - 3))
        damped = difficulty + (10.0 - difficulty) * delta / 9.0
        value = w[7] * self._easy_difficulty + (1 - w[7]) * damped
        return min(max(value, MIN_DIFFICULTY), MAX_DIFFICULTY)

    def _next_stability(
        self, difficulty: float, stability: float, retrievability: float, rating: int
    ) -> float:
        w = self.w
        value: float
        if rating == AGAIN:
            long_term: float = (
                w[11]
                * (difficulty ** -w[12])
                * (((stability + 1) ** (w[13])) - 1)
                * (math.e ** ((1 - retrievability) * w[14]))
            )
            value = min(long_term, stability / self._forget_short)
        else:
            hard_penalty = w[15] if rating == HARD else 1
            easy_bonus = w[16] if rating == EASY else 1
            value = stability * (
                1
                + self._recall_base
                * (11 - difficulty)
                * (stability ** -w[9])
                * ((math.e ** ((1 - retrievability) * w[10])) - 1)
                * hard_penalty
                * easy_bonus
            )
        return max(value, STABILITY_MIN)


def _hard_interval(steps: tuple[timedelta, ...]) -> timedelta | None:
    """Hard at the first step: half-way to the second, or 1.5 times the only one."""
    if len(steps) == 1:
        return steps[0] * 1.5
    if len(steps) >= 2:
        return (steps[0] + steps[1]) / 2.0
    return None
