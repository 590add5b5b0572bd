"""Simulated study with FSRS: workload per desired retention, and a plan to exam day.

The simulation works in whole days. Day ``d`` is the moment ``start + d days``; every
answer of that day happens at that moment. Each day the due cards are reviewed first
(most overdue first), then new cards are learned.

Rating model: a due card is recalled with its FSRS retrievability at that moment; a
recalled card is rated Good, a forgotten one Again, and the relearning steps that follow
a lapse are all rated Good the same day. A new card is rated Good through every learning
step on the day it is learned. One "review" is one due card answered: the relearning
steps of a forgotten card are part of it, in counts and in time.

All transitions go through :class:`~app.core.scheduling.CardScheduler` (fuzz off) and
are memoised, since many simulated cards pass through the same states; interval fuzz is
then drawn from the caller's ``random.Random`` with :func:`fuzzed_interval`, so a run is
reproducible from its seed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta

from app.core.models import CardState, Memory, Rating
from app.core.scheduling import CardScheduler, SchedulerSettings, fuzzed_interval

DAY = timedelta(days=1)
_DAY_S = 86_400
_SECOND = timedelta(seconds=1)
_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
_MINUTES_STEP = 5
"""Suggested daily budgets are multiples of this many minutes."""
_MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class SimCard:
    """One of the learner's cards as the simulation starts (state NEW when unseen)."""

    memory: Memory


CardInput = Memory | SimCard


@dataclass(frozen=True)
class SimulationResult:
    start: datetime
    reviews: tuple[int, ...]
    """Due cards answered on each day."""
    new: tuple[int, ...]
    """New cards learned on each day."""
    memories: tuple[Memory, ...]
    """Every card's memory after the last day, in input order."""
    recall_at_end: float
    """Coverage-weighted mean recall at ``start + days``."""

    @property
    def reviews_per_day(self) -> float:
        return sum(self.reviews) / len(self.reviews) if self.reviews else 0.0


@dataclass(frozen=True)
class WorkloadPoint:
    desired_retention: float
    reviews_per_day: float
    recall_at_end: float


@dataclass(frozen=True)
class ExamPlan:
    new_per_day: int
    """Daily limit on new cards; a day whose reviews leave less time learns fewer."""
    reviews_per_day_peak: int
    reviews_per_day_mean: float
    projected_recall: float
    """Coverage-weighted mean recall at the exam (unseen cards count 0)."""
    reachable: bool
    days: int
    """Study days before the exam (today included)."""
    explanation: str


@dataclass(frozen=True)
class _Step:
    stability: float
    difficulty: float
    interval: int
    """Days, before fuzz."""
    answers: int
    """Answers given that day: the first one plus any (re)learning steps."""


_Key = tuple[int, int | None, float, float, int, int]
"""State, step, stability, difficulty, days since the last review, rating."""


class _Model:
    """Day-level FSRS transitions and retrievability, memoised."""

    def __init__(self, settings: SchedulerSettings) -> None:
        self.settings = settings
        self.scheduler = CardScheduler(replace(settings, fuzz=False))
        self._steps: dict[_Key, _Step] = {}
        self._recall: dict[tuple[float, int], float] = {}

    def recall(self, stability: float, elapsed_days: int) -> float:
        key = (stability, elapsed_days)
        value = self._recall.get(key)
        if value is None:
            memory = Memory(CardState.REVIEW, None, stability, 5.0, _ORIGIN, _ORIGIN)
            value = self.scheduler.retrievability(memory, _ORIGIN + elapsed_days * DAY)
            self._recall[key] = value
        return value

    def answer(self, key: _Key) -> _Step:
        """The card after this answer and, the same day, any (re)learning steps rated Good."""
        found = self._steps.get(key)
        if found is None:
            state, step, stability, difficulty, elapsed_days, rating = key
            now = _ORIGIN + elapsed_days * DAY
            memory = Memory(CardState(state), step, stability, difficulty, now, _ORIGIN)
            if state == CardState.NEW:
                memory = Memory()
            memory = self.scheduler.review(memory, Rating(rating), now)
            answers = 1
            while memory.state != CardState.REVIEW and memory.due is not None:
                memory = self.scheduler.review(memory, Rating.GOOD, memory.due)
                answers += 1
            assert memory.due is not None and memory.last_review is not None
            assert memory.stability is not None and memory.difficulty is not None
            interval = round((memory.due - memory.last_review) / DAY)
            found = _Step(memory.stability, memory.difficulty, interval, answers)
            self._steps[key] = found
        return found


@dataclass
class _Cards:
    """Every card's state as flat lists; times in seconds from the simulation's start."""

    state: list[int] = field(default_factory=list)
    step: list[int | None] = field(default_factory=list)
    stability: list[float] = field(default_factory=list)
    difficulty: list[float] = field(default_factory=list)
    last: list[int] = field(default_factory=list)
    due_day: list[int] = field(default_factory=list)
    reps: list[int] = field(default_factory=list)
    lapses: list[int] = field(default_factory=list)

    def copy(self) -> _Cards:
        return _Cards(*(list(getattr(self, f.name)) for f in fields(self)))

    def recall_at(self, model: _Model, at_seconds: int) -> float:
        """Coverage-weighted mean recall at ``at_seconds``."""
        total = 0.0
        for i, state in enumerate(self.state):
            if state != CardState.NEW:
                elapsed = max(0, (at_seconds - self.last[i]) // _DAY_S)
                total += model.recall(self.stability[i], elapsed)
        return total / len(self.state) if self.state else 0.0


class _Deck:
    """The input cards, read once and copied for every run."""

    def __init__(self, cards: Sequence[CardInput], start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("times must be timezone-aware")
        self.memories = _memories(cards)
        self.cards = c = _Cards(reps=[0] * len(cards), lapses=[0] * len(cards))
        self.new_cards: list[int] = []
        for i, m in enumerate(self.memories):
            if m.state == CardState.NEW or m.stability is None or m.difficulty is None:
                self.new_cards.append(i)
                m = Memory(stability=0.0, difficulty=0.0, last_review=start)
            c.state.append(m.state)
            c.step.append(0 if m.step is None and m.state != CardState.REVIEW else m.step)
            c.stability.append(m.stability or 0.0)
            c.difficulty.append(m.difficulty or 0.0)
            c.last.append(((m.last_review or start) - start) // _SECOND)
            c.due_day.append(max(0, ((m.due or start) - start) // DAY))
        due = [(m.due or start, i) for i, m in enumerate(self.memories) if c.state[i]]
        self.scheduled = [i for _due, i in sorted(due)]  # studied cards, most overdue first


@dataclass(frozen=True)
class _Limits:
    reviews: int | None = None
    """Due cards answered per day at most."""
    seconds: float | None = None
    """Study time per day; reviews first, then new cards in what is left."""
    per_review: float = 0.0
    per_new: float = 0.0


@dataclass
class _Run:
    reviews: list[int]
    new: list[int]
    cards: _Cards


def _run(
    deck: _Deck,
    model: _Model,
    days: int,
    new_per_day: int,
    rng: random.Random,
    limits: _Limits,
) -> _Run:
    run = _Run([0] * days, [0] * days, deck.cards.copy())
    c = run.cards
    state, step, stab, diff = c.state, c.step, c.stability, c.difficulty
    last, due_day = c.last, c.due_day
    buckets: list[list[int]] = [[] for _ in range(days)]
    for i in deck.scheduled:
        if due_day[i] < days:
            buckets[due_day[i]].append(i)
    fuzz, max_ivl = model.settings.fuzz, model.settings.maximum_interval
    new_queue, next_new = deck.new_cards, 0
    waiting: list[int] = []
    for d in range(days):
        now = d * _DAY_S
        queue = waiting + buckets[d] if waiting else buckets[d]
        count = len(queue) if limits.reviews is None else min(len(queue), limits.reviews)
        left = limits.seconds
        if left is not None and limits.per_review > 0:
            count = min(count, int(left // limits.per_review))
            left -= count * limits.per_review
        learn = min(new_per_day, len(new_queue) - next_new)
        if left is not None and limits.per_new > 0:
            learn = max(0, min(learn, int(left // limits.per_new)))
        todo = [(i, False) for i in queue[:count]]
        todo += [(i, True) for i in new_queue[next_new : next_new + learn]]
        waiting, next_new = queue[count:], next_new + learn
        run.reviews[d], run.new[d] = count, learn
        for i, is_new in todo:
            if is_new:
                out = model.answer((CardState.NEW, None, 0.0, 0.0, 0, Rating.GOOD))
            else:
                elapsed = max(0, (now - last[i]) // _DAY_S)
                recalled = rng.random() < model.recall(stab[i], elapsed)
                rating = Rating.GOOD if recalled else Rating.AGAIN
                out = model.answer((state[i], step[i], stab[i], diff[i], elapsed, rating))
                if not recalled and state[i] == CardState.REVIEW:
                    c.lapses[i] += 1
            interval = out.interval
            if fuzz and interval > 2:
                interval = fuzzed_interval(interval * DAY, max_ivl, rng).days
            state[i], step[i], last[i], due_day[i] = CardState.REVIEW, None, now, d + interval
            stab[i], diff[i] = out.stability, out.difficulty
            c.reps[i] += out.answers
            if d + interval < days:
                buckets[d + interval].append(i)
    return run


def simulate(
    cards: Sequence[CardInput],
    settings: SchedulerSettings,
    start: datetime,
    days: int,
    new_per_day: int,
    max_reviews_per_day: int | None,
    rng: random.Random,
) -> SimulationResult:
    """Study ``days`` days from ``start``: due cards first (at most ``max_reviews_per_day``;
    the rest wait for the next day), then up to ``new_per_day`` new cards."""
    if days < 0 or new_per_day < 0:
        raise ValueError("days and new_per_day must not be negative")
    deck, model = _Deck(cards, start), _Model(settings)
    run = _run(deck, model, days, new_per_day, rng, _Limits(reviews=max_reviews_per_day))
    c = run.cards
    memories = [
        Memory(
            state=CardState.REVIEW,
            stability=c.stability[i],
            difficulty=c.difficulty[i],
            due=start + c.due_day[i] * DAY,
            last_review=start + c.last[i] * _SECOND,
            reps=original.reps + c.reps[i],
            lapses=original.lapses + c.lapses[i],
        )
        if c.reps[i]
        else original
        for i, original in enumerate(deck.memories)
    ]
    recall = c.recall_at(model, days * _DAY_S)
    return SimulationResult(start, tuple(run.reviews), tuple(run.new), tuple(memories), recall)


def workload(
    settings: SchedulerSettings,
    cards: Sequence[CardInput],
    start: datetime,
    days: int,
    new_per_day: int,
    retentions: Sequence[float],
    rng: random.Random,
) -> list[WorkloadPoint]:
    """Mean reviews per day and recall at the end for each desired retention.

    Every retention is simulated with the same seed (drawn once from ``rng``), so the
    points differ by the retention, not by luck.
    """
    seed = rng.getrandbits(64)
    points = []
    for retention in retentions:
        varied = replace(settings, desired_retention=retention)
        result = simulate(cards, varied, start, days, new_per_day, None, random.Random(seed))
        points.append(WorkloadPoint(retention, result.reviews_per_day, result.recall_at_end))
    return points


def mean_recall(cards: Sequence[CardInput], scheduler: CardScheduler, at: datetime) -> float:
    """Coverage-weighted mean recall at ``at``: unseen cards count 0; 0 for no cards."""
    memories = _memories(cards)
    if not memories:
        return 0.0
    return sum(scheduler.retrievability(m, at) for m in memories) / len(memories)


def plan_to_exam(
    cards: Sequence[CardInput],
    settings: SchedulerSettings,
    now: datetime,
    exam: datetime,
    target_recall: float,
    minutes_per_day: float,
    seconds_per_review: float,
    seconds_per_new: float,
    rng: random.Random,
) -> ExamPlan:
    """The smallest daily new-card limit whose simulated coverage-weighted recall at
    ``exam`` reaches ``target_recall`` within ``minutes_per_day``.

    Limits from 0 to "every new card by the exam" are searched by bisection, all with one
    seed drawn from ``rng``. When no limit reaches the target, the plan is the best of a
    few limits and the explanation names the daily time (a multiple of 5 minutes) that
    would reach it, found by doubling and bisecting the budget.
    """
    if min(minutes_per_day, seconds_per_review, seconds_per_new) < 0:
        raise ValueError("times must not be negative")
    if exam.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    deck, model = _Deck(cards, now), _Model(settings)
    days = max(0, math.ceil((exam - now) / DAY))
    exam_s = max(0, (exam - now) // _SECOND)
    n_max = math.ceil(len(deck.new_cards) / days) if days else 0
    seed = rng.getrandbits(64)
    runs: dict[tuple[int, float | None], tuple[float, _Run]] = {}

    def evaluate(new_per_day: int, minutes: float | None) -> tuple[float, _Run]:
        key = (new_per_day, minutes)
        if key not in runs:
            seconds = None if minutes is None else minutes * 60
            limits = _Limits(None, seconds, seconds_per_review, seconds_per_new)
            run = _run(deck, model, days, new_per_day, random.Random(seed), limits)
            runs[key] = (run.cards.recall_at(model, exam_s), run)
        return runs[key]

    def recall(new_per_day: int, minutes: float | None = minutes_per_day) -> float:
        return evaluate(new_per_day, minutes)[0]

    def plan(new_per_day: int, reachable: bool, explanation: str) -> ExamPlan:
        projected, run = evaluate(new_per_day, minutes_per_day)
        peak, mean = max(run.reviews, default=0), sum(run.reviews) / days if days else 0.0
        return ExamPlan(
            max(run.new, default=0), peak, mean, projected, reachable, days, explanation
        )

    when, budget = _date_label(exam, now), _minutes(minutes_per_day)
    if days == 0:
        text = f"The exam ({when}) leaves no study day; recall now is about {_percent(recall(0))}."
        return plan(0, recall(0) >= target_recall, text)
    if recall(n_max) >= target_recall:
        smallest = _smallest(0, n_max, lambda n: recall(n) >= target_recall)
        reach = f"about {_percent(recall(smallest))} by {when}"
        text = (
            f"Learn up to {smallest} new cards a day ({budget} a day) to reach {reach}."
            if smallest
            else f"Reviewing alone ({budget} a day) keeps you at {reach}."
        )
        return plan(smallest, True, text)

    best = max(sorted({n_max * k // 4 for k in range(1, 5)}), key=recall)
    text = f"At {budget} a day you can reach about {_percent(recall(best))} by {when}"
    unlimited = recall(n_max, None)

    def fits(steps: int) -> bool:
        return recall(n_max, float(steps * _MINUTES_STEP)) >= target_recall

    # daily budgets in steps of _MINUTES_STEP minutes: double, then bisect
    failing, most = int(minutes_per_day // _MINUTES_STEP), _MAX_MINUTES // _MINUTES_STEP
    passing = failing + 1
    while unlimited >= target_recall and passing < most and not fits(passing):
        failing, passing = passing, min(most, 2 * passing)
    if unlimited < target_recall or not fits(passing):
        text += (
            f"; even unlimited study time would reach only {_percent(unlimited)}"
            ", so lower the target or move the exam."
        )
        return plan(best, False, text)
    suggested = float(_smallest(failing + 1, passing, fits) * _MINUTES_STEP)
    text += f"; {_minutes(suggested)} a day would reach {_percent(recall(n_max, suggested))}."
    return plan(best, False, text)


def _memories(cards: Sequence[CardInput]) -> list[Memory]:
    return [c.memory if isinstance(c, SimCard) else c for c in cards]


def _smallest(low: int, high: int, holds: Callable[[int], bool]) -> int:
    """The smallest ``k`` in ``low..high`` for which ``holds`` (true at ``high``, and
    assumed to stay true once it is)."""
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return high


def _percent(value: float) -> str:
    """Rounded down, so a plan never looks better than it is."""
    return f"{math.floor(value * 100 + 1e-9)} %"


def _minutes(minutes: float) -> str:
    if minutes >= 120 and minutes % 60 == 0:
        return f"{minutes / 60:g} hours"
    return f"{minutes:g} minutes"


def _date_label(moment: datetime, now: datetime) -> str:
    label = f"{moment.day} {moment:%b}"
    return label if moment.year == now.year else f"{label} {moment.year}"
