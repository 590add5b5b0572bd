"""Exam mode: schedule so that recall peaks on exam day, then hand back to FSRS.

After an answer, FSRS proposes the next review. When that review falls after the exam
and the card's projected recall at the exam moment is below the target, exam mode moves
the review to the study day before the exam that maximises the *expected* recall at the
exam: for a review at ``t``,

    E(t) = R(t) * R_exam(after Good at t) + (1 - R(t)) * R_exam(after Again at t)

where ``R(t)`` is FSRS's retrievability at ``t`` and ``R_exam(...)`` the retrievability at
the exam of the memory the review leaves. A later review is recalled less often but
leaves less time to forget; E weighs both. Days already holding ``budget`` reviews are
skipped, so exam mode stays within the plan's daily budget. Cards due before the exam,
and every card once the exam is over, keep FSRS's own schedule.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from app.core.models import CardState, Memory, Rating
from app.core.scheduling import CardScheduler, SchedulerSettings

DAY = timedelta(days=1)


@dataclass(frozen=True)
class ExamTarget:
    exam: datetime
    target: float = 0.95
    """Recall wanted at the exam moment."""


def expected_recall_at_exam(
    scheduler: CardScheduler, memory: Memory, at: datetime, exam: datetime
) -> float:
    """Expected recall at ``exam`` if the card is reviewed at ``at``."""
    r = scheduler.retrievability(memory, at)
    good = scheduler.review(memory, Rating.GOOD, at, random.Random(0))
    again = scheduler.review(memory, Rating.AGAIN, at, random.Random(0))
    return r * scheduler.retrievability(good, exam) + (1 - r) * scheduler.retrievability(
        again, exam
    )


def exam_due(
    scheduler: CardScheduler,
    after: Memory,
    now: datetime,
    target: ExamTarget,
    load: Mapping[int, int] | None = None,
    budget: int | None = None,
) -> datetime | None:
    """The review time exam mode gives a card whose memory is ``after`` an answer at
    ``now``; None keeps FSRS's due date.

    ``load`` counts the reviews already due on each day after ``now`` (day 1 is
    ``now + 1 day``); with ``budget`` set, full days are skipped.
    """
    exam = target.exam
    if now >= exam or after.state != CardState.REVIEW or after.due is None:
        return None
    if after.due <= exam:
        return None
    at_exam = scheduler.retrievability(after, exam)
    if at_exam >= target.target:
        return None
    days = math.floor((exam - now) / DAY)
    best: tuple[float, datetime] | None = None
    for day in range(1, days + 1):
        at = now + day * DAY
        if at >= exam:
            break
        if budget is not None and load is not None and load.get(day, 0) >= budget:
            continue
        value = expected_recall_at_exam(scheduler, after, at, exam)
        if best is None or value >= best[0]:
            best = (value, at)
    if best is None or best[0] <= at_exam:
        return None
    return best[1]


@dataclass(frozen=True)
class ExamRun:
    reviews: int
    """Due cards answered before the exam."""
    recall_at_exam: float
    """Mean retrievability of the cards at the exam moment."""
    desired_retention: float
    exam_mode: bool


def simulate(
    cards: Sequence[Memory],
    settings: SchedulerSettings,
    now: datetime,
    target: ExamTarget,
    exam_mode: bool,
    seed: int = 0,
    budget: int | None = None,
) -> ExamRun:
    """Play the days from ``now`` to the exam: each day the due cards are answered (Good
    with FSRS's recall probability, else Again and then Good after the relearning step),
    with or without exam mode. The same seed gives the same draws."""
    scheduler = CardScheduler(settings)
    rng = random.Random(seed)
    memories = list(cards)
    exam = target.exam
    days = math.ceil((exam - now) / DAY)
    reviews = 0
    for day in range(days):
        moment = now + day * DAY
        if moment >= exam:
            break
        load = _load(memories, moment) if exam_mode else None
        for i, memory in enumerate(memories):
            if memory.due is None or memory.due > moment or memory.state == CardState.NEW:
                continue
            reviews += 1
            recalled = rng.random() < scheduler.retrievability(memory, moment)
            if recalled:
                after = scheduler.review(memory, Rating.GOOD, moment, rng)
            else:
                lapsed = scheduler.review(memory, Rating.AGAIN, moment, rng)
                step = moment + timedelta(seconds=settings.relearning_steps[0])
                after = scheduler.review(lapsed, Rating.GOOD, step, rng)
            if exam_mode:
                assert load is not None
                due = exam_due(scheduler, after, moment, target, load, budget)
                if due is not None:
                    after = replace(after, due=due)
                    load[round((due - moment) / DAY)] = load.get(round((due - moment) / DAY), 0) + 1
            memories[i] = after
    recall = sum(scheduler.retrievability(m, exam) for m in memories) / max(1, len(memories))
    return ExamRun(reviews, recall, settings.desired_retention, exam_mode)


def compare(
    cards: Sequence[Memory],
    settings: SchedulerSettings,
    now: datetime,
    target: ExamTarget,
    seed: int = 0,
    retentions: Sequence[float] = (0.90, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97),
) -> tuple[ExamRun, ExamRun, ExamRun]:
    """Exam mode against plain FSRS: (plain at the preset's retention, exam mode, plain at
    the lowest desired retention that spends at least as many reviews as exam mode)."""
    plain = simulate(cards, settings, now, target, False, seed)
    exam = simulate(cards, settings, now, target, True, seed)
    matched = plain
    for retention in retentions:
        run = simulate(
            cards, replace(settings, desired_retention=retention), now, target, False, seed
        )
        matched = run
        if run.reviews >= exam.reviews:
            break
    return plain, exam, matched


def _load(memories: Sequence[Memory], moment: datetime) -> dict[int, int]:
    load: dict[int, int] = {}
    for m in memories:
        if m.due is not None and m.due > moment:
            day = math.ceil((m.due - moment) / DAY)
            load[day] = load.get(day, 0) + 1
    return load
