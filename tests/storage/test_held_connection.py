"""The collection's one held connection: what an answer or a failed write leaves on disk,
as another connection to the file sees it."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.errors import CirrusError
from app.core.models import CardState, Memory, Rating
from app.core.scheduling import CardScheduler, SchedulerSettings
from app.sqlite import sqlite3
from app.storage.collection import Collection
from app.storage.collection_file import DB_NAME
from app.storage.engine import raw_connection
from tests.conftest import T0, deck_text

DECK = "## Q\n<!-- id: q -->\nA\n\n## R\n<!-- id: r -->\nB\n"


def _outside(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(folder / DB_NAME)


def test_an_answer_is_in_the_file_when_answer_returns(tmp_path: Path, write_deck) -> None:
    col = Collection.open(tmp_path / "data")
    try:
        col.import_path(write_deck(deck_text(DECK)), T0)
        card = col.next_card(T0)
        assert card is not None
        col.answer(card.card_id, Rating.GOOD, T0)
        other = _outside(tmp_path / "data")
        (logs,) = other.execute("SELECT COUNT(*) FROM review_log").fetchone()
        (state,) = other.execute("SELECT state FROM card WHERE id = ?", (card.card_id,)).fetchone()
        other.close()
        assert logs == 1
        assert state != int(CardState.NEW)
        # and undo's write reaches the file too
        col.undo()
        other = _outside(tmp_path / "data")
        assert other.execute("SELECT COUNT(*) FROM review_log").fetchone() == (0,)
        other.close()
    finally:
        col.close()


def test_a_write_that_fails_leaves_nothing_and_the_next_one_works(
    tmp_path: Path, write_deck
) -> None:
    col = Collection.open(tmp_path / "data")
    try:
        col.import_path(write_deck(deck_text(DECK)), T0)
        card = col.next_card(T0)
        assert card is not None
        with pytest.raises(RuntimeError), col._write() as conn:
            raw_connection(conn).execute("UPDATE card SET reps = 99")
            raise RuntimeError("stopped half way")
        other = _outside(tmp_path / "data")
        assert other.execute("SELECT MAX(reps) FROM card").fetchone() == (0,)
        other.close()
        col.answer(card.card_id, Rating.GOOD, T0)
        assert col.totals()["review_logs"] == 1
        assert col.counts(T0).new == 1
    finally:
        col.close()


def test_a_locked_file_is_a_clear_error_and_the_collection_goes_on(
    tmp_path: Path, write_deck
) -> None:
    col = Collection.open(tmp_path / "data")
    try:
        col.import_path(write_deck(deck_text(DECK)), T0)
        card = col.next_card(T0)
        assert card is not None
        blocker = _outside(tmp_path / "data")
        blocker.execute("PRAGMA busy_timeout = 0")
        blocker.execute("BEGIN IMMEDIATE")
        col._held._get().exec_driver_sql("PRAGMA busy_timeout = 0")
        with pytest.raises(CirrusError):
            col.answer(card.card_id, Rating.GOOD, T0)
        blocker.rollback()
        blocker.close()
        col.answer(card.card_id, Rating.GOOD, T0)
        assert col.totals()["review_logs"] == 1
    finally:
        col.close()


def test_interval_previews_and_the_answer_agree_with_fsrs_alone() -> None:
    """Previews and the answer share one FSRS computation per card state; the result is
    what a fresh scheduler gives for each, also when a day passes between them."""
    rng = random.Random(3)
    shared = CardScheduler(SchedulerSettings())
    for _ in range(60):
        memory = Memory(
            state=rng.choice(list(CardState)),
            step=rng.choice((0, 1)),
            stability=rng.uniform(0.5, 200),
            difficulty=rng.uniform(1, 10),
            due=T0 + timedelta(hours=rng.uniform(-200, 10)),
            last_review=T0 - timedelta(hours=rng.uniform(0, 2000)),
            reps=3,
            lapses=1,
        )
        if memory.state == CardState.NEW:
            memory = Memory()
        shown = T0 + timedelta(minutes=rng.uniform(0, 60))
        answered = shown + timedelta(seconds=rng.choice((5, 30, 86_400)))
        rating = rng.choice(list(Rating))
        fresh = CardScheduler(SchedulerSettings())
        assert shared.preview(memory, shown) == fresh.preview(memory, shown)
        got = shared.review(memory, rating, answered, random.Random(1))
        want = CardScheduler(SchedulerSettings()).review(memory, rating, answered, random.Random(1))
        assert got == want
