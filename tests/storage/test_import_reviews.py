"""An Anki package's review history, however it is written, lands the same."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from app.sqlite import sqlite3
from app.storage import import_reviews
from app.storage.collection import Collection
from app.storage.import_reviews import LOG_NAMESPACE, log_id
from tests.conftest import FIXTURES, T0

PACKAGE = FIXTURES / "anki" / "modern_export.apkg"
_LOG = (
    "SELECT lower(hex(r.id)), n.uid, c.ord, r.rating, r.reviewed_at, r.duration_ms, "
    "r.state_before, r.state_after, r.kind, r.anki_ivl, r.anki_last_ivl, r.anki_factor "
    "FROM review_log r JOIN card c ON c.id = r.card_id JOIN note n ON n.id = c.note_id "
    "ORDER BY 1"
)


def _log(data: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(data / "collection.sqlite")
    try:
        return db.execute(_LOG).fetchall()
    finally:
        db.close()


def _import(data: Path, times: int = 1) -> list[int]:
    col = Collection.open(data)
    try:
        return [col.import_path(PACKAGE, T0).review_logs for _ in range(times)]
    finally:
        col.close()


def test_the_id_is_the_uuid5_of_its_source() -> None:
    for guid, ord_, source in (("abc", 0, "1"), ("~-~<b*owa", 3, "1796150770222")):
        expected = uuid.uuid5(LOG_NAMESPACE, f"{guid}/{ord_}/{source}").bytes
        assert log_id(guid, ord_, source) == expected


def test_copied_by_sql_rebuilt_indexes_or_read_through_python_the_log_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(tmp_path / "sql")
    monkeypatch.setattr(import_reviews, "BULK", 10)  # 88 reviews: indexes dropped, rebuilt
    _import(tmp_path / "bulk")

    def refuse(*_args: object) -> None:
        raise sqlite3.OperationalError("cannot attach")

    monkeypatch.setattr(import_reviews, "_attach", refuse)
    _import(tmp_path / "python")
    sql = _log(tmp_path / "sql")
    assert len(sql) == 88
    assert _log(tmp_path / "bulk") == sql
    assert _log(tmp_path / "python") == sql
    roots = {}
    for kind in ("sql", "bulk"):
        db = sqlite3.connect(tmp_path / kind / "collection.sqlite")
        roots[kind] = dict(
            db.execute("SELECT name, rootpage FROM sqlite_master WHERE type = 'index'")
        )
        db.close()
    assert {"ix_review_log_id", "ix_review_log_card_id", "ix_review_log_answered"} <= set(
        roots["bulk"]
    )
    # the time index was built after the rows (a new root page); the card index, where
    # each later answer lands at a random place, was filled as they came (its pages have
    # room: built in one pass they would all be full, and every answer would split one)
    assert roots["bulk"]["ix_review_log_answered"] != roots["sql"]["ix_review_log_answered"]
    assert roots["bulk"]["ix_review_log_card_id"] == roots["sql"]["ix_review_log_card_id"]


@pytest.mark.parametrize("bulk", [False, True])
def test_a_second_import_adds_no_review_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    if bulk:
        monkeypatch.setattr(import_reviews, "BULK", 10)
    assert _import(tmp_path, times=2) == [88, 0]
    assert len(_log(tmp_path)) == 88


def test_reviews_of_cards_answered_since_are_kept_on_reimport(tmp_path: Path) -> None:
    col = Collection.open(tmp_path)
    try:
        col.import_path(PACKAGE, T0)
        db = col.engine.raw_connection()
        try:
            db.execute("DELETE FROM review_log WHERE rowid % 2 = 0")  # half of them lost
            db.commit()
        finally:
            db.close()
        assert col.totals()["review_logs"] == 44
        assert col.import_path(PACKAGE, T0).review_logs == 44  # brought back, once
    finally:
        col.close()
    assert len(_log(tmp_path)) == 88


@pytest.mark.parametrize("bulk", [False, True])
def test_a_package_listing_each_answer_twice_imports_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    from tests.interop.test_anki_rows import mutated

    def twice(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO revlog SELECT * FROM revlog")

    package = tmp_path / "twice.apkg"
    package.write_bytes(mutated("modern_export.apkg", [twice], tmp_path))
    if bulk:
        monkeypatch.setattr(import_reviews, "BULK", 10)  # indexes dropped while copying
    col = Collection.open(tmp_path / "data")
    try:
        assert col.import_path(package, T0).review_logs == 88
    finally:
        col.close()
    assert len(_log(tmp_path / "data")) == 88
