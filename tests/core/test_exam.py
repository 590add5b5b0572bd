from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.choice import ChoiceOption
from app.core.exam import (
    ExamItem,
    allocate,
    answer_chance,
    draw,
    exam_profile,
    grade,
    practice_correction,
    predict,
    scale,
)
from app.core.exam_session import ExamSession
from tests.conftest import T0

WEIGHTS = {"1-containers": 0.25, "2-data": 0.25, "3-connect": 0.3, "4-secure": 0.2}


def _item(card_id: int, domain: str, right: tuple[int, ...] = (1,), n: int = 4) -> ExamItem:
    options = tuple(ChoiceOption(f"option {i}", i in right) for i in range(n))
    return ExamItem(card_id, domain, f"svc-{card_id % 3}", f"Question {card_id}?", options)


def _pool(per_domain: int = 40) -> list[ExamItem]:
    return [
        _item(d * 1000 + i, domain) for d, domain in enumerate(WEIGHTS) for i in range(per_domain)
    ]


def test_draw_meets_the_domain_weights_within_rounding() -> None:
    exam = draw(_pool(), WEIGHTS, 50, seed=3)
    counts: dict[str, int] = {}
    for q in exam.questions:
        counts[q.domain] = counts.get(q.domain, 0) + 1
    assert sum(counts.values()) == 50
    for domain, weight in WEIGHTS.items():
        assert abs(counts[domain] - 50 * weight) < 1, (domain, counts)


def test_draw_never_repeats_and_is_the_same_for_a_seed() -> None:
    pool = _pool()
    first = draw(pool, WEIGHTS, 50, seed=11)
    again = draw(list(reversed(pool)), WEIGHTS, 50, seed=11)
    other = draw(pool, WEIGHTS, 50, seed=12)
    ids = [q.card_id for q in first.questions]
    assert len(set(ids)) == 50
    assert ids == [q.card_id for q in again.questions]
    assert first.orders == again.orders
    assert ids != [q.card_id for q in other.questions]


def test_a_small_domain_gives_its_share_to_the_others() -> None:
    pool = [i for i in _pool() if i.domain != "2-data"] + [
        _item(5000 + i, "2-data") for i in range(3)
    ]
    exam = draw(pool, WEIGHTS, 50, seed=1)
    data = sum(q.domain == "2-data" for q in exam.questions)
    assert data == 3
    assert len(exam.questions) == 50


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.floats(0.01, 10), min_size=1),
    st.integers(1, 120),
    st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 40)),
)
@settings(max_examples=200, deadline=None)
def test_allocation_is_exact_and_capped(weights, n, available) -> None:
    if not any(available.get(k, 0) for k in weights):
        return
    quotas = allocate(weights, n, available)
    assert sum(quotas.values()) == min(n, sum(available.get(k, 0) for k in weights))
    assert all(0 <= q <= available[k] for k, q in quotas.items())


def test_scaling_puts_the_cut_at_700() -> None:
    assert scale(0.0) == 0
    assert scale(0.7) == 700
    assert scale(1.0) == 1000
    assert scale(0.35) == 350
    assert scale(0.85) == 850
    values = [scale(i / 50) for i in range(51)]
    assert values == sorted(values)


def test_grading_is_all_or_nothing_for_choose_two() -> None:
    single = _item(1, "1-containers", right=(2,))
    double = _item(2, "2-data", right=(0, 3))
    exam = draw([single, double], {"1-containers": 1, "2-data": 1}, 2, seed=0)
    index = {q.card_id: i for i, q in enumerate(exam.questions)}
    half = {index[1]: frozenset({2}), index[2]: frozenset({0})}
    result = grade(exam, half)
    assert result.right == 1 and result.score == 500 and not result.passed
    assert result.domains["2-data"].right == 0
    assert result.wrong == (index[2],)
    full = {index[1]: frozenset({2}), index[2]: frozenset({0, 3})}
    assert grade(exam, full).score == 1000


def test_session_toggles_flags_and_keeps_time() -> None:
    exam = draw(
        [_item(1, "a"), _item(2, "a", right=(0, 1))], {"a": 1}, 2, seed=0, time_limit_min=10
    )
    session = ExamSession(exam, T0)
    two = next(i for i, q in enumerate(exam.questions) if q.choose == 2)
    session.go(two)
    session.toggle(0)
    session.toggle(1)
    assert session.toggle(2) == frozenset({0, 1})  # a third pick is refused on choose two
    session.go(1 - two)
    session.toggle(3)
    assert session.toggle(2) == frozenset({2})  # single answer: a new pick replaces
    assert session.toggle_flag() and session.flagged == {1 - two}
    assert session.remaining(T0 + timedelta(minutes=4)) == timedelta(minutes=6)
    with pytest.raises(PermissionError):
        session.pause(T0 + timedelta(minutes=4))
    assert session.expired(T0 + timedelta(minutes=10))
    result = session.finish(T0 + timedelta(minutes=12))
    assert session.elapsed(T0 + timedelta(hours=1)) == timedelta(minutes=10)
    assert result.right == 1
    with pytest.raises(RuntimeError):
        session.toggle(0)


def test_pausing_stops_the_clock_when_allowed() -> None:
    exam = draw([_item(1, "a")], {"a": 1}, 1, seed=0, time_limit_min=10)
    session = ExamSession(exam, T0, allow_pause=True)
    session.pause(T0 + timedelta(minutes=2))
    assert session.paused
    session.resume(T0 + timedelta(minutes=30))
    assert session.remaining(T0 + timedelta(minutes=31)) == timedelta(minutes=7)


def test_prediction_follows_recall_and_guessing() -> None:
    pool = _pool()
    sure = predict([(i, 1.0) for i in pool], WEIGHTS, 50)
    assert sure.score == 1000 and sure.pass_probability == 1.0
    blind = predict([(i, 0.0) for i in pool], WEIGHTS, 50)
    assert blind.expected_share == pytest.approx(0.25)
    assert blind.pass_probability == 0.0
    middle = predict([(i, 0.6) for i in pool], WEIGHTS, 50)
    assert middle.low < middle.score < middle.high
    assert middle.expected_share == pytest.approx(answer_chance(0.6, pool[0]))
    raised = predict([(i, 0.6) for i in pool], WEIGHTS, 50, correction=1.0)
    assert raised.score > middle.score


def test_practice_correction_is_shrunk_towards_zero() -> None:
    assert practice_correction([]) == 0.0
    one = practice_correction([(0.6, 0.8, 50)])
    many = practice_correction([(0.6, 0.8, 50)] * 8)
    full = math.log(40.5 / 10.5) - math.log(30.5 / 20.5)
    assert 0 < one < many < full
    assert practice_correction([(0.8, 0.6, 50)]) < 0


def test_exam_profile_reads_the_pack_metadata() -> None:
    profile = exam_profile(
        {
            "exam": {
                "questions": 40,
                "minutes": 90,
                "domains": {"a": {"weight": 3, "title": "A"}, "b": 1},
            }
        }
    )
    assert profile.questions == 40 and profile.minutes == 90
    assert profile.weights == {"a": 0.75, "b": 0.25}
    assert profile.titles["a"] == "A"
    with pytest.raises(ValueError):
        exam_profile({"exam": {"domains": {"a": -1}}})
