"""A search repeated finds what the collection holds now: the statements kept between
searches go with any change to the file (this collection's, or another connection's),
and searches of time are compiled for the moment they run."""

from __future__ import annotations

from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.models import Rating
from app.sqlite import sqlite3
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0


@pytest.fixture
def sample(tmp_path: Path) -> Collection:
    col = Collection.open(tmp_path)
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    yield col
    col.close()


def _deck_of_first_card(col: Collection) -> tuple[str, list[int]]:
    rows = col.card_rows(col.search_cards("", now=T0))
    deck = rows[0].deck
    return deck, [r.id for r in rows if r.deck == deck]


def test_a_deck_search_follows_cards_moved_into_a_new_deck(sample: Collection) -> None:
    deck, cards = _deck_of_first_card(sample)
    assert sorted(sample.search_cards(f'"deck:{deck}"')) == sorted(cards)
    assert sample.search_cards('"deck:Moved here"') == []
    sample.editing.change_deck(cards[:1], "Moved here", T0)
    assert sample.search_cards('"deck:Moved here"') == cards[:1]
    assert sorted(sample.search_cards(f'"deck:{deck}"')) == sorted(cards[1:])


def test_another_connections_change_is_seen(sample: Collection, tmp_path: Path) -> None:
    every = sorted(sample.search_cards(""))
    note_types = sorted(sample.search_cards("note:*"))
    assert note_types == every
    first = sample.editing.note_of_card(every[0])
    gone = set(sample.editing.cards_of_note(first))
    with closing(sqlite3.connect(tmp_path / "collection.sqlite")) as other, other:
        other.execute("UPDATE note SET retired = 1 WHERE id = ?", (first,))
    assert sorted(sample.search_cards("")) == sorted(set(every) - gone)
    assert sorted(sample.search_cards("note:*")) == sorted(set(every) - gone)


def test_rated_is_compiled_for_the_moment_it_runs(sample: Collection) -> None:
    card = sample.next_card(T0)
    assert card is not None
    sample.answer(card.card_id, Rating.GOOD, T0)
    assert sample.search_cards("rated:1", now=T0) == [card.card_id]
    assert sample.search_cards("rated:1", now=T0 + timedelta(days=3)) == []
    assert sample.search_cards("rated:5:3", now=T0 + timedelta(days=3)) == [card.card_id]
    assert sample.search_cards("rated:5:1", now=T0 + timedelta(days=3)) == []


def test_rated_leaves_out_cards_of_retired_notes(sample: Collection, tmp_path: Path) -> None:
    card = sample.next_card(T0)
    assert card is not None
    sample.answer(card.card_id, Rating.AGAIN, T0)
    assert sample.search_cards("rated:1:1", now=T0) == [card.card_id]
    with closing(sqlite3.connect(tmp_path / "collection.sqlite")) as other, other:
        other.execute("UPDATE note SET retired = 1 WHERE id = ?", (card.note_id,))
    assert sample.search_cards("rated:1:1", now=T0) == []
    assert sample.search_cards("prop:rated=0:1", now=T0) == []
