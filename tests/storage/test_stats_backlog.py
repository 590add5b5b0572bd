"""A long backlog of answers (after a big import) goes into the statistics in short runs:
the aggregates come out as one pass makes them, and an answer given meanwhile is saved."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from app.core.errors import CirrusError
from app.core.models import Rating
from app.storage import stats_backlog, stats_repo
from app.storage.collection import Collection
from app.storage.engine import raw_connection
from tests.conftest import T0, deck_text

Tables = tuple[list[tuple[object, ...]], list[tuple[object, ...]]]


def _cards(count: int) -> str:
    return "".join(
        f"## Card {i}\n<!-- id: c{i}; tags: service/s{i % 3} domain/d{i % 2} -->\nx {i}\n\n"
        for i in range(count)
    )


def _studied(folder: Path, write_deck: Any, cards: int = 12, rounds: int = 4) -> Collection:
    """A collection whose cards were answered over several days (a backlog to count)."""
    col = Collection.open(folder, tz=UTC, rng=random.Random(3))
    col.import_path(write_deck(deck_text(_cards(cards))), T0)
    rng = random.Random(5)
    for day in range(rounds):
        now = T0 + timedelta(days=9 * day)
        with col.engine.begin() as conn:  # every card due again
            conn.execute(text("UPDATE card SET due = :d WHERE state != 0"), {"d": 0})
        while (card := col.next_card(now)) is not None:
            col.answer(card.card_id, Rating(rng.choice((1, 2, 3, 3, 4))), now)
            now += timedelta(minutes=3)
    return col


def _tables(col: Collection) -> Tables:
    """The aggregates; the predicted recall summed per bin to 9 places (added in another
    order, a sum of floats differs in its last bit)."""
    with col.engine.connect() as conn:
        day = conn.execute(text("SELECT * FROM review_day_stats ORDER BY 1, 2")).all()
        cal = conn.execute(text("SELECT * FROM calibration_stats ORDER BY 1, 2")).all()
    return [tuple(r) for r in day], [(*r[:-1], round(r[-1], 9)) for r in cal]


def _from_scratch(col: Collection) -> Tables:
    with col.engine.begin() as conn:
        stats_repo.rebuild(conn)
    col.refresh_stats()
    return _tables(col)


def test_runs_give_the_aggregates_one_pass_gives(
    tmp_path: Path, write_deck: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    col = _studied(tmp_path / "c", write_deck)
    try:
        one_pass = _from_scratch(col)
        assert one_pass[0] and one_pass[1]  # days and calibration bins were counted
        monkeypatch.setattr(stats_backlog, "CHUNK", 5)
        monkeypatch.setattr(stats_backlog, "PAUSE_S", 0.0)
        runs: list[int] = []
        accumulate = stats_repo.accumulate

        def counted(*args: Any, **kwargs: Any) -> None:
            runs.append(1)
            accumulate(*args, **kwargs)

        monkeypatch.setattr(stats_repo, "accumulate", counted)
        assert _from_scratch(col) == one_pass
        with col.engine.connect() as conn:
            logs = conn.execute(text("SELECT COUNT(*) FROM review_log")).scalar_one()
        assert len(runs) >= logs // 5  # in runs of five answers
    finally:
        col.close()


def test_an_answer_given_while_the_statistics_count_is_saved(
    tmp_path: Path, write_deck: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting is made slow (10 ms each time SQL reads an answer to count) and a write's
    wait for the file short (0.3 s, on every connection): counted in one statement, the
    backlog of about thirty answers would hold the file for about a second, and the
    answer given meanwhile would fail."""
    col = _studied(tmp_path / "c", write_deck, rounds=2)
    try:
        with col.engine.begin() as conn:
            stats_repo.rebuild(conn)
            backlog = conn.execute(text("SELECT COUNT(*) FROM review_log")).scalar_one()
        assert backlog > 20

        def slow(_rowid: int) -> int:
            time.sleep(0.01)
            return 1

        def prepare(db: Any, _record: Any = None) -> None:
            db.create_function("test_slow", 1, slow)
            db.execute("PRAGMA busy_timeout = 300")

        with col._read() as conn:
            prepare(raw_connection(conn))
        event.listen(col.engine, "connect", prepare)
        col.engine.pool.dispose()  # the idle connections: made again, prepared
        monkeypatch.setattr(
            stats_repo,
            "_LOGS",
            stats_repo._LOGS.replace("r.rating > 0", "r.rating > 0 AND test_slow(r.rowid)"),
        )
        monkeypatch.setattr(stats_backlog, "CHUNK", 2)
        monkeypatch.setattr(stats_backlog, "PAUSE_S", 0.06)
        done = threading.Event()
        failed: list[BaseException] = []

        def statistics() -> None:
            try:
                col.stats("service", T0)
            except BaseException as exc:  # (reported by the assertion)
                failed.append(exc)
            done.set()

        card = col.next_card(T0 + timedelta(days=60))
        assert card is not None
        worker = threading.Thread(target=statistics)
        worker.start()
        time.sleep(0.3)  # the count has started
        assert not done.is_set(), failed
        try:
            col.answer(card.card_id, Rating.GOOD, T0 + timedelta(days=60))
            refused = None
        except CirrusError as exc:  # "the collection is busy ..."
            refused = exc
        worker.join(30)
        assert refused is None
        assert not failed
        with col.engine.connect() as conn:
            logs = conn.execute(text("SELECT COUNT(*) FROM review_log")).scalar_one()
        assert logs == backlog + 1  # the answer is in the log
        monkeypatch.undo()
        counted = _tables(col)
        assert counted == _from_scratch(col)  # and counted once, with the rest
    finally:
        col.close()
