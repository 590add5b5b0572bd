"""Statistics on a small hand-made review log; expected values worked out by hand here."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.core.models import Rating
from app.core.scheduling import DEFAULT_PARAMETERS
from app.storage.collection import Collection
from tests.conftest import T0, deck_text

DAY = 86_400_000
T0_MS = int(T0.timestamp() * 1000)
DECAY = -DEFAULT_PARAMETERS[20]
FACTOR = 0.9 ** (1 / DECAY) - 1

CARDS = """
## A one
<!-- id: a1; tags: service/alpha -->
x

## A two
<!-- id: a2; tags: service/alpha -->
x

## B one
<!-- id: b1; tags: service/beta -->
x
"""


def _r(days: float, stability: float) -> float:
    """FSRS retrievability after whole ``days`` for ``stability`` (the formula by hand)."""
    return (1 + FACTOR * int(days) / stability) ** DECAY


@pytest.fixture
def col(write_deck) -> Collection:
    c = Collection.in_memory(tz=T0.tzinfo)
    c.import_path(write_deck(deck_text(CARDS, tags="[domain/1-x]")), T0)
    yield c
    c.close()


def _card(col: Collection, uid: str) -> int:
    with col.engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT c.id FROM card c JOIN note n ON n.id = c.note_id WHERE n.uid = :u"),
                {"u": f"test/{uid}"},
            ).scalar_one()
        )


def _log(col, card, rating, at_ms, state_before, interval_days=None, stability=None):
    due = last = None
    if interval_days is not None:
        last = at_ms - int(interval_days * DAY)
        due = last + int(interval_days * DAY)
    with col.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO review_log (id, card_id, rating, reviewed_at, duration_ms, "
                "state_before, due_before, last_review_before, stability_before, reps_before, "
                "lapses_before, "
                "state_after) VALUES (:i, :c, :r, :t, 0, :s, :d, :l, :st, 0, 0, 2)"
            ),
            {
                "i": uuid.uuid4().hex,
                "c": card,
                "r": rating,
                "t": at_ms,
                "s": state_before,
                "d": due,
                "l": last,
                "st": stability,
            },
        )


def _set_memory(col, card, stability, last_days_ago, interval_days=10):
    with col.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE card SET state = 2, stability = :s, difficulty = 5, last_review = :l, "
                "due = :d WHERE id = :c"
            ),
            {
                "s": stability,
                "l": T0_MS - last_days_ago * DAY,
                "d": T0_MS - last_days_ago * DAY + interval_days * DAY,
                "c": card,
            },
        )


def _by_key(col, by="service", at=None):
    return {g.key: g for g in col.stats(by, T0, at)}


def test_true_retention_young_and_mature_per_period(col) -> None:
    a1, b1 = _card(col, "a1"), _card(col, "b1")
    _log(col, a1, 3, T0_MS - 2 * DAY, 2, interval_days=5)  # young pass, 2 days ago
    _log(col, a1, 1, T0_MS - 1 * DAY, 2, interval_days=8)  # young fail, yesterday
    _log(col, a1, 4, T0_MS - 40 * DAY, 2, interval_days=30)  # mature pass, 40 days ago
    _log(col, b1, 1, T0_MS - 3600_000, 2, interval_days=25)  # mature fail, today
    _log(col, b1, 3, T0_MS - 2 * 3600_000, 1)  # a learning answer: not retention
    stats = _by_key(col)
    alpha, beta = stats["alpha"].to_json(), stats["beta"].to_json()
    assert alpha["true_retention"]["young"] == {
        "1d": None,
        "7d": 0.5,
        "30d": 0.5,
        "365d": 0.5,
        "all": 0.5,
    }
    assert alpha["true_retention"]["mature"] == {
        "1d": None,
        "7d": None,
        "30d": None,
        "365d": 1.0,
        "all": 1.0,
    }
    assert alpha["true_retention"]["counts"]["young"]["7d"] == 2
    assert beta["true_retention"]["mature"]["1d"] == 0.0
    assert beta["true_retention"]["young"]["all"] is None  # no answers: None, never 0
    assert (alpha["reviews"], beta["reviews"]) == (3, 2)
    domain = _by_key(col, "domain")["1-x"].to_json()
    assert domain["true_retention"]["young"]["all"] == 0.5
    assert domain["true_retention"]["mature"]["all"] == 0.5  # one pass, one fail


def test_recall_now_coverage_and_projected(col) -> None:
    a1 = _card(col, "a1")
    _set_memory(col, a1, stability=10.0, last_days_ago=5)
    at = T0 + timedelta(days=30)
    alpha = _by_key(col, at=at)["alpha"]
    assert (alpha.cards, alpha.studied) == (2, 1)
    assert alpha.recall_now == pytest.approx(_r(5, 10.0))
    assert alpha.coverage_recall == pytest.approx(_r(5, 10.0) / 2)  # a2 unseen counts 0
    assert alpha.projected_recall == pytest.approx(_r(35, 10.0))
    assert alpha.projected_coverage_recall == pytest.approx(_r(35, 10.0) / 2)
    assert alpha.mean_stability_days == pytest.approx(10.0)
    beta = _by_key(col)["beta"]
    assert beta.recall_now is None and beta.coverage_recall == 0.0


def test_answers_and_undo_keep_the_aggregates_right(col) -> None:
    a1 = _card(col, "a1")
    _set_memory(col, a1, stability=3.0, last_days_ago=4, interval_days=4)
    assert _by_key(col)["alpha"].reviews == 0
    col.answer(a1, Rating.AGAIN, T0)
    alpha = _by_key(col)["alpha"]
    assert alpha.reviews == 1 and alpha.retention["1d"].young_fail == 1
    col.answer(_card(col, "b1"), Rating.GOOD, T0)  # a new card: counted, not retention
    assert _by_key(col)["beta"].retention["all"].young == None  # noqa: E711
    assert col.undo() is not None and col.undo() == a1
    alpha = _by_key(col)["alpha"]
    assert alpha.reviews == 0 and alpha.retention["1d"].young_fail == 0
    assert _by_key(col)["beta"].reviews == 0


def test_calibration_bins_predicted_against_observed(col) -> None:
    a1 = _card(col, "a1")
    _log(col, a1, 3, T0_MS - DAY, 2, interval_days=2, stability=2.0)  # predicted _r(2, 2)
    _log(col, a1, 1, T0_MS, 2, interval_days=20, stability=2.0)  # predicted _r(20, 2)
    col.refresh_stats()
    from app.storage import stats_repo

    with col.engine.connect() as conn:
        bins = stats_repo.calibration(conn, "tag:service/alpha")
    high, low = int(_r(2, 2.0) * 10), int(_r(20, 2.0) * 10)
    assert {b: (c, p) for b, c, p, _ in bins} == {high: (1, 1), low: (1, 0)}


def test_deck_grouping_and_unknown_grouping(col) -> None:
    stats = _by_key(col, "deck")
    assert stats["Test::Sub"].cards == 3
    from app.core.errors import BadInputError

    with pytest.raises(BadInputError):
        col.stats("colour", T0)
