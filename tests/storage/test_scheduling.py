"""The stored state after answers equals what the fsrs library computes itself."""

from __future__ import annotations

import random
from datetime import UTC, timedelta

import fsrs
from sqlalchemy import text

from app.core.models import CardState, Rating
from app.core.scheduling import fuzzed_interval
from app.storage.collection import Collection
from tests.conftest import T0, deck_text


def _no_fuzz(col: Collection) -> None:
    with col.engine.begin() as conn:
        conn.execute(text("UPDATE preset SET fuzz = 0"))


def test_answers_store_the_state_fsrs_computes(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text("## Q\n<!-- id: q -->\nA\n")), T0)
    _no_fuzz(col)
    card_id = col.next_card(T0).card_id
    reference = fsrs.Scheduler(enable_fuzzing=False)
    ref_card = fsrs.Card(card_id=1, due=T0)
    ratings = [
        Rating.GOOD,
        Rating.GOOD,
        Rating.AGAIN,
        Rating.GOOD,
        Rating.HARD,
        Rating.EASY,
        Rating.GOOD,
    ]
    now = T0
    for rating in ratings:
        col.answer(card_id, rating, now)
        ref_card, _ = reference.review_card(ref_card, fsrs.Rating(int(rating)), now)
        stored = col.card(card_id).memory
        assert stored.state == CardState(int(ref_card.state))
        assert stored.step == ref_card.step
        assert stored.stability == ref_card.stability
        assert stored.difficulty == ref_card.difficulty
        assert stored.due == ref_card.due
        assert stored.last_review == ref_card.last_review
        now = ref_card.due + timedelta(hours=1)
    assert col.card(card_id).memory.reps == len(ratings)
    assert col.card(card_id).memory.lapses == 1
    assert col.totals()["review_logs"] == len(ratings)


def test_fuzz_is_seeded_and_equals_fsrs_own_fuzz(monkeypatch) -> None:
    a = [fuzzed_interval(timedelta(days=40), 36500, random.Random(3)) for _ in range(3)]
    b = [fuzzed_interval(timedelta(days=40), 36500, random.Random(3)) for _ in range(3)]
    assert a == b
    scheduler = fsrs.Scheduler()
    for days in (3, 7, 15, 40, 400):
        for seed in range(20):
            theirs = random.Random(seed)
            monkeypatch.setattr(fsrs.scheduler, "random", theirs.random)
            expected = scheduler._get_fuzzed_interval(interval=timedelta(days=days))
            assert fuzzed_interval(timedelta(days=days), 36500, random.Random(seed)) == expected
    draws = {fuzzed_interval(timedelta(days=40), 36500, random.Random(s)).days for s in range(300)}
    assert len(draws) > 3 and all(30 < d < 50 for d in draws)
    assert fuzzed_interval(timedelta(days=2), 36500, random.Random(1)) == timedelta(days=2)


def test_preview_labels_match_the_answer_given(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text("## Q\n<!-- id: q -->\nA\n")), T0)
    _no_fuzz(col)
    card = col.next_card(T0)
    preview = col.preview(card, T0)
    assert preview[Rating.AGAIN] == timedelta(minutes=1)
    assert preview[Rating.GOOD] == timedelta(minutes=10)
    col.answer(card.card_id, Rating.EASY, T0)
    assert col.card(card.card_id).memory.due == T0 + preview[Rating.EASY]
    assert col.card(card.card_id).memory.due.tzinfo == UTC
