from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app.core.models import CardState, Rating
from app.storage.collection import Collection
from tests.conftest import T0, deck_text


def _basic_cards(n: int) -> str:
    return "".join(f"## Question {i}\n<!-- id: q{i} -->\nAnswer {i}\n\n" for i in range(n))


def _answer_next(col: Collection, rating: Rating, now) -> int:
    card = col.next_card(now)
    assert card is not None
    col.answer(card.card_id, rating, now)
    return card.card_id


def test_new_cards_come_in_deck_order(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_basic_cards(5))), T0)
    seen = []
    for _ in range(5):
        card = col.next_card(T0)
        seen.append(card.prompt)
        col.answer(card.card_id, Rating.EASY, T0)
    assert seen == [f"Question {i}" for i in range(5)]


def test_daily_new_limit_counted_from_the_log(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_basic_cards(30))), T0)
    assert col.counts(T0).new == 20
    for _ in range(20):
        _answer_next(col, Rating.EASY, T0)
    assert col.counts(T0).new == 0
    assert col.next_card(T0) is None
    # the limit is per study day: after 04:00 the next day, 10 more are left
    tomorrow = T0.replace(hour=4, minute=1) + timedelta(days=1)
    assert col.counts(tomorrow).new == 10
    before_rollover = T0.replace(hour=3, minute=59) + timedelta(days=1)
    assert col.counts(before_rollover).new == 0


def test_review_limit(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_basic_cards(5))), T0)
    for _ in range(5):
        _answer_next(col, Rating.EASY, T0)
    with col.engine.begin() as conn:
        conn.execute(text("UPDATE preset SET reviews_per_day = 2"))
    col._changed()
    later = T0 + timedelta(days=60)
    assert col.counts(later).review == 2
    _answer_next(col, Rating.GOOD, later)
    _answer_next(col, Rating.GOOD, later)
    assert col.counts(later).review == 0
    assert col.next_card(later) is None


def test_learning_cards_come_first_when_due(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_basic_cards(3))), T0)
    first = _answer_next(col, Rating.AGAIN, T0)  # due again in 1 minute
    assert col.next_card(T0).card_id != first  # not due yet: a new card comes
    assert col.next_card(T0 + timedelta(minutes=2)).card_id == first


def test_learning_card_shown_early_when_nothing_else_is_left(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_basic_cards(1))), T0)
    first = _answer_next(col, Rating.GOOD, T0)  # due in 10 minutes
    assert col.next_card(T0).card_id == first  # within the 20-minute learn-ahead
    counts = col.counts(T0)
    assert (counts.new, counts.learning) == (0, 1)


def test_siblings_wait_until_tomorrow(col: Collection, write_deck) -> None:
    cards = (
        "## Term\n<!-- id: t; type: reversed -->\nDefinition\n\n"
        "## {{c1::A}} and {{c2::B}}\n<!-- id: c -->\n"
    )
    col.import_path(write_deck(deck_text(cards)), T0)
    assert col.counts(T0).new == 4
    first = col.next_card(T0)
    col.answer(first.card_id, Rating.EASY, T0)
    assert col.counts(T0).new == 2  # the reversed sibling waits
    second = col.next_card(T0)
    assert second.note_id != first.note_id
    col.answer(second.card_id, Rating.EASY, T0)
    assert col.next_card(T0) is None
    tomorrow = T0 + timedelta(days=1)
    assert col.counts(tomorrow).new == 2


def test_due_reviews_come_before_new_cards(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_basic_cards(3))), T0)
    reviewed = _answer_next(col, Rating.EASY, T0)
    due_day = col.card(reviewed).memory.due
    card = col.next_card(due_day + timedelta(hours=1))
    assert card.card_id == reviewed
    assert card.memory.state == CardState.REVIEW


def test_deck_filter_and_tree_counts_include_children(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(_basic_cards(2), deck="Top::A", uid="a"), "a.md"), T0)
    col.import_path(write_deck(deck_text(_basic_cards(3), deck="Top::B", uid="b"), "b.md"), T0)
    roots, counts = col.deck_tree(T0)
    assert [r.name for r in roots] == ["Top"]
    assert counts["Top"].new == 5 and counts["Top::A"].new == 2 and counts["Top::B"].new == 3
    card = col.next_card(T0, "Top::B")
    assert card.deck_name == "Top::B"
    assert col.counts(T0, "Top::A").new == 2
