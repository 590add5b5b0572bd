"""Undo after the clock went back, and statistics right after an undo."""

from __future__ import annotations

from datetime import timedelta

from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import T0, deck_text

TWO_CARDS = "## Q\n<!-- id: q -->\nA\n\n## R\n<!-- id: r -->\nB\n"


def test_undo_takes_back_the_answer_it_names_after_the_clock_went_back(
    col: Collection, write_deck
) -> None:
    col.import_path(write_deck(deck_text(TWO_CARDS)), T0)
    card = col.next_card(T0)
    original = col.card(card.card_id)
    col.answer(card.card_id, Rating.GOOD, T0 + timedelta(days=1))
    after_first = col.card(card.card_id)
    # The system clock is set back a day: the second answer carries an earlier time.
    col.answer(card.card_id, Rating.AGAIN, T0)
    assert col.card(card.card_id) != after_first

    assert col.undo() == card.card_id
    assert col.card(card.card_id) == after_first
    with col.engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT rating, reviewed_at FROM review_log").all()
    assert [r[0] for r in left] == [int(Rating.GOOD)]

    assert col.undo() == card.card_id
    assert col.card(card.card_id) == original
    assert col.totals()["review_logs"] == 0


def test_statistics_count_an_answer_given_right_after_an_undo(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(TWO_CARDS)), T0)
    first = col.next_card(T0)
    col.answer(first.card_id, Rating.GOOD, T0)
    assert _reviews(col) == 1  # the aggregates now include the first answer
    col.undo()
    assert _reviews(col) == 0
    card = col.next_card(T0)
    col.answer(card.card_id, Rating.HARD, T0)
    assert _reviews(col) == 1
    col.answer(col.next_card(T0).card_id, Rating.GOOD, T0)
    assert _reviews(col) == 2


def _reviews(col: Collection) -> int:
    groups = col.stats("deck", T0)
    return sum(g.reviews for g in groups)
