"""After any mix of answers, undos, imports, suspends and day changes, the counts kept in
memory equal a fresh recount, and the statistics kept up to date answer by answer equal
a rebuild from the whole review log."""

from __future__ import annotations

import random
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from app.core.limits import Available
from app.core.models import Rating
from app.sqlite import sqlite3
from app.storage import stats_repo, study_repo
from app.storage.collection import Collection
from app.storage.queue_limits import DailyLimits
from tests.conftest import T0, deck_text
from tests.storage.sibling_decks import sibling_cards, toggle_suspension, write_sibling_deck

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), st.sampled_from([1, 2, 3, 4])),
        st.tuples(st.just("undo"), st.just(0)),
        st.tuples(st.just("stats"), st.just(0)),
        st.tuples(st.just("import"), st.integers(0, 1)),
        st.tuples(st.just("suspend"), st.integers(0, 40)),
        st.tuples(st.just("options"), st.integers(0, 3)),
        st.tuples(st.just("minutes"), st.integers(1, 90)),
        st.tuples(st.just("day"), st.integers(1, 3)),
    ),
    min_size=1,
    max_size=30,
)


def _nonzero(counts: dict[int, Available]) -> dict[int, Available]:
    return {deck: c for deck, c in counts.items() if c != Available()}


def _stats_tables(conn: Connection) -> tuple[list[tuple[object, ...]], ...]:
    day = conn.execute(text("SELECT * FROM review_day_stats ORDER BY group_key, day")).all()
    cal = conn.execute(text("SELECT * FROM calibration_stats ORDER BY group_key, bin")).all()
    rounded = [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in cal]
    # an undone answer leaves its group's row at zero, where a rebuild has no row: the same
    return [tuple(r) for r in day if any(r[2:])], [r for r in rounded if any(r[2:])]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=OPS, seed=st.integers(0, 1000))
def test_kept_counts_and_statistics_match_a_recount(tmp_path: Path, ops, seed: int) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    col = Collection.in_memory(tz=T0.tzinfo, rng=random.Random(seed))
    try:
        col.import_path(write_sibling_deck(folder, "base", "Test::A", "a", 12), T0)
        col.import_path(write_sibling_deck(folder, "more", "Test::B", "b", 6), T0)
        extra = [
            write_sibling_deck(folder, f"extra{i}", f"Test::C{i}", f"c{i}", 4) for i in range(2)
        ]
        rng = random.Random(seed)
        now = T0
        for op, arg in ops:
            if op == "answer":
                card = col.next_card(now, "Test")
                if card is not None:
                    col.answer(card.card_id, Rating(arg), now, 3000)
            elif op == "undo":
                col.undo()
            elif op == "stats":  # the statistics window: aggregates brought up to date
                col.refresh_stats()
            elif op == "import":
                col.import_path(extra[arg], now)
            elif op == "suspend":
                toggle_suspension(col, arg)
            elif op == "options":  # siblings buried or not: what an answer's count change reads
                preset = col.deck_options.preset(1)
                col.deck_options.save(
                    replace(preset, bury_new=bool(arg & 1), bury_reviews=bool(arg & 2))
                )
            elif op == "minutes":
                now += timedelta(minutes=arg)
            else:
                now += timedelta(days=arg, minutes=rng.randrange(60))
            shown = col.counts(now, "Test")  # what the study screen shows after each step
            _, listed = col.deck_tree(now)  # and the deck list, for every deck
            window = col.window(now)
            with col.engine.connect() as conn:
                kept = col._today.get(conn, window)
                fresh = study_repo.deck_counts(conn, window)
                limits = DailyLimits()  # today's limits worked out afresh
                tree = limits.tree(conn, window)
                (node,) = limits.nodes(conn, "Test")
            assert _nonzero(kept) == _nonzero(fresh), (op, arg)
            assert shown == tree.counts(node, fresh), (op, arg)
            assert listed == {n.name: tree.counts(n, fresh) for n in node.walk()}, (op, arg)
        col.refresh_stats()
        with col.engine.connect() as conn:
            incremental = _stats_tables(conn)
        with col.engine.begin() as conn:
            stats_repo.rebuild(conn)
        col.refresh_stats()
        with col.engine.connect() as conn:
            assert _stats_tables(conn) == incremental
    finally:
        col.close()


def test_answers_adjust_the_kept_counts_without_a_recount(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(sibling_cards("q", 10, reversed_every=1000))), T0)
    first = col.counts(T0)
    kept = col._today._copy
    card = col.next_card(T0)
    assert card is not None
    col.answer(card.card_id, Rating.GOOD, T0)
    assert col._today._copy is kept  # adjusted in place, not counted again
    after = col.counts(T0)
    # the first note is reversed: its other card waits until tomorrow (buried sibling)
    assert first.new == 11 and card.prompt == "q question 0"
    assert (after.new, after.learning) == (first.new - 2, first.learning + 1)
    col.undo()
    assert col._today._copy is kept
    assert col.counts(T0) == first


def test_a_write_from_another_connection_is_counted(tmp_path: Path, write_deck) -> None:
    col = Collection.open(tmp_path / "data", tz=T0.tzinfo, rng=random.Random(1))
    try:
        col.import_path(write_deck(deck_text(sibling_cards("q", 5, reversed_every=1000))), T0)
        assert col.counts(T0).new == 6
        other = sqlite3.connect(tmp_path / "data" / "collection.sqlite")
        with other:
            other.execute("UPDATE card SET suspended = 1 WHERE id = (SELECT MIN(id) FROM card)")
        other.close()
        assert col.counts(T0).new == 5
    finally:
        col.close()


def test_an_answer_moves_its_own_count_across_the_day_end(col: Collection, write_deck) -> None:
    """Answers whose card leaves or stays in today's counts, siblings not buried: a
    learning step past the day's end, a relearning card, reviews answered."""
    col.import_path(write_deck(deck_text(sibling_cards("q", 12))), T0)
    preset = col.deck_options.preset(1)
    col.deck_options.save(replace(preset, bury_new=False, bury_reviews=False))
    # 03:50, ten minutes before the day ends at 04:00: a ten-minute step falls tomorrow
    moments = [T0.replace(hour=3, minute=50), T0 + timedelta(days=5), T0 + timedelta(days=40)]
    ratings = [Rating.AGAIN, Rating.GOOD, Rating.EASY, Rating.HARD]
    for day, now in enumerate(moments):
        for i in range(10):
            col.counts(now)
            card = col.next_card(now)
            if card is None:
                break
            col.answer(card.card_id, ratings[(i + day) % 4], now, 3000)
            window = col.window(now)
            with col.engine.connect() as conn:
                kept = col._today.get(conn, window)
                assert col._today._copy is not None and col._today._copy.counts is kept
                fresh = study_repo.deck_counts(conn, window)
            assert _nonzero(kept) == _nonzero(fresh), (day, i)
