from __future__ import annotations

import random
from datetime import timedelta

from app.core.exam_schedule import ExamTarget, compare, exam_due, expected_recall_at_exam
from app.core.models import CardState, Memory, Rating
from app.core.scheduling import CardScheduler, SchedulerSettings
from tests.conftest import T0


def _collection(n: int, seed: int) -> list[Memory]:
    rng = random.Random(seed)
    cards = []
    for _ in range(n):
        stability = rng.lognormvariate(2.3, 0.9)
        last = T0 - timedelta(days=rng.uniform(0, min(stability, 60)))
        cards.append(
            Memory(
                CardState.REVIEW,
                None,
                stability,
                rng.uniform(3, 8),
                last + timedelta(days=stability),
                last,
                5,
                0,
            )
        )
    return cards


def test_exam_mode_reaches_higher_recall_at_no_more_reviews() -> None:
    target = ExamTarget(T0 + timedelta(days=30), 0.95)
    plain, exam, matched = compare(_collection(300, 5), SchedulerSettings(), T0, target, seed=1)
    assert exam.exam_mode and not plain.exam_mode
    # Plain FSRS asked for a higher desired retention spends at least as many reviews...
    assert matched.reviews >= exam.reviews
    # ...and still ends below exam mode on exam day.
    assert exam.recall_at_exam > matched.recall_at_exam
    assert exam.recall_at_exam > plain.recall_at_exam


def _after_good(stability: float) -> tuple[CardScheduler, Memory]:
    scheduler = CardScheduler(SchedulerSettings(fuzz=False))
    before = Memory(
        CardState.REVIEW, None, stability, 5.0, T0, T0 - timedelta(days=stability), 3, 0
    )
    return scheduler, scheduler.review(before, Rating.GOOD, T0)


def test_a_review_after_the_exam_is_moved_before_it() -> None:
    scheduler, after = _after_good(10.0)
    target = ExamTarget(T0 + timedelta(days=30), 0.95)
    assert after.due > target.exam
    due = exam_due(scheduler, after, T0, target)
    assert due is not None and T0 < due < target.exam
    best = expected_recall_at_exam(scheduler, after, due, target.exam)
    for day in range(1, 30):
        at = T0 + timedelta(days=day)
        assert expected_recall_at_exam(scheduler, after, at, target.exam) <= best + 1e-12


def test_full_days_are_skipped() -> None:
    scheduler, after = _after_good(10.0)
    target = ExamTarget(T0 + timedelta(days=30), 0.95)
    free = exam_due(scheduler, after, T0, target)
    assert free is not None
    best_day = round((free - T0) / timedelta(days=1))
    due = exam_due(scheduler, after, T0, target, load={best_day: 5}, budget=5)
    assert due is not None and due != free


def test_no_change_when_fsrs_is_enough_or_the_exam_is_over() -> None:
    scheduler, after = _after_good(10.0)
    assert exam_due(scheduler, after, T0, ExamTarget(T0 + timedelta(days=30), 0.85)) is None
    assert exam_due(scheduler, after, T0, ExamTarget(T0 + timedelta(days=90), 0.95)) is None
    assert exam_due(scheduler, after, T0, ExamTarget(T0 - timedelta(days=1), 0.95)) is None
