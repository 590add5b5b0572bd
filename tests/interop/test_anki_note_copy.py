"""Notes copied by SQL from a package store exactly what the row-by-row import stores.

Packages are built by the real Anki (Basic, reversed, cloze; HTML, Unicode, backslashes,
control characters, the text ``\\u001f``, empty fields, nested tags, media present and
missing, cards in review with and without memory, a filtered deck), then imported twice:
through the SQL copy and through the row-by-row reader and writer. Every stored row must
be the same; the fields must also be what Anki itself reads.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.core.errors import BadInputError
from app.interop import anki_collection
from app.sqlite import sqlite3
from app.storage import import_notes_sql, import_reviews
from app.storage.collection import Collection
from tests.conftest import T0
from tests.interop.anki_oracle import export, import_into_anki, new_anki

FIELDS = [
    ("Plain question", "plain answer"),
    ("<b>bold</b> &amp; <i>HTML</i><br>line", '<img src="pic.png"> and <img src="gone.png">'),
    ("Unicode é 日本語 😀 \u2028 \xa0nbsp", "Ωmega [sound:clip.mp3] [sound:missing.mp3]"),
    ("back\\slash \\(x^2\\) ends with \\", "\\"),
    ("literal \\u001f and \\\\u001f", '"quoted" \\"x\\" /slash/'),
    ("tab\tnew\nline\rcr \x01\x02\x7f", ""),
    ("", ""),
    ("  many   spaces  ", "{{c1::not a cloze here}}"),
]
TAGS = [
    ["plain"],
    ["nested::child::leaf", "nested::child"],
    ["日本::語", "émoji😀"],
    [],
    ["a::b", "a/b", "A::B"],
    ["x"],
    ["dup", "dup"],
    ["z", "y", "x"],
]


def _build(folder: Path, legacy: bool) -> Path:
    col = new_anki(folder)
    (folder / "pic.png").write_bytes(b"\x89PNG fake")
    (folder / "clip.mp3").write_bytes(b"ID3 fake")
    col.media.add_file(str(folder / "pic.png"))
    col.media.add_file(str(folder / "clip.mp3"))
    deck = col.decks.id("Lang::日本語")
    other = col.decks.id("Other")
    for name in ("Basic", "Basic (and reversed card)"):
        model = col.models.by_name(name)
        for i, (front, back) in enumerate(FIELDS):
            note = col.new_note(model)
            note["Front"], note["Back"] = front + name, back
            note.tags = TAGS[i]
            col.add_note(note, deck if i % 2 else other)
    cloze = col.models.by_name("Cloze")
    for i, body in enumerate(["{{c1::Paris}} is in {{c2::France}}", "{{c1::é}} \\ {{c3::x}}"]):
        note = col.new_note(cloze)
        note["Text"] = body
        note["Back Extra"] = FIELDS[i][1]
        note.tags = TAGS[i + 1]
        col.add_note(note, deck)
    db = col.db
    ids = db.list("SELECT id FROM cards ORDER BY id")
    now = 1_700_000_000
    for n, cid in enumerate(ids[:8]):  # reviewed cards: with and without memory, history
        data = json.dumps({"s": 3.5 + n, "d": 5.1, "lrt": now - 86_400}) if n % 2 else ""
        db.execute(
            "UPDATE cards SET type = 2, queue = 2, due = 30, ivl = 10, reps = 3, data = ? "
            "WHERE id = ?",
            data,
            cid,
        )
        for k in range(3):
            db.execute(
                "INSERT INTO revlog VALUES (?, ?, -1, ?, 10, 5, 2500, 4000, 1)",
                (now - 86_400 * (3 - k)) * 1000 + n,
                cid,
                3,
            )
    db.execute("UPDATE cards SET queue = -1 WHERE id = ?", ids[9])
    db.execute("UPDATE cards SET queue = -2, flags = 3 WHERE id = ?", ids[10])
    db.execute("UPDATE cards SET type = 1, queue = 1, due = ? WHERE id = ?", now, ids[11])
    filtered = col.decks.new_filtered("Cram")
    db.execute("UPDATE cards SET odid = did, did = ?, odue = due WHERE id = ?", filtered, ids[12])
    out = export(col, folder / ("legacy.apkg" if legacy else "modern.apkg"), legacy=legacy)
    col.close()
    return out


TABLES = {
    "note": "SELECT * FROM note ORDER BY id",
    "note_tag": "SELECT * FROM note_tag ORDER BY note_id, tag",
    "card": "SELECT * FROM card ORDER BY id",
    "notetype": "SELECT * FROM notetype ORDER BY id",
    "deck": "SELECT * FROM deck ORDER BY id",
    "review_log": "SELECT * FROM review_log ORDER BY seq",
    "media": "SELECT * FROM media ORDER BY sha256",
    "setting": "SELECT * FROM setting WHERE key = 'anki_filtered_decks'",
}


def _rows(col: Collection) -> dict[str, list[tuple[Any, ...]]]:
    with col.engine.connect() as conn:
        return {name: [tuple(r) for r in conn.execute(text(sql))] for name, sql in TABLES.items()}


def _import(folder: Path, package: Path, *, by_sql: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    copied: list[bool] = []
    real = import_notes_sql.copy_notes

    def spy(*args: Any) -> bool:
        copied.append(real(*args))
        return copied[-1]

    history: list[int] = []
    real_history = import_reviews._copy

    def history_spy(*args: Any) -> int:
        history.append(real_history(*args))
        return history[-1]

    with monkeypatch.context() as patch:
        patch.setattr(import_notes_sql, "copy_notes", spy)
        patch.setattr(import_reviews, "_copy", history_spy)
        if not by_sql:
            patch.setattr(anki_collection, "note_copy", lambda *a: None)
        col = Collection.open(folder)
        summary = col.import_path(package, T0)
        rows = _rows(col)
        col.close()
    assert copied == ([True] if by_sql else [])
    assert len(history) == 1  # the history is copied by SQL both ways (attached once)
    return summary, rows


@pytest.mark.parametrize("legacy", [False, True])
def test_the_sql_copy_stores_what_the_row_by_row_import_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, legacy: bool
) -> None:
    package = _build(tmp_path / "anki", legacy)
    fast, fast_rows = _import(tmp_path / "fast", package, by_sql=True, monkeypatch=monkeypatch)
    slow, slow_rows = _import(tmp_path / "slow", package, by_sql=False, monkeypatch=monkeypatch)
    assert (fast.added, fast.notes, fast.cards, fast.review_logs) == (
        slow.added,
        slow.notes,
        slow.cards,
        slow.review_logs,
    )
    assert fast.added == 2 * len(FIELDS) + 2 and fast.review_logs == 24
    for table in TABLES:
        assert fast_rows[table] == slow_rows[table], table
    # the fields are what Anki reads (media references pointed at the stored files)
    anki = import_into_anki(package, tmp_path / "oracle")
    try:
        theirs = {anki.get_note(n).guid: anki.get_note(n).fields for n in anki.find_notes("")}
    finally:
        anki.close()
    media = {name: f"media/{sha}{Path(name).suffix}" for sha, name, _ in fast_rows["media"]}
    ours = {uid.removeprefix("guid:"): json.loads(f) for uid, f in _uid_fields(fast_rows)}
    assert set(ours) == set(theirs)
    for guid, fields in theirs.items():
        expected = [_pointed(v, media) for v in fields]
        assert ours[guid] == expected, guid


def _uid_fields(rows: dict[str, list[tuple[Any, ...]]]) -> list[tuple[str, str]]:
    return [(r[1], r[15]) for r in rows["note"]]


def _pointed(value: str, media: dict[str, str]) -> str:
    for name, stored in media.items():
        value = value.replace(f'src="{name}"', f'src="{stored}"')
        value = value.replace(f"[sound:{name}]", f"[sound:{stored}]")
    return value


def _mutate(package: Path, tmp: Path, statement: str) -> Path:
    """``package`` (a legacy one: an uncompressed collection) with one SQL change."""
    import zipfile

    with zipfile.ZipFile(package) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    name = next(n for n in ("collection.anki21", "collection.anki2") if n in members)
    path = tmp / "mutating.sqlite"
    path.write_bytes(members[name])
    db = sqlite3.connect(path)
    db.create_collation("unicase", lambda a, b: (a > b) - (a < b))
    db.execute(statement)
    db.commit()
    db.close()
    members[name] = path.read_bytes()
    out = tmp / "mutated.apkg"
    with zipfile.ZipFile(out, "w") as zf:
        for member, payload in members.items():
            zf.writestr(member, payload)
    return out


@pytest.mark.parametrize(
    ("statement", "pattern"),
    [
        ("UPDATE notes SET guid = 'same'", "share the guid 'same'"),
        (
            "UPDATE notes SET flds = CAST(x'61ff62' AS TEXT) "
            "WHERE id = (SELECT MAX(id) FROM notes)",
            "damaged",
        ),
        (
            "UPDATE notes SET tags = x'ff' WHERE id = (SELECT MIN(id) FROM notes)",
            "its tags is not UTF-8 text",
        ),
        (
            "UPDATE cards SET ord = 7 WHERE id = (SELECT MIN(id) FROM cards)",
            "template 8 does not exist",
        ),
        ("UPDATE cards SET type = 2, queue = 2, due = 9000000000000", "due day is out of range"),
    ],
)
def test_a_package_the_copy_refuses_gets_the_readers_message(
    tmp_path: Path, statement: str, pattern: str
) -> None:
    package = _mutate(_build(tmp_path / "anki", legacy=True), tmp_path, statement)
    col = Collection.open(tmp_path / "data")
    try:
        if "does not exist" in pattern:  # a warning, the other notes imported
            summary = col.import_path(package, T0)
            assert any(re.search(pattern, w) for w in summary.warnings)
            return
        with pytest.raises(BadInputError, match=pattern):
            col.import_path(package, T0)
        assert col.totals()["notes"] == 0
    finally:
        col.close()


@pytest.mark.parametrize(
    "statement",
    [
        # fewer fields than the note type has: padded
        "UPDATE notes SET flds = substr(flds, 1, instr(flds, char(31)) - 1) WHERE id % 3 = 0",
        # new-card positions with gaps and repeats: ranked
        "UPDATE cards SET due = (due % 5) * 1000 + 3 WHERE type = 0",
        # positions far apart
        "UPDATE cards SET due = due * 100000000 WHERE type = 0",
    ],
)
def test_rows_the_anki_writer_would_not_make_are_copied_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statement: str
) -> None:
    package = _mutate(_build(tmp_path / "anki", legacy=True), tmp_path, statement)
    _, fast = _import(tmp_path / "fast", package, by_sql=True, monkeypatch=monkeypatch)
    _, slow = _import(tmp_path / "slow", package, by_sql=False, monkeypatch=monkeypatch)
    assert fast == slow
    assert len(fast["note"]) == 2 * len(FIELDS) + 2 and len(fast["card"]) > len(fast["note"])


def test_a_second_import_of_the_package_goes_row_by_row_and_adds_nothing(
    tmp_path: Path,
) -> None:
    package = _build(tmp_path / "anki", legacy=False)
    col = Collection.open(tmp_path / "data")
    try:
        first = col.import_path(package, T0)
        again = col.import_path(package, T0)
        assert first.added == 2 * len(FIELDS) + 2
        assert (again.added, again.unchanged, again.review_logs) == (0, first.added, 0)
    finally:
        col.close()


def test_a_package_previewed_first_is_still_copied_by_sql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.interop.reader import read_source

    package = _build(tmp_path / "anki", legacy=False)
    _, slow = _import(tmp_path / "slow", package, by_sql=False, monkeypatch=monkeypatch)
    copied: list[bool] = []
    real = import_notes_sql.copy_notes
    monkeypatch.setattr(
        import_notes_sql, "copy_notes", lambda *a: copied.append(real(*a)) or copied[-1]
    )
    col = Collection.open(tmp_path / "fast")
    try:
        work = tmp_path / "work"
        work.mkdir()
        prepared = read_source(package, work)
        preview = prepared.preview()
        assert preview["notes"] == 2 * len(FIELDS) + 2
        assert preview["decks"] == ["Lang::日本語", "Other"]
        col.apply_import(prepared, T0)
        assert copied == [True]
        assert _rows(col) == slow
    finally:
        col.close()
