"""Today's counts made ahead, on a connection of their own, while the main window is built:
the deck list shows them only when nothing was written in between."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.models import Rating
from app.storage import today_counts
from app.storage.collection import Collection
from tests.conftest import T0
from tests.storage.sibling_decks import toggle_suspension, write_sibling_deck

NOW = T0 + timedelta(days=3, hours=2)


@pytest.fixture
def col(tmp_path: Path) -> Collection:
    data = tmp_path / "data"
    col = Collection.open(data, tz=T0.tzinfo)
    col.import_path(write_sibling_deck(tmp_path, "a", "Test::A", "a", 12), T0)
    col.import_path(write_sibling_deck(tmp_path, "b", "Test::B", "b", 6), T0)
    for minutes, rating in enumerate([Rating.GOOD, Rating.EASY, Rating.AGAIN, Rating.GOOD]):
        card = col.next_card(T0 + timedelta(minutes=minutes))
        assert card is not None
        col.answer(card.card_id, rating, T0 + timedelta(minutes=minutes))
    col.close()
    return Collection.open(data, tz=T0.tzinfo)


def _recount(col: Collection) -> dict[str, tuple[int, int, int]]:
    """The deck list as a view of its own (another connection, nothing kept) counts it."""
    assert col.data_dir is not None
    view = Collection.open_for_reading(col.data_dir, tz=T0.tzinfo)
    try:
        return _shown(view)
    finally:
        view.close()


def _shown(col: Collection) -> dict[str, tuple[int, int, int]]:
    _, counts = col.deck_tree(NOW)
    return {name: (c.new, c.learning, c.review) for name, c in counts.items()}


class Spy:
    """Which thread counted, and a signal once the background count has read the file."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.threads: list[str] = []
        self.counted = threading.Event()
        original = today_counts._due_and_rest

        def count(raw, window):  # type: ignore[no-untyped-def]
            out = original(raw, window)
            self.threads.append(threading.current_thread().name)
            if threading.current_thread() is not threading.main_thread():
                self.counted.set()
            return out

        monkeypatch.setattr(today_counts, "_due_and_rest", count)


def test_the_deck_list_takes_the_counts_made_ahead(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    col.prefetch_counts(NOW)
    shown = _shown(col)
    assert spy.threads == ["cirrus-counts"]  # counted once, beside the caller
    spy.threads.clear()
    assert shown == _recount(col)
    assert any(new or learning or review for new, learning, review in shown.values())
    col.close()


def _answer_one(col: Collection) -> None:
    card = col.next_card(NOW)
    assert card is not None
    col.answer(card.card_id, Rating.GOOD, NOW)  # through the collection's own connection


def _suspend_five(col: Collection) -> None:
    for index in range(5):
        toggle_suspension(col, index)  # on a pooled connection, not the held one


@pytest.mark.parametrize("write", [_answer_one, _suspend_five])
def test_a_write_after_the_count_is_shown(
    col: Collection, monkeypatch: pytest.MonkeyPatch, write: Callable[[Collection], None]
) -> None:
    spy = Spy(monkeypatch)
    col.prefetch_counts(NOW)
    assert spy.counted.wait(10)  # the background count has read the file
    before = _recount(col)
    write(col)
    shown = _shown(col)
    assert shown == _recount(col)
    assert shown != before  # the write moved a count: the early copy was not taken
    col.close()


def test_closing_waits_for_the_count(col: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    col.prefetch_counts(NOW)
    col.close()
    assert spy.counted.is_set()  # the thread's connection was closed with the collection
