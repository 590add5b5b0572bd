"""Answering the card the queue just gave reuses the row it read, and writes exactly what
answering a card read afresh writes (and counts alike); a change to the card in between,
by this connection or another one, is seen."""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.core.models import Rating
from app.sqlite import sqlite3
from app.storage.collection import Collection
from tests.conftest import T0, deck_text
from tests.storage.sibling_decks import sibling_cards, toggle_suspension, write_sibling_deck

_LOG = (
    "SELECT card_id, rating, reviewed_at, state_before, step_before, stability_before, "
    "difficulty_before, due_before, last_review_before, reps_before, lapses_before, "
    "state_after, step_after, stability_after, difficulty_after, due_after FROM review_log "
    "ORDER BY seq"
)


def _state(col: Collection) -> tuple[list[Any], list[Any]]:
    with col.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        log = raw.execute(_LOG).fetchall()
        cards = raw.execute("SELECT * FROM card ORDER BY id").fetchall()
    return log, cards


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.sampled_from([1, 2, 3, 3, 4])),
        st.tuples(st.just("undo"), st.just(0)),
        st.tuples(st.just("suspend"), st.integers(0, 40)),
        st.tuples(st.just("options"), st.integers(0, 3)),
        st.tuples(st.just("minutes"), st.integers(1, 90)),
        st.tuples(st.just("day"), st.integers(1, 3)),
    ),
    min_size=1,
    max_size=50,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS, seed=st.integers(0, 1000))
@example(ops=[("options", 2), ("answer", 3), ("answer", 3), ("answer", 1)], seed=0)
def test_answers_write_what_they_write_with_the_card_read_afresh(
    tmp_path: Path, ops: list[tuple[str, int]], seed: int
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    deck = write_sibling_deck(folder, "a", "Test::A", "a", 16)
    sides = [Collection.in_memory(tz=UTC, rng=random.Random(seed)) for _ in range(2)]
    sides[1]._queue.shown = lambda raw, card_id: None  # type: ignore[method-assign]
    try:
        for col in sides:
            col.import_path(deck, T0)
        now = T0
        for op, arg in ops:
            for col in sides:
                card = col.next_card(now, "Test")
                if op == "answer" and card is not None:
                    col.answer(card.card_id, Rating(arg), now, 3000)
                elif op == "undo":
                    col.undo()
                elif op == "suspend":
                    toggle_suspension(col, arg)
                elif op == "options":  # bury new siblings, review siblings, both or none
                    preset = col.deck_options.preset(1)
                    col.deck_options.save(
                        replace(preset, bury_new=bool(arg & 1), bury_reviews=bool(arg & 2))
                    )
            assert sides[0].counts(now, "Test") == sides[1].counts(now, "Test"), (op, arg)
            if op == "minutes":
                now += timedelta(minutes=arg)
            elif op == "day":
                now += timedelta(days=arg)
        assert _state(sides[0]) == _state(sides[1])
    finally:
        for col in sides:
            col.close()


def _answered_stability(col: Collection, log_id: str) -> float:
    with col.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        (value,) = raw.execute(
            "SELECT stability_before FROM review_log WHERE id = ?", (bytes.fromhex(log_id),)
        ).fetchone()
    return float(value)


def _reviewed_once(col: Collection, write_deck: Any) -> datetime:
    """Every card answered once; returns a time when they are all due again."""
    col.import_path(write_deck(deck_text(sibling_cards("q", 4))), T0)
    while (card := col.next_card(T0)) is not None:
        col.answer(card.card_id, Rating.EASY, T0)
    return T0 + timedelta(days=365)


def test_a_change_by_another_connection_after_the_card_was_shown_is_answered_on(
    tmp_path: Path, write_deck: Any
) -> None:
    col = Collection.open(tmp_path / "data", tz=UTC, rng=random.Random(3))
    try:
        later = _reviewed_once(col, write_deck)
        card = col.next_card(later)
        assert card is not None and card.memory.stability != 123.0
        other = sqlite3.connect(col.db_path)
        other.execute("UPDATE card SET stability = 123.0 WHERE id = ?", (card.card_id,))
        other.commit()
        other.close()
        log_id = col.answer(card.card_id, Rating.GOOD, later)
        assert _answered_stability(col, log_id) == 123.0
    finally:
        col.close()


def test_a_change_through_the_collection_after_the_card_was_shown_is_answered_on(
    col: Collection, write_deck: Any
) -> None:
    later = _reviewed_once(col, write_deck)
    card = col.next_card(later)
    assert card is not None and card.memory.stability != 77.0
    with col.engine.begin() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("UPDATE card SET stability = 77.0 WHERE id = ?", (card.card_id,))
    log_id = col.answer(card.card_id, Rating.GOOD, later)
    assert _answered_stability(col, log_id) == 77.0


def test_the_card_shown_is_answered_without_reading_it_again(
    col: Collection, write_deck: Any
) -> None:
    later = _reviewed_once(col, write_deck)
    card = col.next_card(later)
    assert card is not None
    statements: list[str] = []
    with col.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.set_trace_callback(statements.append)
        try:
            col.answer(card.card_id, Rating.GOOD, later)
        finally:
            raw.set_trace_callback(None)
    assert statements and not any("JOIN preset" in s for s in statements)
    # a card not just shown is read
    statements.clear()
    with col.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.set_trace_callback(statements.append)
        try:
            col.answer(card.card_id, Rating.GOOD, later + timedelta(days=400))
        finally:
            raw.set_trace_callback(None)
    assert any("JOIN preset" in s for s in statements)


def test_the_row_kept_is_the_row_answering_reads(col: Collection, write_deck: Any) -> None:
    from app.storage import study_repo
    from app.storage.answering import CARD_QUERY

    col.import_path(write_deck(deck_text(sibling_cards("q", 6) + sibling_cards("r", 1))), T0)
    preset = col.deck_options.preset(1)
    col.deck_options.save(replace(preset, bury_new=True, bury_reviews=False))
    first = col.next_card(T0)
    assert first is not None
    col.answer(first.card_id, Rating.GOOD, T0)
    col.card_actions.bury(first.card_id + 2, T0)
    with col.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        rows = raw.execute(f"{study_repo._BASE}1, 2, 3, 4) ORDER BY c.id").fetchall()
        assert len(rows) > 6
        for row in rows:
            (cards,) = raw.execute(
                "SELECT COUNT(*) FROM card WHERE note_id = ?", (row[1],)
            ).fetchone()
            read = raw.execute(CARD_QUERY, (row[0],)).fetchone()
            assert (*study_repo.answer_row(row), cards) == read
