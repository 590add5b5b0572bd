"""The plain FSRS step gives what ``fsrs.Scheduler.review_card`` gives, bit for bit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.fsrs_step import FsrsStep
from app.core.models import CardState, Memory, Rating
from app.core.scheduling import CardScheduler, SchedulerSettings

NOW = datetime(2026, 3, 14, 9, 26, 53, 589_793, tzinfo=UTC)

parameters = st.tuples(
    *(
        st.floats(min_value=low, max_value=high, allow_nan=False)
        for low, high in zip(LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
    )
)
seconds = st.integers(min_value=1, max_value=3 * 86400)
options = st.fixed_dictionaries(
    {
        "parameters": st.one_of(st.just(fsrs.scheduler.DEFAULT_PARAMETERS), parameters),
        "desired_retention": st.floats(min_value=0.7, max_value=0.99),
        "learning_steps": st.lists(seconds, max_size=4).map(tuple),
        "relearning_steps": st.lists(seconds, max_size=3).map(tuple),
        "maximum_interval": st.integers(min_value=1, max_value=36500),
    }
)
stabilities = st.one_of(
    st.floats(min_value=0.001, max_value=100_000, allow_nan=False),
    st.sampled_from([0.001, 0.1, 1.0, 2.5, 100.0, 36500.0]),
)
difficulties = st.floats(min_value=1.0, max_value=10.0)
# whole days and parts of days since the last review; negative: the clock went back
since = st.one_of(
    st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=3650)),
    st.sampled_from([timedelta(0), timedelta(hours=23, minutes=59), timedelta(days=1)]),
)
ratings = st.sampled_from(list(Rating))


def _library(opts: dict[str, object]) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        parameters=opts["parameters"],  # type: ignore[arg-type]
        desired_retention=opts["desired_retention"],  # type: ignore[arg-type]
        learning_steps=[timedelta(seconds=s) for s in opts["learning_steps"]],  # type: ignore[attr-defined]
        relearning_steps=[timedelta(seconds=s) for s in opts["relearning_steps"]],  # type: ignore[attr-defined]
        maximum_interval=opts["maximum_interval"],  # type: ignore[arg-type]
        enable_fuzzing=False,
    )


def _plain(library: fsrs.Scheduler) -> FsrsStep:
    return FsrsStep(
        library.parameters,
        library.desired_retention,
        library.learning_steps,
        library.relearning_steps,
        library.maximum_interval,
    )


def _assert_same(got: tuple[object, ...] | None, card: fsrs.Card) -> None:
    assert got is not None
    state, step, stability, difficulty, interval = got
    assert state == int(card.state)
    assert step == card.step
    assert stability == card.stability  # exactly: the same floats
    assert difficulty == card.difficulty
    assert NOW + interval == card.due  # type: ignore[operator]


@settings(max_examples=600, deadline=None)
@given(
    opts=options,
    state=st.sampled_from([fsrs.State.Learning, fsrs.State.Review, fsrs.State.Relearning]),
    step=st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
    stability=st.one_of(st.none(), stabilities),
    difficulty=st.one_of(st.none(), difficulties),
    ago=st.one_of(st.none(), since),
    rating=ratings,
)
def test_every_state_rating_and_elapsed_time_matches_the_library(
    opts: dict[str, object],
    state: fsrs.State,
    step: int | None,
    stability: float | None,
    difficulty: float | None,
    ago: timedelta | None,
    rating: Rating,
) -> None:
    library = _library(opts)
    last = None if ago is None else NOW - ago
    card = fsrs.Card(
        card_id=1,
        state=state,
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=NOW,
        last_review=last,
    )
    elapsed = None if last is None else (NOW - last).days
    got = _plain(library).outcome(
        int(state), card.step, stability, difficulty, elapsed, int(rating)
    )
    try:
        after, _ = library.review_card(card, fsrs.Rating(int(rating)), NOW)
    except AssertionError:  # the library refuses the card: the plain step leaves it
        assert got is None
        return
    _assert_same(got, after)


@settings(max_examples=400, deadline=None)
@given(
    opts=options,
    state=st.sampled_from([1, 2, 3]),
    step=st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
    stability=st.one_of(st.none(), stabilities),
    difficulty=st.one_of(st.none(), difficulties),
    elapsed=st.one_of(st.none(), st.integers(min_value=-30, max_value=3650)),
)
def test_the_four_ratings_at_once_are_each_rating_alone(
    opts: dict[str, object],
    state: int,
    step: int | None,
    stability: float | None,
    difficulty: float | None,
    elapsed: int | None,
) -> None:
    """The interval previews work out all four ratings in one step: the same floats."""
    plain = _plain(_library(opts))
    together = plain.outcomes(state, step, stability, difficulty, elapsed)
    alone = tuple(
        plain.outcome(state, step, stability, difficulty, elapsed, int(r)) for r in Rating
    )
    assert together == alone


@settings(max_examples=200, deadline=None)
@given(opts=options, rating=ratings, more=st.lists(ratings, max_size=6), gaps=st.data())
def test_a_new_card_answered_again_and_again_matches_the_library(
    opts: dict[str, object], rating: Rating, more: list[Rating], gaps: st.DataObject
) -> None:
    """A history through the scheduler the study screen uses, every step checked."""
    library = _library(opts)
    ours = CardScheduler(
        SchedulerSettings(
            desired_retention=opts["desired_retention"],  # type: ignore[arg-type]
            learning_steps=opts["learning_steps"],  # type: ignore[arg-type]
            relearning_steps=opts["relearning_steps"],  # type: ignore[arg-type]
            maximum_interval=opts["maximum_interval"],  # type: ignore[arg-type]
            parameters=opts["parameters"],  # type: ignore[arg-type]
            fuzz=False,
        )
    )
    memory = Memory(CardState.NEW, None, None, None, None, None, 0, 0)
    card = fsrs.Card(card_id=1, due=NOW)
    now = NOW
    for answer in [rating, *more]:
        preview = ours.preview(memory, now)
        memory = ours.review(memory, answer, now)
        card, _ = library.review_card(card, fsrs.Rating(int(answer)), now)
        assert (memory.state, memory.step) == (CardState(int(card.state)), card.step)
        assert (memory.stability, memory.difficulty) == (card.stability, card.difficulty)
        assert memory.due == card.due == now + preview[answer]
        now = card.due + gaps.draw(since.filter(lambda d: d >= timedelta(0)), label="late by")


def test_the_library_refusal_is_left_to_the_library() -> None:
    """A review card without memory: the plain step declines, the scheduler says why."""
    plain = _plain(fsrs.Scheduler(enable_fuzzing=False))
    assert plain.outcome(2, None, None, 5.0, 3, 3) is None
    assert plain.outcome(3, None, 2.0, 5.0, 3, 3) is None
    scheduler = CardScheduler(SchedulerSettings(fuzz=False))
    broken = Memory(CardState.REVIEW, None, None, 5.0, NOW, NOW - timedelta(days=3), 4, 0)
    with pytest.raises(AssertionError):
        scheduler.review(broken, Rating.GOOD, NOW)
