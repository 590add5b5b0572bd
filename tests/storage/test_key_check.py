"""A big import checks its foreign keys at once instead of row by row, and is refused
whole when a row would point nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import CirrusError
from app.sqlite import sqlite3
from app.storage import importing, key_check
from app.storage.collection import Collection
from app.storage.engine import raw_connection
from tests.conftest import FIXTURES, T0

PACKAGE = FIXTURES / "anki" / "modern_export.apkg"


def _sqlite_orphans(path: Path) -> set[str]:
    """The columns SQLite's own check finds rows pointing nowhere in."""
    db = sqlite3.connect(path)
    try:
        found = set()
        for table, _rowid, _parent, fkid in db.execute("PRAGMA foreign_key_check"):
            keys = db.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
            found.add(f"{table}.{next(k[3] for k in keys if k[0] == fkid)}")
        return found
    finally:
        db.close()


def test_the_check_at_once_finds_what_sqlites_own_check_finds(tmp_path: Path) -> None:
    col = Collection.open(tmp_path / "data")
    col.import_path(PACKAGE, T0)
    col.close()
    path = tmp_path / "data" / "collection.sqlite"
    db = sqlite3.connect(path)
    assert key_check.orphans(db) == [] and _sqlite_orphans(path) == set()
    db.execute("PRAGMA foreign_keys = OFF")
    (card,) = db.execute("SELECT MIN(id) FROM card").fetchone()
    db.execute(
        "UPDATE review_log SET card_id = 90001 WHERE seq = (SELECT MIN(seq) FROM review_log)"
    )
    db.execute("UPDATE card SET note_id = 90002 WHERE id = ?", (card,))
    db.execute("UPDATE note SET deck_id = 90003 WHERE id = (SELECT MAX(id) FROM note)")
    db.execute("INSERT INTO note_tag (note_id, tag) VALUES (90004, 'lost')")
    db.commit()
    found = {(text.split(" = ")[0], int(text.split(" = ")[1])) for text in key_check.orphans(db)}
    db.close()
    assert {column for column, _ in found} == _sqlite_orphans(path)
    assert found == {
        ("review_log.card_id", 90001),
        ("card.note_id", 90002),
        ("note.deck_id", 90003),
        ("note_tag.note_id", 90004),
    }


def _orphan_during_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import also writes a review of a card that does not exist (a bug)."""
    record = importing.sync_imports.record

    def broken(conn, *args, **kwargs):  # type: ignore[no-untyped-def]
        raw_connection(conn).execute(
            "INSERT INTO review_log (id, card_id, rating, reviewed_at, duration_ms, "
            "state_before, reps_before, lapses_before, state_after) "
            "VALUES (x'00', 987654, 3, 0, 0, 0, 0, 0, 2)"
        )
        return record(conn, *args, **kwargs)

    monkeypatch.setattr(importing.sync_imports, "record", broken)


def test_a_big_import_that_would_leave_a_row_pointing_nowhere_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(key_check, "KEY_CHECK_ROWS", 1)  # the fixture counts as big
    col = Collection.open(tmp_path / "data")
    try:
        _orphan_during_import(monkeypatch)
        with pytest.raises(CirrusError, match=r"review_log\.card_id = 987654"):
            col.import_path(PACKAGE, T0)
        assert col.totals() == {"decks": 0, "notes": 0, "cards": 0, "review_logs": 0, "media": 0}
        monkeypatch.undo()
        summary = col.import_path(PACKAGE, T0)  # the same import, without the bug
        assert summary.added > 0 and col.totals()["review_logs"] > 0
        with col._read() as conn:  # the connection checks its keys again afterwards
            assert raw_connection(conn).execute("PRAGMA foreign_keys").fetchone() == (1,)
    finally:
        col.close()


def test_a_small_import_keeps_sqlites_own_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    col = Collection.open(tmp_path / "data")
    try:
        _orphan_during_import(monkeypatch)
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            col.import_path(PACKAGE, T0)
        assert col.totals()["notes"] == 0
    finally:
        col.close()


def test_which_imports_check_at_once() -> None:
    assert not key_check.check_at_once(9_999, 0)  # small: row by row
    assert key_check.check_at_once(10_000, 0)
    assert key_check.check_at_once(50_000, 1_000_000)
    assert not key_check.check_at_once(20_000, 1_000_000)  # small beside the collection
