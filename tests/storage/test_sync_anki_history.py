"""Scheduling imported from Anki survives sync: a package with filtered-deck cards,
manual due-date rows and new-card positions syncs without error, keeps its cards' state
on the computer that imported it, and the other computer gets the same history (Anki's
intervals and factors included)."""

from __future__ import annotations

import random
from datetime import UTC
from pathlib import Path

from sqlalchemy import text

from app.storage.collection import Collection
from tests.conftest import T0
from tests.interop.test_anki_schedule_state import _package

CARDS = (
    "SELECT n.prompt_md, c.state, c.due, c.stability, c.difficulty, c.reps, c.lapses, "
    "c.last_review, c.suspended FROM card c JOIN note n ON n.id = c.note_id ORDER BY n.prompt_md"
)
LOGS = (
    "SELECT r.id, r.rating, r.kind, r.reviewed_at, r.due_after, r.anki_ivl, r.anki_last_ivl, "
    "r.anki_factor FROM review_log r ORDER BY r.id"
)


def _rows(col: Collection, sql: str) -> list[tuple]:
    with col.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_anki_history_travels_and_the_importing_computer_keeps_its_state(tmp_path: Path) -> None:
    package = _package(tmp_path, legacy=False)
    share = tmp_path / "share"
    share.mkdir()
    laptop = Collection.open(tmp_path / "laptop", tz=UTC, rng=random.Random(1))
    desktop = Collection.open(tmp_path / "desktop", tz=UTC, rng=random.Random(2))
    try:
        laptop.import_path(package, T0)
        cards, logs = _rows(laptop, CARDS), _rows(laptop, LOGS)
        assert any(r[2] == 4 for r in logs)  # the package has manual rows
        laptop.sync(share, T0)
        desktop.sync(share, T0)
        laptop.sync(share, T0)
        assert _rows(laptop, CARDS) == cards
        assert _rows(laptop, LOGS) == logs
        assert _rows(desktop, LOGS) == logs
        assert [r[0] for r in _rows(desktop, CARDS)] == [r[0] for r in cards]
    finally:
        laptop.close()
        desktop.close()
