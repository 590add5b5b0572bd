from __future__ import annotations

from datetime import timedelta

from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import T0, deck_text


def test_undo_restores_exact_state_and_removes_the_log(col: Collection, write_deck) -> None:
    col.import_path(
        write_deck(deck_text("## Q\n<!-- id: q -->\nA\n\n## R\n<!-- id: r -->\nB\n")), T0
    )
    card = col.next_card(T0)
    col.answer(card.card_id, Rating.GOOD, T0)
    col.answer(card.card_id, Rating.GOOD, T0 + timedelta(minutes=10))
    before = col.card(card.card_id)
    col.answer(card.card_id, Rating.AGAIN, T0 + timedelta(days=3))
    assert col.totals()["review_logs"] == 3
    assert col.undo() == card.card_id
    assert col.card(card.card_id) == before
    assert col.totals()["review_logs"] == 2


def test_undo_of_a_new_card_puts_it_back_in_the_new_queue(col: Collection, write_deck) -> None:
    col.import_path(
        write_deck(deck_text("## Q\n<!-- id: q -->\nA\n\n## R\n<!-- id: r -->\nB\n")), T0
    )
    first = col.next_card(T0)
    col.answer(first.card_id, Rating.EASY, T0)
    assert col.counts(T0).new == 1
    col.undo()
    assert col.counts(T0).new == 2
    again = col.next_card(T0)
    assert again.card_id == first.card_id  # same place in deck order
    assert again == first


def test_nothing_to_undo(col: Collection) -> None:
    assert not col.can_undo
    assert col.undo() is None
