"""Packages whose database rows are wrong get the importer's own error, never a crash.

The base packages are real ones (made by Anki and genanki, in tests/fixtures/anki); the
mutations change their SQLite rows: types, NULLs, huge numbers, bad JSON, duplicates.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import input_limits as limits
from app.core.errors import BadInputError
from app.sqlite import sqlite3
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0

ANKI = FIXTURES / "anki"
SOURCES = {
    name: (ANKI / name).read_bytes()
    for name in ("genanki_basic.apkg", "legacy_export.apkg", "modern_export.apkg")
}
Change = Callable[[sqlite3.Connection], None]


def _member(members: dict[str, bytes]) -> str:
    for name in ("collection.anki21b", "collection.anki21", "collection.anki2"):
        if name in members:
            return name
    raise AssertionError("no collection")


def _loosen(db: sqlite3.Connection) -> None:
    """Copy every table without its constraints, so any value can go anywhere (as in a
    package written by a careless exporter)."""
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        if table.startswith("sqlite_"):
            continue
        db.execute(f"CREATE TABLE loose_{table} AS SELECT * FROM {table}")
        db.execute(f"DROP TABLE {table}")
        db.execute(f"ALTER TABLE loose_{table} RENAME TO {table}")


def mutated(source: str, changes: list[Change], tmp: Path) -> bytes:
    """``source`` with its collection's rows changed (re-compressed as it was)."""
    with zipfile.ZipFile(io.BytesIO(SOURCES[source])) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    name = _member(members)
    raw = members[name]
    zstd = name.endswith("21b")
    db_path = tmp / "mutating.sqlite"
    db_path.unlink(missing_ok=True)
    db_path.write_bytes(
        zstandard.ZstdDecompressor().decompressobj().decompress(raw) if zstd else raw
    )
    db = sqlite3.connect(db_path)
    db.create_collation("unicase", lambda a, b: (a > b) - (a < b))
    _loosen(db)
    for change in changes:
        change(db)
    db.commit()
    db.close()
    data = db_path.read_bytes()
    members[name] = zstandard.ZstdCompressor().compress(data) if zstd else data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for member, payload in members.items():
            zf.writestr(member, payload)
    return out.getvalue()


def _set(table: str, column: str, value: object, where: str = "") -> Change:
    def change(db: sqlite3.Connection) -> None:
        db.execute(f"UPDATE {table} SET {column} = ? {where}", (value,))

    return change


def _sql(statement: str) -> Change:
    return lambda db: db.execute(statement)


def _twice_numbered_template(db: sqlite3.Connection) -> None:
    (raw,) = db.execute("SELECT models FROM col").fetchone()
    models = json.loads(raw)
    model = next(iter(models.values()))
    model["tmpls"].append(dict(model["tmpls"][0], name="Again"))
    db.execute("UPDATE col SET models = ?", (json.dumps(models),))


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection.open(tmp_path / "data")
    collection.import_path(FIXTURES / "decks" / "sample.md", T0)
    yield collection
    collection.close()


def _state(col: Collection) -> tuple[dict[str, int], list[str]]:
    media = sorted(p.name for p in col.media_dir.glob("*")) if col.media_dir.exists() else []
    return col.totals(), media


def _refused(col: Collection, tmp: Path, data: bytes, pattern: str) -> None:
    path = tmp / "bad.apkg"
    path.write_bytes(data)
    before = _state(col)
    with pytest.raises(BadInputError, match=pattern):
        col.import_path(path, T0)
    assert _state(col) == before


@pytest.mark.parametrize(
    ("source", "change", "pattern"),
    [
        ("legacy_export.apkg", _set("col", "models", '"{}"'), r"col.models\) is a string"),
        ("genanki_basic.apkg", _set("col", "models", "[1, 2]"), r"col.models\) is a list"),
        ("legacy_export.apkg", _set("col", "decks", "[]"), r"col.decks\) is a list"),
        ("genanki_basic.apkg", _set("col", "decks", "{"), r"col.decks\) is not valid JSON"),
        ("legacy_export.apkg", _set("notes", "flds", None), r"its fields is not text \(NULL\)"),
        ("modern_export.apkg", _set("notes", "tags", None), r"its tags is not text \(NULL\)"),
        ("modern_export.apkg", _set("notes", "guid", "same"), "share the guid 'same'"),
        ("genanki_basic.apkg", _set("cards", "ord", 0), "has two cards numbered 0|share"),
        ("modern_export.apkg", _set("templates", "ord", 0), "has two templates numbered 0"),
        ("genanki_basic.apkg", _twice_numbered_template, "has two templates numbered 0"),
        (
            "legacy_export.apkg",
            _sql("UPDATE cards SET type = 2, queue = 2, due = 9000000000000000000"),
            "its due day is out of range",
        ),
        (
            "modern_export.apkg",
            _sql("UPDATE cards SET type = 1, queue = 1, due = -5"),
            "its due time is out of range",
        ),
        ("modern_export.apkg", _set("cards", "due", "soon"), "is not a number \\(str 'soon'\\)"),
        ("modern_export.apkg", _set("revlog", "id", 2**62), "review's id .* is out of range"),
        ("modern_export.apkg", _set("notetypes", "config", "text"), "its settings are not binary"),
        ("modern_export.apkg", _set("decks", "name", None), r"its name is not text \(NULL\)"),
    ],
)
def test_bad_rows_get_a_clear_error(col, tmp_path, source, change, pattern) -> None:
    _refused(col, tmp_path, mutated(source, [change], tmp_path), pattern)


def test_a_view_in_place_of_a_table_is_refused(col, tmp_path) -> None:
    endless = (
        "DROP TABLE revlog; CREATE VIEW revlog AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL "
        "SELECT n + 1 FROM r) SELECT n AS id, 1 AS cid, 3 AS ease, 0 AS time, 1 AS type FROM r"
    )
    data = mutated("modern_export.apkg", [lambda db: db.executescript(endless)], tmp_path)
    _refused(col, tmp_path, data, "'revlog' is a view")


def test_a_huge_review_log_is_refused(col, tmp_path, monkeypatch) -> None:
    data = mutated("modern_export.apkg", [], tmp_path)
    monkeypatch.setattr(limits, "MAX_REVIEW_LOG", 87)
    _refused(col, tmp_path, data, "the table 'revlog' holds 88 rows, more than the limit of 87")


@pytest.mark.parametrize(
    ("media", "pattern"),
    [(b"[]", "media list is damaged"), (b'{"0": 7}', "media list is damaged"), (b"{", "damaged")],
)
def test_a_wrong_media_map_is_refused(col, tmp_path, media: bytes, pattern: str) -> None:
    with zipfile.ZipFile(io.BytesIO(SOURCES["genanki_basic.apkg"])) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    members["media"] = media
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for member, payload in members.items():
            zf.writestr(member, payload)
    _refused(col, tmp_path, out.getvalue(), pattern)


def test_a_card_for_a_template_that_does_not_exist_is_skipped(col, tmp_path) -> None:
    stray = _sql("UPDATE cards SET ord = 5 WHERE rowid = 1")
    data = mutated("genanki_basic.apkg", [stray], tmp_path)
    path = tmp_path / "stray.apkg"
    path.write_bytes(data)
    summary = col.import_path(path, T0)
    assert any("template 6 does not exist" in w for w in summary.warnings)


COLUMNS = {
    "notes": ["id", "guid", "mid", "tags", "flds"],
    "cards": ["id", "nid", "did", "ord", "type", "queue", "due", "ivl", "reps", "lapses", "odid"],
    "revlog": ["id", "cid", "ease", "time", "type"],
    "col": ["crt", "models", "decks", "dconf"],
    "notetypes": ["id", "name", "config"],
    "templates": ["ntid", "ord", "name", "config"],
    "fields": ["ntid", "ord", "name"],
    "decks": ["id", "name", "kind", "common"],
    "deck_config": ["id", "name", "config"],
}
BAD_JSON = ['"text"', "[]", "[[[[[[[[[[[[", "{", '{"1": []}', '{"1": {"flds": 5}}', "null", "1e999"]
values = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, -1, 1, 2**31, 2**53 + 1, 2**62]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.sampled_from(BAD_JSON),
)
row_changes = st.tuples(
    st.sampled_from(sorted(COLUMNS)).flatmap(
        lambda t: st.tuples(st.just(t), st.sampled_from(COLUMNS[t]))
    ),
    values,
    st.one_of(st.none(), st.integers(0, 20)),
)
duplicates = st.sampled_from(
    [
        "INSERT INTO notes SELECT id + 1, guid, mid, mod, usn, tags, flds, sfld, csum, flags, "
        "data FROM notes LIMIT 1",
        "INSERT INTO cards SELECT id + 1, nid, did, ord, mod, usn, type, queue, due, ivl, "
        "factor, reps, lapses, left, odue, odid, flags, data FROM cards LIMIT 1",
        "INSERT INTO revlog SELECT * FROM revlog",
        "DELETE FROM notes WHERE rowid = 1",
        "UPDATE cards SET type = 2, queue = 2",
        "UPDATE cards SET type = 1, queue = 1, due = 1",
    ]
)


def _row_change(spec: tuple[tuple[str, str], object, int | None]) -> Change:
    (table, column), value, row = spec

    def change(db: sqlite3.Connection) -> None:
        exists = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if exists is None:
            return
        pick = f"(SELECT rowid FROM {table} LIMIT 1 OFFSET {row})"
        where = "" if row is None else f"WHERE rowid = {pick}"
        stored = value if not isinstance(value, float) or value == value else None
        db.execute(f"UPDATE {table} SET {column} = ? {where}", (stored,))

    return change


def _sql_change(statement: str) -> Change:
    def change(db: sqlite3.Connection) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # a column this schema lacks
            db.execute(statement)

    return change


mutations = st.lists(
    st.one_of(row_changes.map(_row_change), duplicates.map(_sql_change)), min_size=1, max_size=3
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.sampled_from(sorted(SOURCES)), mutations)
def test_mutated_rows_raise_only_the_importers_error(col, tmp_path, source, changes) -> None:
    data = mutated(source, changes, tmp_path)
    path = tmp_path / "mutated.apkg"
    path.write_bytes(data)
    before = _state(col)
    try:
        col.import_path(path, T0)
    except BadInputError:
        assert _state(col) == before
        return
    for deck in col.decks(T0):  # what was imported can be shown
        card = col.next_card(T0, deck.name)
        if card is not None:
            col.card(card.card_id)
