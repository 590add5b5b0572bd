"""A big import builds the note and card indexes after its rows: the same indexes come
out, and the import finds and counts the same cards as one that fills them row by row."""

from __future__ import annotations

import sqlite3 as standard_sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from app.sqlite import sqlite3
from app.storage import bulk_indexes, foreign_import
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0

PACKAGE = FIXTURES / "anki" / "modern_export.apkg"


def _imported(folder: Path) -> tuple[list[int], int, list[tuple[str, str]]]:
    col = Collection.open(folder)
    try:
        col.import_path(PACKAGE, T0)
        found = sorted(col.search_cards("deck:* -is:suspended"))
        today = sum(d.new + d.learning + d.due for d in col.decks(T0))
    finally:
        col.close()
    with closing(sqlite3.connect(folder / "collection.sqlite")) as db:
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name IN ('note', 'card', 'review_log') AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
    return found, today, indexes


def test_a_bulk_import_rebuilds_the_same_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    row_by_row = _imported(tmp_path / "small")
    monkeypatch.setattr(bulk_indexes, "BULK", 1)
    rebuilt: list[str] = []

    @contextmanager
    def watched(raw: sqlite3.Connection, tables: Sequence[str], bulk: bool) -> Iterator[None]:
        if bulk:
            rebuilt.extend(
                n for t in tables for n, _ in raw.execute(bulk_indexes.OWN_INDEXES, (t,))
            )
        with bulk_indexes.rebuilt(raw, tables, bulk):
            yield

    monkeypatch.setattr(foreign_import, "rebuilt", watched)
    bulk = _imported(tmp_path / "bulk")
    assert {"ix_note_card", "ix_card_schedule", "ix_note_deck_id"} <= set(rebuilt)
    assert bulk == row_by_row


def test_indexes_stay_when_the_insert_fails(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)) as db:
        db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b UNIQUE, c)")
        db.execute("CREATE INDEX ix_t_c ON t (c)")
        db.execute("BEGIN")
        with pytest.raises(sqlite3.IntegrityError), bulk_indexes.rebuilt(db, ("t",), True):
            db.executemany("INSERT INTO t (b, c) VALUES (?, ?)", [(1, 1), (1, 2)])
        db.execute("ROLLBACK")
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert "ix_t_c" in names


def test_a_unique_index_built_early_lets_the_block_mend_a_clash(tmp_path: Path) -> None:
    with closing(sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)) as db:
        db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b, c)")
        db.execute("CREATE UNIQUE INDEX ix_t_b ON t (b)")
        db.execute("CREATE INDEX ix_t_c ON t (c)")
        db.execute("BEGIN")
        with bulk_indexes.rebuilt(db, ("t",), True) as build:
            db.executemany("INSERT INTO t (b, c) VALUES (?, ?)", [(1, 1), (1, 2), (2, 3)])
            with pytest.raises(sqlite3.IntegrityError):
                build("ix_t_b")
            db.execute("DELETE FROM t WHERE a = 2")
            build("ix_t_b")
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
            assert names == {"ix_t_b"}  # the other one waits for the end of the block
        db.execute("COMMIT")
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert names == {"ix_t_b", "ix_t_c"}
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("INSERT INTO t (b, c) VALUES (2, 4)")


def _pages_after_later_rows(tmp_path: Path, kept: Sequence[str]) -> int:
    """Pages the card index grows by when rows come at random places after a bulk insert
    of 20,000 rows in time order (cards at random, as an import's answers come)."""
    import random

    rng = random.Random(4)
    tmp_path.mkdir()
    with closing(sqlite3.connect(tmp_path / "log.sqlite", isolation_level=None)) as db:
        db.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, card_id INTEGER)")
        db.execute("CREATE INDEX ix_log_card ON log (card_id)")
        db.execute("BEGIN")
        with bulk_indexes.rebuilt(db, ("log",), True, kept=kept):
            db.executemany(
                "INSERT INTO log (card_id) VALUES (?)",
                [(rng.randrange(2_000),) for _ in range(20_000)],
            )
        db.execute("COMMIT")
        before = _index_pages(tmp_path / "log.sqlite")
        for _ in range(300):  # answers after the import, one transaction each
            db.execute("INSERT INTO log (card_id) VALUES (?)", (rng.randrange(2_000),))
    return _index_pages(tmp_path / "log.sqlite") - before


def _index_pages(path: Path) -> int:
    """The card index's pages, read by Python's own SQLite (the one Cirrus may run on is
    built without the ``dbstat`` table)."""
    with closing(standard_sqlite3.connect(path)) as db:
        sql = "SELECT count(*) FROM dbstat WHERE name = 'ix_log_card'"
        return int(db.execute(sql).fetchone()[0])


def test_a_kept_index_has_room_for_the_rows_that_come_after(tmp_path: Path) -> None:
    # built in one pass, every page of the index is full: nearly every later row splits
    # one (a page more each time); filled row by row, its pages have room
    packed = _pages_after_later_rows(tmp_path / "packed", ())
    kept = _pages_after_later_rows(tmp_path / "kept", ("ix_log_card",))
    assert packed > 3 * max(kept, 1)
