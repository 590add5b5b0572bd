from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.core.errors import BadInputError
from app.core.models import Rating
from app.storage import backups
from app.storage.collection import Collection
from app.storage.collection_file import restore_backup
from tests.conftest import FIXTURES, T0


def _studied_collection(data_dir: Path) -> tuple[dict[str, int], list[tuple]]:
    col = Collection.open(data_dir)
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    for _ in range(3):
        card = col.next_card(T0)
        col.answer(card.card_id, Rating.GOOD, T0)
    totals = col.totals()
    with col.engine.connect() as conn:
        from sqlalchemy import text

        logs = conn.execute(text("SELECT * FROM review_log ORDER BY id")).all()
    col.close()
    return totals, [tuple(r) for r in logs]


def _logs(data_dir: Path) -> list[tuple]:
    from sqlalchemy import text

    col = Collection.open(data_dir)
    try:
        with col.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT * FROM review_log ORDER BY id"))]
    finally:
        col.close()


def test_restore_into_a_fresh_folder_brings_every_card_and_log(tmp_path: Path) -> None:
    original = tmp_path / "original"
    totals, logs = _studied_collection(original)
    col = Collection.open(original)
    backup = col.backup(T0)
    col.close()
    assert backup.name.endswith(".sqlite.zst") and backup.stat().st_size > 0

    fresh = tmp_path / "fresh"
    restore_backup(fresh, backup, T0)
    col = Collection.open(fresh)
    try:
        assert col.totals() == totals
    finally:
        col.close()
    assert _logs(fresh) == logs
    assert len(logs) == 3


def test_restore_keeps_a_copy_of_what_it_replaces(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _studied_collection(data)
    col = Collection.open(data)
    backup = col.backup(T0)
    card = col.next_card(T0 + timedelta(days=5))
    col.answer(card.card_id, Rating.GOOD, T0 + timedelta(days=5))
    col.close()
    kept = restore_backup(data, backup, T0 + timedelta(days=5))
    assert kept.name.startswith("pre-restore-")
    assert len(_logs(data)) == 3
    restore_backup(tmp_path / "other", kept, T0)
    assert len(_logs(tmp_path / "other")) == 4


@pytest.mark.parametrize("content", [b"", b"garbage" * 100])
def test_restore_refuses_a_damaged_backup(tmp_path: Path, content: bytes) -> None:
    data = tmp_path / "data"
    _studied_collection(data)
    bad = tmp_path / "bad.sqlite.zst"
    bad.write_bytes(content)
    with pytest.raises(BadInputError):
        restore_backup(data, bad, T0)
    assert len(_logs(data)) == 3  # untouched


def test_rotation_keeps_seven_daily_and_four_weekly(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in range(60):
        for hour in (9, 18):
            when = T0 - timedelta(days=day) + timedelta(hours=hour - 12)
            (folder / f"cirrus-{when:%Y%m%d-%H%M%S}.sqlite.zst").write_bytes(b"x")
    (folder / "pre-restore-20260101-000000.sqlite.zst").write_bytes(b"x")
    backups.rotate(folder)
    kept = backups.rotated_backups(folder)
    assert len(kept) == 11
    days = [when.date() for when, _ in kept]
    assert days[:7] == [(T0 - timedelta(days=d)).date() for d in range(7)]
    assert all(when.hour == 18 for when, _ in kept)  # newest of each day
    weeks = {when.isocalendar()[:2] for when, _ in kept[7:]}
    assert len(weeks) == 4
    assert (folder / "pre-restore-20260101-000000.sqlite.zst").exists()


def test_automatic_backup_at_most_once_a_day(tmp_path: Path) -> None:
    col = Collection.open(tmp_path)
    try:
        assert col.backup_if_due(T0) is not None
        assert col.backup_if_due(T0 + timedelta(hours=5)) is None
        assert col.backup_if_due(T0 + timedelta(days=1, minutes=1)) is not None
    finally:
        col.close()


def test_backup_folder_setting(tmp_path: Path) -> None:
    col = Collection.open(tmp_path / "data")
    try:
        col.set_setting("backup_dir", str(tmp_path / "usb"))
        path = col.backup(T0)
    finally:
        col.close()
    assert path.parent == tmp_path / "usb"
