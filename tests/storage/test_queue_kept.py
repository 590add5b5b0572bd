"""The next card from the candidates kept in memory is the card a fresh read of the queue
gives, after any mix of answers, undos, burials, suspensions, option changes and time."""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.models import Rating, StudyCard
from app.storage.collection import Collection
from tests.conftest import T0, deck_text
from tests.storage.sibling_decks import sibling_cards, toggle_suspension, write_sibling_deck

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.sampled_from([1, 2, 3, 3, 4])),
        st.tuples(st.just("undo"), st.just(0)),
        st.tuples(st.just("counts"), st.just(0)),
        st.tuples(st.just("bury"), st.just(0)),
        st.tuples(st.just("suspend"), st.integers(0, 60)),
        st.tuples(st.just("options"), st.integers(0, 7)),
        st.tuples(st.just("minutes"), st.integers(1, 90)),
        st.tuples(st.just("day"), st.integers(1, 4)),
        st.tuples(st.just("deck"), st.sampled_from(["Test", "Test::A", "Test::B"])),
    ),
    min_size=1,
    max_size=60,
)


def _fresh(col: Collection, now: datetime, deck: str) -> StudyCard | None:
    """The next card read afresh (what is kept is put back: nothing was written)."""
    kept = col._queue._session
    col._queue.forget()
    card = col.next_card(now, deck)
    col._queue._session = kept
    return card


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS, seed=st.integers(0, 1000))
def test_kept_candidates_give_the_card_a_fresh_read_gives(tmp_path: Path, ops, seed) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    col = Collection.in_memory(tz=T0.tzinfo, rng=random.Random(seed))
    try:
        col.import_path(write_sibling_deck(folder, "a", "Test::A", "a", 24), T0)
        col.import_path(write_sibling_deck(folder, "b", "Test::B", "b", 12), T0)
        now, deck = T0, "Test"
        for op, arg in ops:
            card = col.next_card(now, deck)
            assert card == _fresh(col, now, deck), (op, arg)
            if op == "answer" and card is not None:
                col.answer(card.card_id, Rating(arg), now, 3000)
            elif op == "undo":
                col.undo()
            elif op == "counts":  # as the study screen does: the queue then reads their notes
                col.counts(now, deck)
            elif op == "bury" and card is not None:
                col.card_actions.bury(card.card_id, now)
            elif op == "suspend":
                toggle_suspension(col, arg)
            elif op == "options":  # bury siblings or not, and a small new-card limit
                preset = col.deck_options.preset(1)
                col.deck_options.save(
                    replace(
                        preset,
                        bury_new=bool(arg & 1),
                        bury_reviews=bool(arg & 2),
                        new_per_day=3 if arg & 4 else 20,
                    )
                )
            elif op == "minutes":
                now += timedelta(minutes=arg)
            elif op == "day":
                now += timedelta(days=arg, minutes=random.Random(arg).randrange(60))
            elif op == "deck":
                deck = arg
        assert col.next_card(now, deck) == _fresh(col, now, deck)
    finally:
        col.close()


def test_answers_keep_the_candidates_and_other_writes_drop_them(
    col: Collection, write_deck
) -> None:
    col.import_path(write_deck(deck_text(sibling_cards("q", 30))), T0)
    first = col.next_card(T0)
    assert first is not None
    kept = col._queue._session
    assert kept is not None and len(kept.new.rows) > 1
    col.answer(first.card_id, Rating.GOOD, T0)
    second = col.next_card(T0)
    assert col._queue._session is kept  # no new read: the answer was applied in memory
    # the first note is reversed: its other card waits until tomorrow
    assert second is not None and second.note_id != first.note_id
    assert first.card_id in kept.gone and first.note_id in (kept.answered or set())
    col.card_actions.suspend(second.card_id)
    third = col.next_card(T0)
    assert col._queue._session is not kept  # the suspension was noticed
    assert third is not None and third.card_id != second.card_id
