"""Check Database: corrupt a real collection each way, then detect and repair it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from app.cli import main
from app.core.models import Rating
from app.sqlite import sqlite3
from app.storage.backups import unpack_backup
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0
from tests.storage.test_leftovers import media_pack


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A collection with Markdown cards and three pictures, each picture card answered."""
    folder = tmp_path / "data"
    col = Collection.open(folder)
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    col.import_path(media_pack(tmp_path, 3), T0)
    for _ in range(3):
        card = col.next_card(T0, "Pictures::pack")
        assert card is not None
        col.answer(card.card_id, Rating.GOOD, T0)
    col.close()
    return folder


def sql(data: Path, *statements: str) -> list[tuple]:
    """Run statements with foreign keys off, as a damaged or hand-edited file would be."""
    db = sqlite3.connect(data / "collection.sqlite")
    try:
        db.execute("PRAGMA foreign_keys = OFF")
        rows: list[tuple] = []
        for statement in statements:
            rows = db.execute(statement).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


def cli(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, dict]:
    code = main(["check", "--json", "--data-dir", str(data), *args])
    return code, json.loads(capsys.readouterr().out)


def kinds(report: dict) -> dict[str, tuple[int, bool]]:
    return {p["kind"]: (p["count"], p["repaired"]) for p in report["problems"]}


def answered(data: Path) -> list[int]:
    return [r[0] for r in sql(data, "SELECT DISTINCT card_id FROM review_log ORDER BY card_id")]


def test_a_sound_collection_is_ok(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, data) == (0, {"ok": True, "problems": []})
    assert main(["check", "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.strip() == "no problems found"


def _cards_without_notes(data: Path) -> None:
    card = answered(data)[0]
    sql(data, f"DELETE FROM note WHERE id = (SELECT note_id FROM card WHERE id = {card})")


def _notes_without_cards(data: Path) -> None:
    sql(data, "DELETE FROM card WHERE note_id = (SELECT id FROM note WHERE uid LIKE '%sb-dlq')")


def _orphan_logs(data: Path) -> None:
    sql(
        data,
        "INSERT INTO review_log (id, card_id, rating, reviewed_at, duration_ms, state_before, "
        "reps_before, lapses_before, state_after) VALUES ('x1', 424242, 3, 1, 0, 0, 0, 0, 2), "
        "('x2', 424242, 1, 2, 0, 2, 1, 0, 3)",
    )


def _fsrs(data: Path) -> None:
    a, b, c = answered(data)
    sql(
        data,
        f"UPDATE card SET stability = -3 WHERE id = {a}",
        f"UPDATE card SET difficulty = 42 WHERE id = {b}",
        f"UPDATE card SET stability = 'NaN', difficulty = NULL WHERE id = {c}",
    )


def _foreign_keys(data: Path) -> None:
    sql(
        data,
        "INSERT INTO note_tag (note_id, tag) VALUES (77777, 'lost')",
        "UPDATE note SET deck_id = 5555 WHERE uid LIKE '%sb-sessions'",
        "UPDATE deck SET preset_id = 9 WHERE name = 'Pictures::pack'",
    )


def _unused_media(data: Path) -> None:
    (data / "media" / ("e" * 64 + ".png")).write_bytes(b"from a killed import")
    (data / "media" / "notes.txt").write_text("a stray file")


def _integrity(data: Path) -> None:
    """An index that no longer matches its table (as after a crash of an old SQLite)."""
    db = sqlite3.connect(data / "collection.sqlite")
    db.execute("PRAGMA writable_schema = ON")
    db.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_card_schedule ON card (due, state)' "
        "WHERE name = 'ix_card_schedule'"
    )
    db.commit()
    db.close()


CASES: dict[str, tuple[Callable[[Path], None], int]] = {
    "cards_without_notes": (_cards_without_notes, 1),
    "notes_without_cards": (_notes_without_cards, 1),
    "orphan_review_logs": (_orphan_logs, 2),
    "fsrs_state": (_fsrs, 3),
    "foreign_keys": (_foreign_keys, 3),
    "unused_media": (_unused_media, 2),
    "integrity": (_integrity, None),  # type: ignore[dict-item]
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_damage_is_found_then_repaired(
    data: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    damage, count = CASES[kind]
    damage(data)
    code, report = cli(capsys, data)
    assert code == 1 and report["ok"] is False
    found = kinds(report)
    assert kind in found and found[kind][1] is False
    if count is not None:
        assert found[kind][0] == count
    if kind == "cards_without_notes":  # its answers are not counted twice
        assert "orphan_review_logs" not in found

    code, report = cli(capsys, data, "--repair")
    assert code == 0, report
    assert all(p["repaired"] for p in report["problems"])
    assert Path(report["backup"]).is_file()
    assert cli(capsys, data) == (0, {"ok": True, "problems": []})


def test_repair_keeps_history_and_fixes_exactly(data: Path, tmp_path: Path) -> None:
    a, b, c = answered(data)
    logged = dict(
        sql(data, f"SELECT card_id, stability_after FROM review_log WHERE card_id IN ({a},{b},{c})")
    )
    _fsrs(data)
    _notes_without_cards(data)
    _foreign_keys(data)
    _orphan_logs(data)
    _unused_media(data)
    col = Collection.open(data)
    try:
        report = col.check(repair=True, now=T0)
    finally:
        col.close()
    assert report.all_repaired and report.backup is not None
    # the memory state is the one logged after the card's last answer
    fixed = sql(data, f"SELECT id, stability, difficulty FROM card WHERE id IN ({a},{b},{c})")
    assert {i: s for i, s, _ in fixed} == logged
    assert all(1 <= d <= 10 for _, _, d in fixed)
    # the reversed note has both of its cards again, as new cards
    assert sql(
        data,
        "SELECT ord, state FROM card WHERE note_id = "
        "(SELECT id FROM note WHERE uid LIKE '%sb-dlq') ORDER BY ord",
    ) == [(0, 0), (1, 0)]
    assert sql(
        data,
        "SELECT d.name FROM note n JOIN deck d ON d.id = n.deck_id WHERE n.uid LIKE '%sb-sessions'",
    ) == [("Recovered",)]
    assert sql(data, "SELECT preset_id FROM deck WHERE name = 'Pictures::pack'") == [(1,)]
    assert sql(data, "SELECT COUNT(*) FROM review_log") == [(3,)]
    # unused files are moved aside, not deleted; pictures in use stay
    assert sorted(p.name for p in (data / "media-unused").iterdir()) == [
        "e" * 64 + ".png",
        "notes.txt",
    ]
    assert len(list((data / "media").iterdir())) == 3
    # the backup written first still holds what the repair removed
    copy = tmp_path / "before.sqlite"
    unpack_backup(report.backup, copy)
    db = sqlite3.connect(copy)
    assert db.execute("SELECT COUNT(*) FROM review_log WHERE card_id = 424242").fetchone() == (2,)
    db.close()


def test_missing_media_is_reported_not_invented(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = sorted((data / "media").iterdir())[0]
    aside = data.parent / picture.name
    shutil.move(picture, aside)
    code, report = cli(capsys, data, "--repair")
    assert code == 1
    assert kinds(report) == {"missing_media": (1, False)}
    assert report["problems"][0]["examples"] == [picture.name]
    main(["check", "--data-dir", str(data), "--repair"])
    assert "NOT repaired" in capsys.readouterr().out
    # a file an earlier repair moved aside comes back when a card uses it
    (data / "media-unused").mkdir(exist_ok=True)
    shutil.move(aside, data / "media-unused" / picture.name)
    code, report = cli(capsys, data, "--repair")
    assert code == 0 and kinds(report) == {"missing_media": (1, True)}
    assert picture.is_file()


def test_repair_refused_without_a_backup(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _orphan_logs(data)
    (tmp_path / "file").write_text("x")
    blocked = json.dumps(str(tmp_path / "file" / "b"))  # a file stands in the way
    sql(data, f"INSERT OR REPLACE INTO setting (key, value) VALUES ('backup_dir', '{blocked}')")
    code = main(["check", "--repair", "--data-dir", str(data)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("cirrus: nothing was repaired: a backup comes first")
    assert err.count("\n") == 1
    assert sql(data, "SELECT COUNT(*) FROM review_log WHERE card_id = 424242") == [(2,)]


def test_a_damaged_file_gets_no_repair_beyond_its_indexes(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cards_before = sql(data, "SELECT COUNT(*) FROM card")
    (root,) = sql(data, "SELECT rootpage FROM sqlite_master WHERE name = 'note'")[0]
    (size,) = sql(data, "PRAGMA page_size")[0]
    sql(data, "PRAGMA wal_checkpoint(TRUNCATE)")
    with (data / "collection.sqlite").open("r+b") as fh:  # the note table's page type
        fh.seek((root - 1) * size)
        fh.write(b"\x00")
    code = main(["check", "--repair", "--data-dir", str(data)])
    out = capsys.readouterr().out
    assert code == 1
    assert "Database integrity errors" in out and "NOT repaired" in out
    assert "restore a backup (cirrus restore FILE)" in out
    assert sql(data, "SELECT COUNT(*) FROM card") == cards_before  # no card deleted
    kept = list((data / "backups").glob("pre-repair-*.sqlite.zst"))
    assert len(kept) == 1  # outside the rotation: it never pushes a good backup out
