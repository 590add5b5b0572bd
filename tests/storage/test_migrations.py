from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import SQLModel

import app.storage.tables  # noqa: F401 - registers the tables
from app.core.errors import BadInputError, CirrusError
from app.sqlite import sqlite3
from app.storage import migrations, study_repo
from app.storage.collection import Collection
from app.storage.log_ids import from_db
from tests.conftest import FIXTURES, T0


def test_migrated_schema_matches_the_table_models(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    col = Collection.open(tmp_path)
    col.close()
    db = sqlite3.connect(tmp_path / "collection.sqlite")
    request.addfinalizer(db.close)
    assert db.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
    for table in SQLModel.metadata.sorted_tables:
        columns = {r[1]: (r[3], r[5] > 0) for r in db.execute(f"PRAGMA table_info({table.name})")}
        expected = {c.name: (not c.nullable, c.primary_key) for c in table.columns}
        assert columns == expected, table.name
        indexes = {r[1] for r in db.execute(f"PRAGMA index_list({table.name})")}
        assert {i.name for i in table.indexes} <= indexes
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "collection.sqlite").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(BadInputError, match="not a Cirrus collection"):
        Collection.open(tmp_path)


def test_a_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "collection.sqlite")
    db.execute("CREATE TABLE notes (x)")
    db.commit()
    db.close()
    with pytest.raises(BadInputError, match="not a Cirrus collection"):
        Collection.open(tmp_path)


def test_a_newer_schema_is_refused_untouched(tmp_path: Path) -> None:
    Collection.open(tmp_path).close()
    path = tmp_path / "collection.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(CirrusError, match="newer Cirrus"):
        Collection.open(tmp_path)
    assert path.read_bytes() == before


def test_failed_step_rolls_back(tmp_path: Path, monkeypatch, request) -> None:
    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("step failed")

    monkeypatch.setattr(migrations, "STEPS", (*migrations.STEPS, broken))
    monkeypatch.setattr(migrations, "LATEST", len(migrations.STEPS))
    db = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    request.addfinalizer(db.close)
    with pytest.raises(RuntimeError):
        migrations.migrate(db)
    assert migrations.schema_version(db) == migrations.LATEST - 1
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert "half_done" not in tables and "card" in tables


def test_upgrade_copies_the_old_file_first(tmp_path: Path, monkeypatch) -> None:
    Collection.open(tmp_path).close()
    current = migrations.LATEST

    def v2(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE deck ADD COLUMN colour VARCHAR")

    monkeypatch.setattr(migrations, "STEPS", (*migrations.STEPS, v2))
    monkeypatch.setattr(migrations, "LATEST", len(migrations.STEPS))
    Collection.open(tmp_path).close()
    copies = list((tmp_path / "backups").glob(f"pre-upgrade-v{current}-*.sqlite.zst"))
    assert len(copies) == 1


def test_every_older_schema_fixture_migrates_with_its_data(tmp_path: Path) -> None:
    fixtures = sorted((FIXTURES / "schema").glob("v*.sqlite"))
    assert fixtures, "keep one fixture per released schema version"
    for fixture in fixtures:
        data = tmp_path / fixture.stem
        data.mkdir()
        shutil.copyfile(fixture, data / "collection.sqlite")
        old = sqlite3.connect(fixture)
        notes, logs = old.execute(
            "SELECT (SELECT COUNT(*) FROM note), (SELECT COUNT(*) FROM review_log)"
        ).fetchone()
        old.close()
        col = Collection.open(data)
        try:
            totals = col.totals()
            assert (totals["notes"], totals["review_logs"]) == (notes, logs)
            assert col.next_card(T0) is not None
        finally:
            col.close()
        db = sqlite3.connect(data / "collection.sqlite")
        assert db.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.close()
        version = fixture.stem.removeprefix("v")
        assert list((data / "backups").glob(f"pre-upgrade-v{version}-*.sqlite.zst"))


_LOG_COLUMNS = (
    "card_id, rating, reviewed_at, duration_ms, state_before, step_before, stability_before, "
    "difficulty_before, due_before, last_review_before, reps_before, lapses_before, "
    "state_after, step_after, stability_after, difficulty_after, due_after"
)


def _reviews(db: sqlite3.Connection, id_sql: str) -> list[tuple[object, ...]]:
    return db.execute(f"SELECT {id_sql}, {_LOG_COLUMNS} FROM review_log ORDER BY rowid").fetchall()


def test_every_review_survives_the_upgrade_unchanged(tmp_path: Path) -> None:
    """Each earlier schema's review log comes out of the ladder row for row: the same ids
    (now kept as 16 bytes), the same values, in the order they were written."""
    fixtures = sorted((FIXTURES / "schema").glob("v*.sqlite"))
    assert {f.stem for f in fixtures} >= {"v1", "v2", "v10", "v11"}
    for fixture in fixtures:
        old = sqlite3.connect(fixture)
        before = _reviews(old, "id")
        if int(fixture.stem.removeprefix("v")) >= 11:  # ids already kept as 16 bytes
            before = [(from_db(r[0]), *r[1:]) for r in before]
        runs = (
            {
                run_id: json.loads(detail)["logs"]
                for run_id, detail in old.execute("SELECT id, detail FROM import_run")
            }
            if fixture.stem == "v10"
            else {}
        )
        old_seq = dict(old.execute("SELECT id, rowid FROM review_log"))
        old.close()
        assert before, fixture.name
        data = tmp_path / fixture.stem
        data.mkdir()
        shutil.copyfile(fixture, data / "collection.sqlite")
        Collection.open(data).close()
        db = sqlite3.connect(data / "collection.sqlite")
        after = _reviews(db, "id")
        assert [(from_db(r[0]), *r[1:]) for r in after] == before, fixture.name
        assert all(isinstance(r[0], bytes) and len(r[0]) == 16 for r in after)
        # an import's record now names its rows by their row key
        for run_id, logs in runs.items():
            (detail,) = db.execute(
                "SELECT detail FROM import_run WHERE id = ?", (run_id,)
            ).fetchone()
            seqs = {s for first, last in json.loads(detail)["logs"] for s in range(first, last + 1)}
            assert seqs == {old_seq[i] for i in logs}
        db.close()


def test_an_import_made_before_the_upgrade_can_still_be_undone(tmp_path: Path) -> None:
    shutil.copyfile(FIXTURES / "schema" / "v10.sqlite", tmp_path / "collection.sqlite")
    col = Collection.open(tmp_path)
    try:
        assert col.totals()["review_logs"] == 94
        col.editing.undo_import(1)  # the package that brought 88 reviews (and 15 notes)
        totals = col.totals()
        assert (totals["notes"], totals["review_logs"]) == (0, 0)
    finally:
        col.close()


def _schema(path: Path) -> list[tuple[str, str, str]]:
    """Every table and index as SQLite would create it again (white space aside)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
        columns = {
            name: db.execute(f"PRAGMA table_xinfo({name})").fetchall()
            for kind, name, _ in rows
            if kind == "table"
        }
        indexes = {
            name: db.execute(f"PRAGMA index_xinfo({name})").fetchall()
            for kind, name, _ in rows
            if kind == "index"
        }
    finally:
        db.close()
    return [(k, n, repr(columns.get(n) or indexes.get(n))) for k, n, _ in rows]


def test_a_fresh_collection_has_the_schema_of_a_migrated_one(tmp_path: Path) -> None:
    """Every earlier schema climbs to the same tables, columns (their order, types,
    defaults) and indexes (their columns, in order) as a collection made new."""
    Collection.open(tmp_path / "fresh").close()
    fresh = _schema(tmp_path / "fresh" / "collection.sqlite")
    names = {n for _, n, _ in fresh}
    assert {"ix_note_card", "ix_card_schedule", "ix_review_log_answered"} <= names
    for fixture in sorted((FIXTURES / "schema").glob("v*.sqlite")):
        data = tmp_path / fixture.stem
        data.mkdir()
        shutil.copyfile(fixture, data / "collection.sqlite")
        Collection.open(data).close()
        assert _schema(data / "collection.sqlite") == fresh, fixture.name


def test_step_12_reads_counts_and_searches_from_indexes(tmp_path: Path) -> None:
    """After the upgrade from schema 11, today's counts take each card's note and deck
    from indexes, and the notes, cards and reviews are the ones the file had."""
    shutil.copyfile(FIXTURES / "schema" / "v11.sqlite", tmp_path / "collection.sqlite")
    old = sqlite3.connect(FIXTURES / "schema" / "v11.sqlite")
    notes_before = old.execute("SELECT id, uid, deck_id, fields FROM note ORDER BY id").fetchall()
    cards_before = old.execute("SELECT * FROM card ORDER BY id").fetchall()
    old.close()
    col = Collection.open(tmp_path)
    try:
        assert col.next_card(T0) is not None
        assert sum(d.new + d.learning + d.due for d in col.decks(T0)) > 0
    finally:
        col.close()
    db = sqlite3.connect(tmp_path / "collection.sqlite")
    try:
        assert db.execute("SELECT id, uid, deck_id, fields FROM note ORDER BY id").fetchall() == (
            notes_before
        )
        assert db.execute("SELECT * FROM card ORDER BY id").fetchall() == cards_before
        columns = {
            name: [r[2] for r in db.execute(f"PRAGMA index_info({name})")]
            for name in ("ix_note_card", "ix_card_schedule", "ix_review_log_answered")
        }
        assert columns["ix_note_card"][:3] == ["id", "deck_id", "retired"]
        assert columns["ix_card_schedule"][-1] == "note_id"
        assert columns["ix_review_log_answered"] == ["reviewed_at", "card_id", "rating"]
        plan = " ".join(
            r[3]
            for r in db.execute(
                "EXPLAIN QUERY PLAN SELECT n.deck_id, COUNT(*) "
                + study_repo._FROM
                + " WHERE c.state = 0 AND c.suspended = 0 AND n.retired = 0 GROUP BY n.deck_id"
            )
        )
        assert "COVERING INDEX ix_note_card" in plan and "COVERING INDEX ix_card_schedule" in plan
    finally:
        db.close()
