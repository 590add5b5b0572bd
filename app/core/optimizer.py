"""FSRS parameter optimisation from a review log, and how well a parameter set fits it.

Fitting uses ``fsrs-rs-python``, the Rust optimiser Anki uses. It ships no licence file,
so it is an optional extra (``pip install 'cirrus-cards[optimizer]'``) that Cirrus never
bundles; it is imported only when needed, never with this module. Scoring (:func:`evaluate`) is
pure Python, so it works without the extra and compares two parameter sets on the same
reviews with the same arithmetic.

How a review log becomes training data (the conventions of fsrs-rs and Anki):

* Reviews are grouped per card and put in time order; ratings other than 1-4 are dropped.
* A card's history starts at its last answer given while the card was new; answers
  before it belong to a history that was reset. A card whose log has states but no
  answer as a new card (its learning happened before the log began) is left out, since
  FSRS would start it from a wrong memory state.
* ``delta_t`` is the number of study days (the day starts at ``day_start_hour`` local
  time) between an answer and the card's previous answer: 0 for the first answer and
  for same-day repeats, which FSRS models with its short-term formula.
* Every answer after the first that falls on a later study day than the previous answer
  is one training review: FSRS predicts its recall from the history before it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from app.core.errors import BadInputError, CirrusError

MIN_REVIEWS = 64
"""Training reviews needed before optimising.

fsrs-rs returns the default parameters unchanged below 8 training reviews, and below 64
it fits only the four initial stabilities and keeps the other 17 parameters at their
defaults. 64 is therefore the smallest number from which all 21 parameters are fitted
(fsrs-rs may still set a few rare reviews aside as outliers).
"""

PARAMETER_COUNT = 21
INSTALL_HINT = "pip install 'cirrus-cards[optimizer]'"

_S_MIN = 0.001
_S_MAX = 36500.0
_D_MIN = 1.0
_D_MAX = 10.0
_P_EPS = 1e-6
_NEW = 0


class OptimizerUnavailable(CirrusError):
    """The optional ``fsrs-rs-python`` package is not installed."""

    kind = "optimizer_missing"

    def __init__(self) -> None:
        super().__init__(
            "FSRS optimisation needs the optional package fsrs-rs-python; install it with: "
            f"{INSTALL_HINT}"
        )


class NotEnoughReviews(BadInputError):
    """Too few training reviews for a meaningful fit."""

    kind = "not_enough_reviews"

    def __init__(self, have: int, needed: int = MIN_REVIEWS) -> None:
        self.have = have
        self.needed = needed
        super().__init__(
            f"FSRS optimisation needs at least {needed} reviews made on a later day than the "
            f"card's previous review (first answers and same-day repeats do not count); "
            f"there are {have}"
        )


@dataclass(frozen=True)
class ReviewItem:
    """One answer from the review log."""

    card_id: int
    reviewed_at_ms: int
    """UTC epoch milliseconds."""
    rating: int
    """1 again, 2 hard, 3 good, 4 easy."""
    state_before: int | None = None
    """The card's state before the answer (0 new, 1 learning, 2 review, 3 relearning);
    None when unknown, in which case the log is taken to hold the card's whole history."""


@dataclass(frozen=True)
class OptimizeResult:
    reviews_used: int
    parameters: tuple[float, ...]
    """21 numbers: the fitted set, or the current one when the fit was not better."""
    log_loss_before: float
    log_loss_after: float
    rmse_before: float
    rmse_after: float
    improved: bool = True
    """False when the fitted set predicted the log no better than the current one, which is
    then kept (as Anki does)."""


History = list[tuple[int, int]]
"""One card's answers as (rating, delta_t in days), the first with delta_t 0."""


def optimizer_available() -> bool:
    """Whether ``fsrs-rs-python`` can be imported."""
    try:
        _fsrs_rs()
    except OptimizerUnavailable:
        return False
    return True


def _fsrs_rs() -> Any:
    try:
        import fsrs_rs_python
    except ImportError as exc:
        raise OptimizerUnavailable() from exc
    return fsrs_rs_python


# -- from a review log to per-card histories -------------------------------------------


def _study_day(ms: int, day_start_hour: int, tz: tzinfo | None) -> int:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    return (local - timedelta(hours=day_start_hour)).date().toordinal()


def _histories(
    reviews: Sequence[ReviewItem], day_start_hour: int, tz: tzinfo | None
) -> list[tuple[list[int], History]]:
    """Per usable card: the answer times (ms) and the (rating, delta_t) history."""
    by_card: dict[int, list[ReviewItem]] = {}
    for review in reviews:
        if 1 <= review.rating <= 4:
            by_card.setdefault(review.card_id, []).append(review)
    out: list[tuple[list[int], History]] = []
    for card_id in sorted(by_card):
        entries = sorted(by_card[card_id], key=lambda r: r.reviewed_at_ms)
        start = _history_start(entries)
        if start is None:
            continue
        entries = entries[start:]
        times: list[int] = []
        history: History = []
        previous: int | None = None
        for entry in entries:
            day = _study_day(entry.reviewed_at_ms, day_start_hour, tz)
            history.append((entry.rating, 0 if previous is None else max(0, day - previous)))
            times.append(entry.reviewed_at_ms)
            previous = day
        out.append((times, history))
    return out


def _history_start(entries: Sequence[ReviewItem]) -> int | None:
    """Index of the card's last answer as a new card; None to leave the card out."""
    if all(e.state_before is None for e in entries):
        return 0
    for index in range(len(entries) - 1, -1, -1):
        if entries[index].state_before == _NEW:
            return index
    return None


def card_histories(
    reviews: Sequence[ReviewItem], day_start_hour: int = 4, tz: tzinfo | None = None
) -> list[History]:
    """Each usable card's history as FSRS sees it, by card id."""
    return [history for _, history in _histories(reviews, day_start_hour, tz)]


def _training_count(histories: Sequence[tuple[list[int], History]]) -> int:
    return sum(
        1 for _, history in histories for index, (_, dt) in enumerate(history) if index and dt > 0
    )


def usable_reviews(
    reviews: Sequence[ReviewItem], day_start_hour: int = 4, tz: tzinfo | None = None
) -> int:
    """How many training reviews the log holds (the figure :data:`MIN_REVIEWS` applies to)."""
    return _training_count(_histories(reviews, day_start_hour, tz))


def build_items(
    reviews: Sequence[ReviewItem], day_start_hour: int = 4, tz: tzinfo | None = None
) -> list[Any]:
    """fsrs-rs training items (``FSRSItem``), one per training review, oldest first.

    Each item holds the card's history up to and including that review, same-day
    answers included (delta_t 0). fsrs-rs weights later items more, so the order is by
    the time of the reviewed answer. ``tz`` None means the system's time zone.
    """
    return _items(_fsrs_rs(), _histories(reviews, day_start_hour, tz))


def _items(rs: Any, histories: Sequence[tuple[list[int], History]]) -> list[Any]:
    dated: list[tuple[int, int, Any]] = []
    for card_index, (times, history) in enumerate(histories):
        steps = [rs.FSRSReview(rating, dt) for rating, dt in history]
        for index in range(1, len(history)):
            if history[index][1] > 0:
                dated.append((times[index], card_index, rs.FSRSItem(steps[: index + 1])))
    dated.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _, _, item in dated]


# -- scoring with the FSRS-6 memory model ----------------------------------------------


def _check(parameters: Sequence[float]) -> tuple[float, ...]:
    values = tuple(float(v) for v in parameters)
    if len(values) != PARAMETER_COUNT or not all(math.isfinite(v) for v in values):
        raise BadInputError(f"FSRS parameters must be {PARAMETER_COUNT} finite numbers")
    return values


def retrievability(elapsed_days: float, stability: float, w: Sequence[float]) -> float:
    """FSRS-6 forgetting curve: recall probability ``elapsed_days`` after the last review."""
    decay = -w[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * elapsed_days / stability) ** decay)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _init_difficulty(rating: int, w: Sequence[float]) -> float:
    return w[4] - math.exp(w[5] * (rating - 1)) + 1


def next_state(
    state: tuple[float, float] | None, rating: int, delta_t: int, w: Sequence[float]
) -> tuple[float, float]:
    """The (stability, difficulty) after one answer, as fsrs-rs computes it in training.

    ``state`` is None before the first answer; ``delta_t`` 0 is a same-day repeat, which
    uses FSRS's short-term formula (where Hard, Good and Easy never lower stability).
    """
    if state is None:
        return (
            _clamp(w[rating - 1], _S_MIN, _S_MAX),
            _clamp(_init_difficulty(rating, w), _D_MIN, _D_MAX),
        )
    s, d = state
    if delta_t == 0:
        increase = math.exp(w[17] * (rating - 3 + w[18])) * s ** -w[19]
        if rating > 1:
            increase = max(increase, 1.0)
        new_s = s * increase
    else:
        r = retrievability(delta_t, s, w)
        if rating == 1:
            long_term = w[11] * d ** -w[12] * ((s + 1) ** w[13] - 1) * math.exp((1 - r) * w[14])
            new_s = min(long_term, s / math.exp(w[17] * w[18]))
        else:
            hard = w[15] if rating == 2 else 1.0
            easy = w[16] if rating == 4 else 1.0
            new_s = s * (
                1
                + math.exp(w[8])
                * (11 - d)
                * s ** -w[9]
                * (math.exp((1 - r) * w[10]) - 1)
                * hard
                * easy
            )
    damped = d - w[6] * (rating - 3) * (10 - d) / 9
    new_d = w[7] * _init_difficulty(4, w) + (1 - w[7]) * damped
    return _clamp(new_s, _S_MIN, _S_MAX), _clamp(new_d, _D_MIN, _D_MAX)


def _bin(value: float, multiplier: float, base: float) -> float:
    return multiplier * base ** math.floor(math.log(value, base))


def _predictions(
    histories: Sequence[tuple[list[int], History]], w: Sequence[float]
) -> list[tuple[float, int, tuple[int, int, int]]]:
    """(predicted recall, recalled 0/1, RMSE bin) for every training review."""
    out: list[tuple[float, int, tuple[int, int, int]]] = []
    for _, history in histories:
        state: tuple[float, float] | None = None
        long_term = 0
        lapses = 0
        for rating, dt in history:
            if state is not None and dt > 0:
                p = retrievability(dt, state[0], w)
                key = (
                    round(_bin(dt, 2.48, 3.62) * 100),
                    round(_bin(long_term + 2, 1.99, 1.89)),
                    round(_bin(lapses, 1.65, 1.73)) if lapses else 0,
                )
                out.append((p, 1 if rating > 1 else 0, key))
            state = next_state(state, rating, dt, w)
            if dt > 0:
                long_term += 1
                lapses += rating == 1
    return out


def _metrics(
    histories: Sequence[tuple[list[int], History]], w: Sequence[float]
) -> tuple[float, float]:
    scored = _predictions(histories, w)
    if not scored:
        raise NotEnoughReviews(0, 1)
    loss = 0.0
    bins: dict[tuple[int, int, int], list[float]] = {}
    for p, y, key in scored:
        q = _clamp(p, _P_EPS, 1 - _P_EPS)
        loss -= math.log(q) if y else math.log(1 - q)
        acc = bins.setdefault(key, [0.0, 0.0, 0.0])
        acc[0] += p
        acc[1] += y
        acc[2] += 1
    squared = sum(n * (sp / n - sy / n) ** 2 for sp, sy, n in bins.values())
    return loss / len(scored), math.sqrt(squared / len(scored))


def evaluate(
    reviews: Sequence[ReviewItem],
    parameters: Sequence[float],
    day_start_hour: int = 4,
    tz: tzinfo | None = None,
) -> tuple[float, float]:
    """(log loss, RMSE) of ``parameters`` on the training reviews of ``reviews``.

    Each card's history is replayed with the FSRS-6 memory model; before every training
    review the predicted recall ``p`` is compared with ``y`` = 1 when the rating is above 1
    (else 0). Log loss is the mean of ``-(y ln p + (1 - y) ln(1 - p))``. RMSE is the FSRS
    benchmark's binned RMSE: reviews are grouped by interval, review count and lapse count
    (the bins fsrs-rs uses), and it is the square root of the count-weighted mean of
    ``(mean p - mean y)**2`` over the groups. Every review weighs the same (fsrs-rs's own
    evaluation weights recent reviews more, so its figures differ slightly).
    """
    return _metrics(_histories(reviews, day_start_hour, tz), _check(parameters))


# -- optimising --------------------------------------------------------------------------


def optimize(
    reviews: Sequence[ReviewItem],
    current_parameters: Sequence[float],
    day_start_hour: int = 4,
    tz: tzinfo | None = None,
) -> OptimizeResult:
    """Fit one FSRS-6 parameter set to the whole log with fsrs-rs.

    Raises :class:`NotEnoughReviews` below :data:`MIN_REVIEWS` training reviews and
    :class:`OptimizerUnavailable` without the ``optimizer`` extra. The fitted set is
    rounded to 4 decimals; if it does not lower the log loss of ``current_parameters`` on
    this log, the current set is returned with ``improved`` False.
    """
    current = _check(current_parameters)
    histories = _histories(reviews, day_start_hour, tz)
    count = _training_count(histories)
    if count < MIN_REVIEWS:
        raise NotEnoughReviews(count)
    rs = _fsrs_rs()
    try:
        fitted = rs.FSRS(list(rs.DEFAULT_PARAMETERS)).compute_parameters(_items(rs, histories))
    except ValueError as exc:
        raise CirrusError(f"the FSRS optimiser failed: {exc}") from exc
    if len(fitted) != PARAMETER_COUNT:
        raise CirrusError(f"the optimiser returned {len(fitted)} parameters, not 21")
    parameters = tuple(round(float(v), 4) for v in fitted)
    loss_before, rmse_before = _metrics(histories, current)
    loss_after, rmse_after = _metrics(histories, parameters)
    if loss_after >= loss_before:
        return OptimizeResult(
            count, current, loss_before, loss_before, rmse_before, rmse_before, improved=False
        )
    return OptimizeResult(count, parameters, loss_before, loss_after, rmse_before, rmse_after)
