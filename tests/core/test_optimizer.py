"""FSRS optimisation: building training data, scoring a parameter set, fitting one.

Scoring cases are worked out by hand here from the FSRS-6 formulas. The fitting test
simulates a year of reviews from known parameters and checks that the fitted set
predicts that log better than the defaults.
"""

from __future__ import annotations

import math
import random
import sys
from datetime import UTC, datetime, timedelta, timezone

import fsrs
import pytest

from app.core.errors import BadInputError
from app.core.optimizer import (
    INSTALL_HINT,
    MIN_REVIEWS,
    NotEnoughReviews,
    OptimizerUnavailable,
    ReviewItem,
    card_histories,
    evaluate,
    next_state,
    optimize,
    optimizer_available,
    usable_reviews,
)
from app.core.scheduling import DEFAULT_PARAMETERS

W = DEFAULT_PARAMETERS
START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
MINUTE = 60_000
DAY = 86_400_000
START_MS = int(START.timestamp() * 1000)


def _changed(base: tuple[float, ...], changes: dict[int, float]) -> tuple[float, ...]:
    values = list(base)
    for index, value in changes.items():
        values[index] = value
    return tuple(values)


# Faster forgetting than the defaults: lower initial stabilities, a steeper curve (w20),
# stronger growth on recall (w8, w10) and lower stability after a lapse (w11); all within
# the bounds fsrs-rs allows.
KNOWN = _changed(
    DEFAULT_PARAMETERS,
    {0: 0.1, 1: 0.6, 2: 1.2, 3: 4.0, 8: 2.2, 10: 1.2, 11: 1.0, 20: 0.4},
)


def simulate_log(
    parameters: tuple[float, ...], cards: int = 250, days: int = 365, seed: int = 11
) -> list[ReviewItem]:
    """A review log whose outcomes follow FSRS with ``parameters``.

    Each card starts on a random day of the first half of the period and is reviewed
    whenever FSRS (no fuzz) schedules it. A review on a later day than the previous one is
    recalled with the true retrievability; first answers and same-day steps draw ratings
    from fixed shares.
    """
    rng = random.Random(seed)
    scheduler = fsrs.Scheduler(
        parameters=parameters,
        desired_retention=0.9,
        learning_steps=(timedelta(minutes=1), timedelta(minutes=10)),
        relearning_steps=(timedelta(minutes=10),),
        enable_fuzzing=False,
    )
    end = START + timedelta(days=days)
    log: list[ReviewItem] = []
    for card_id in range(1, cards + 1):
        now = START + timedelta(days=rng.randrange(days // 2), minutes=rng.randrange(120))
        card = fsrs.Card(card_id=card_id)
        state_before = 0
        while now < end:
            if card.last_review is None:
                rating = rng.choices((1, 2, 3, 4), (0.2, 0.1, 0.6, 0.1))[0]
            elif (now - card.last_review).days >= 1:
                recalled = rng.random() < scheduler.get_card_retrievability(card, now)
                rating = rng.choices((2, 3, 4), (0.15, 0.75, 0.1))[0] if recalled else 1
            else:
                rating = rng.choices((1, 2, 3, 4), (0.1, 0.1, 0.75, 0.05))[0]
            log.append(ReviewItem(card_id, int(now.timestamp() * 1000), rating, state_before))
            card, _ = scheduler.review_card(card, fsrs.Rating(rating), now)
            state_before = int(card.state)
            now = card.due
    return log


def _r(days: float, stability: float) -> float:
    decay = -W[20]
    return (1 + (0.9 ** (1 / decay) - 1) * days / stability) ** decay


# -- scoring, worked by hand -------------------------------------------------------------


def test_two_reviews_log_loss_and_rmse_by_hand() -> None:
    # Good on day 0, Again 3 days later: S = w2, one failed prediction.
    log = [ReviewItem(1, START_MS, 3), ReviewItem(1, START_MS + 3 * DAY, 1)]
    r = _r(3, W[2])
    assert 0.8 < r < 0.95
    loss, rmse = evaluate(log, W, 4, UTC)
    assert loss == pytest.approx(-math.log(1 - r), rel=1e-9)
    assert rmse == pytest.approx(r, rel=1e-9)


def test_same_day_step_then_two_long_term_reviews_by_hand() -> None:
    # Good, Good 10 minutes later (same day), Good on day 2, Again on day 7.
    log = [
        ReviewItem(1, START_MS, 3),
        ReviewItem(1, START_MS + 10 * MINUTE, 3),
        ReviewItem(1, START_MS + 2 * DAY, 3),
        ReviewItem(1, START_MS + 7 * DAY, 1),
    ]
    d_easy = W[4] - math.exp(3 * W[5]) + 1  # mean-reversion target, unclamped
    s0, d0 = W[2], W[4] - math.exp(2 * W[5]) + 1
    # same day: short-term formula, which Good never lets lower stability
    s1 = s0 * max(math.exp(W[17] * W[18]) * s0 ** -W[19], 1.0)
    d1 = W[7] * d_easy + (1 - W[7]) * d0  # Good leaves difficulty before mean reversion
    r1 = _r(2, s1)
    s2 = s1 * (1 + math.exp(W[8]) * (11 - d1) * s1 ** -W[9] * (math.exp((1 - r1) * W[10]) - 1))
    r2 = _r(5, s2)
    expected_loss = (-math.log(r1) - math.log(1 - r2)) / 2
    # intervals of 2 and 5 days fall in different bins, so each review is its own group
    expected_rmse = math.sqrt(((r1 - 1) ** 2 + r2**2) / 2)
    loss, rmse = evaluate(log, W, 4, UTC)
    assert loss == pytest.approx(expected_loss, rel=1e-9)
    assert rmse == pytest.approx(expected_rmse, rel=1e-9)
    assert card_histories(log, 4, UTC) == [[(3, 0), (3, 0), (3, 2), (1, 5)]]


def test_lapse_uses_the_forget_formula_by_hand() -> None:
    # Easy, Again after 4 days, Good 3 days later.
    log = [
        ReviewItem(5, START_MS, 4),
        ReviewItem(5, START_MS + 4 * DAY, 1),
        ReviewItem(5, START_MS + 7 * DAY, 3),
    ]
    raw_d0 = W[4] - math.exp(3 * W[5]) + 1
    assert raw_d0 < 1  # Easy's initial difficulty is clamped to 1
    s0, d0 = W[3], 1.0
    r1 = _r(4, s0)
    long_term = W[11] * d0 ** -W[12] * ((s0 + 1) ** W[13] - 1) * math.exp((1 - r1) * W[14])
    s1 = min(long_term, s0 / math.exp(W[17] * W[18]))
    r2 = _r(3, s1)
    loss, _ = evaluate(log, W, 4, UTC)
    assert loss == pytest.approx((-math.log(1 - r1) - math.log(r2)) / 2, rel=1e-9)


def test_better_parameters_score_better_on_their_own_log() -> None:
    log = simulate_log(KNOWN, cards=120)
    known_loss, known_rmse = evaluate(log, KNOWN, 4, UTC)
    default_loss, default_rmse = evaluate(log, DEFAULT_PARAMETERS, 4, UTC)
    assert known_loss < default_loss
    assert known_rmse < default_rmse


def test_evaluate_needs_a_scorable_review_and_21_parameters() -> None:
    same_day = [ReviewItem(1, START_MS, 3), ReviewItem(1, START_MS + MINUTE, 3)]
    with pytest.raises(NotEnoughReviews):
        evaluate(same_day, W, 4, UTC)
    log = [ReviewItem(1, START_MS, 3), ReviewItem(1, START_MS + DAY, 3)]
    with pytest.raises(BadInputError, match="21"):
        evaluate(log, W[:19], 4, UTC)


# -- from the log to histories -------------------------------------------------------------


def test_study_days_follow_the_rollover_hour_and_time_zone() -> None:
    plus10 = timezone(timedelta(hours=10))
    local = datetime(2026, 3, 1, 23, 0, tzinfo=plus10)

    def at(hours: float) -> int:
        return int((local + timedelta(hours=hours)).timestamp() * 1000)

    # 23:00, 03:00 (before the 04:00 rollover: same study day), 05:00, 05:00 a day later
    log = [ReviewItem(1, at(h), 3) for h in (0, 4, 6, 30)]
    assert card_histories(log, 4, plus10) == [[(3, 0), (3, 0), (3, 1), (3, 1)]]
    # with a midnight rollover 03:00 is already the next day
    assert card_histories(log, 0, plus10) == [[(3, 0), (3, 1), (3, 0), (3, 1)]]
    # the same instants in UTC (13:00, 17:00, 19:00, 19:00): one day, then the next
    assert card_histories(log, 4, UTC) == [[(3, 0), (3, 0), (3, 0), (3, 1)]]


def test_history_starts_at_the_last_answer_as_a_new_card() -> None:
    t = START_MS
    log = [
        # card 1: learnt, reviewed, reset to new, learnt again
        ReviewItem(1, t, 3, 0),
        ReviewItem(1, t + 2 * DAY, 3, 2),
        ReviewItem(1, t + 9 * DAY, 3, 0),
        ReviewItem(1, t + 11 * DAY, 1, 2),
        # card 2: the log begins with review answers (learning happened elsewhere)
        ReviewItem(2, t, 3, 2),
        ReviewItem(2, t + 5 * DAY, 3, 2),
        # card 3: answers out of order in the input; a rating outside 1-4 is ignored
        ReviewItem(3, t + DAY, 3, 1),
        ReviewItem(3, t, 2, 0),
        ReviewItem(3, t + 2 * DAY, 0, 2),
    ]
    assert card_histories(log, 4, UTC) == [[(3, 0), (1, 2)], [(2, 0), (3, 1)]]
    assert usable_reviews(log, 4, UTC) == 2


def test_not_enough_reviews_says_how_many_are_needed_and_there_are() -> None:
    log = [ReviewItem(1, START_MS, 3), ReviewItem(1, START_MS + DAY, 3)]
    with pytest.raises(NotEnoughReviews) as caught:
        optimize(log, W, 4, UTC)
    message = str(caught.value)
    assert f"at least {MIN_REVIEWS} reviews" in message
    assert message.endswith("there are 1")
    assert "\n" not in message
    assert caught.value.exit_code == 2
    assert (caught.value.have, caught.value.needed) == (1, MIN_REVIEWS)


def test_missing_extra_is_reported_with_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsrs_rs_python", None)  # makes the import fail
    assert optimizer_available() is False
    with pytest.raises(OptimizerUnavailable) as caught:
        optimize(simulate_log(KNOWN, cards=40), W, 4, UTC)
    assert INSTALL_HINT == "pip install 'cirrus-cards[optimizer]'"
    assert INSTALL_HINT in str(caught.value)
    assert caught.value.kind == "optimizer_missing"


# -- with the optimizer extra --------------------------------------------------------------


def test_memory_model_matches_fsrs_rs() -> None:
    rs = pytest.importorskip("fsrs_rs_python")
    rng = random.Random(5)
    for parameters in (DEFAULT_PARAMETERS, KNOWN):
        model = rs.FSRS(list(parameters))
        for _ in range(300):
            history = [(rng.randrange(1, 5), 0)] + [
                (rng.randrange(1, 5), rng.choice((0, 0, 1, 3, 12, 60)))
                for _ in range(rng.randrange(0, 10))
            ]
            item = rs.FSRSItem([rs.FSRSReview(r, dt) for r, dt in history])
            theirs = model.memory_state(item)
            state = None
            for rating, dt in history:
                state = next_state(state, rating, dt, parameters)
            assert state is not None
            assert state[0] == pytest.approx(theirs.stability, rel=1e-4)
            assert state[1] == pytest.approx(theirs.difficulty, rel=1e-4)


def test_build_items_one_per_training_review_oldest_first() -> None:
    pytest.importorskip("fsrs_rs_python")
    from app.core.optimizer import build_items

    log = [
        ReviewItem(2, START_MS + DAY, 3),
        ReviewItem(1, START_MS, 3),
        ReviewItem(1, START_MS + 10 * MINUTE, 4),
        ReviewItem(2, START_MS, 1),
        ReviewItem(1, START_MS + 3 * DAY, 3),
    ]
    items = build_items(log, 4, UTC)
    assert [repr(i) for i in items] == [
        "FSRSItem { reviews: [FSRSReview { rating: 1, delta_t: 0 }, "
        "FSRSReview { rating: 3, delta_t: 1 }] }",
        "FSRSItem { reviews: [FSRSReview { rating: 3, delta_t: 0 }, "
        "FSRSReview { rating: 4, delta_t: 0 }, FSRSReview { rating: 3, delta_t: 3 }] }",
    ]
    assert len(items) == usable_reviews(log, 4, UTC)


def test_optimiser_recovers_a_better_fit_than_the_defaults() -> None:
    pytest.importorskip("fsrs_rs_python")
    log = simulate_log(KNOWN)
    result = optimize(log, DEFAULT_PARAMETERS, 4, UTC)
    assert result.reviews_used == usable_reviews(log, 4, UTC) >= 1000
    assert len(result.parameters) == 21
    assert all(math.isfinite(w) for w in result.parameters)
    assert result.improved
    assert result.parameters != DEFAULT_PARAMETERS
    # lower log loss and RMSE than the defaults on the same log
    assert result.log_loss_after < result.log_loss_before - 0.005
    assert result.rmse_after < result.rmse_before
    assert (result.log_loss_before, result.rmse_before) == evaluate(log, DEFAULT_PARAMETERS, 4, UTC)
    assert (result.log_loss_after, result.rmse_after) == evaluate(log, result.parameters, 4, UTC)
    # about as good as the parameters the log was drawn from
    known_loss, _ = evaluate(log, KNOWN, 4, UTC)
    assert result.log_loss_after < known_loss + 0.01
    # the fitted curve forgets faster than the default one, as the true one does
    assert result.parameters[20] > DEFAULT_PARAMETERS[20]


def test_optimiser_keeps_parameters_that_already_fit_best() -> None:
    pytest.importorskip("fsrs_rs_python")
    log = simulate_log(KNOWN, cards=120)
    first = optimize(log, DEFAULT_PARAMETERS, 4, UTC)
    again = optimize(log, first.parameters, 4, UTC)
    # the fit from the same log is the same set, which is no better than itself
    assert not again.improved
    assert again.parameters == first.parameters
    assert again.log_loss_after == again.log_loss_before == first.log_loss_after
