"""An Anki package's schedule reaches the other computer exactly: two real data folders,
a package built by the real Anki (FSRS memory in cards.data, reviews), `cirrus import`
and `cirrus sync` on the command line; then an answer on the other computer travels
back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.cli import main
from app.core.models import Rating
from app.storage.collection import Collection
from tests.anki_fsrs_packages import anki_packages

STATE = (
    "SELECT n.prompt_md, c.state, c.step, c.due, c.stability, c.difficulty, c.last_review, "
    "c.reps, c.lapses FROM card c JOIN note n ON n.id = c.note_id "
    "WHERE n.uid LIKE 'guid:%' ORDER BY n.prompt_md"
)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main([*args, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    return out


def _state(data: Path) -> list[tuple[Any, ...]]:
    col = Collection.open(data)
    try:
        with col.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(STATE))]
    finally:
        col.close()


def _deck(capsys: pytest.CaptureFixture[str], data: Path) -> dict[str, Any]:
    decks = _cli(capsys, "decks", "--data-dir", str(data))["decks"]
    return next(d for d in decks if d["name"] == "Anki home")


def _sync_both(capsys: pytest.CaptureFixture[str], one: Path, other: Path, share: Path) -> None:
    for data in (one, other, one):
        _cli(capsys, "sync", "--data-dir", str(data), "--folder", str(share))


@pytest.mark.parametrize("same_package", [True, False])
def test_an_imported_schedule_is_the_same_on_both_computers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], same_package: bool
) -> None:
    first, second = anki_packages(tmp_path / "packages")
    laptop, desktop, share = tmp_path / "laptop", tmp_path / "desktop", tmp_path / "Dropbox"
    share.mkdir()
    _cli(capsys, "import", "--data-dir", str(laptop), str(first))
    if not same_package:  # the desktop imports the later export before any sync
        _cli(capsys, "import", "--data-dir", str(desktop), str(second))
        expected = _state(desktop)
    else:
        expected = _state(laptop)
    assert any(r[4] is not None and r[1] == 2 for r in expected)  # FSRS memory came in
    _sync_both(capsys, laptop, desktop, share)

    on_laptop, on_desktop = _state(laptop), _state(desktop)
    assert on_laptop == on_desktop
    # the schedules are the import's (the later export's); new cards keep one shared order
    assert [r for r in on_laptop if r[1] != 0] == [r for r in expected if r[1] != 0]
    assert [r[0] for r in on_laptop if r[1] == 0] == [r[0] for r in expected if r[1] == 0]
    assert _deck(capsys, laptop) == _deck(capsys, desktop)

    # an answer on the desktop goes back to the laptop with the same schedule
    later = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    prompt = "anki question 0"  # a review card with FSRS memory from the package
    col = Collection.open(desktop)
    try:
        with col.engine.connect() as conn:
            card_id = conn.execute(
                text(
                    "SELECT c.id FROM card c JOIN note n ON n.id = c.note_id WHERE n.prompt_md = :p"
                ),
                {"p": prompt},
            ).scalar_one()
        col.answer(card_id, Rating.GOOD, later)
    finally:
        col.close()
    answered = _state(desktop)
    assert answered != on_desktop
    _sync_both(capsys, desktop, laptop, share)
    assert _state(laptop) == _state(desktop) == answered
    row = next(r for r in answered if r[0] == prompt)
    imported = next(r for r in on_desktop if r[0] == prompt)
    assert row[6] == int(later.timestamp() * 1000) and row[7] == imported[7] + 1
    assert row[4] > imported[4]  # FSRS went on from the imported memory
    assert _deck(capsys, laptop) == _deck(capsys, desktop)


def test_a_later_export_imported_over_synced_cards_reaches_the_other_computer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = anki_packages(tmp_path / "packages")
    laptop, desktop, share = tmp_path / "laptop", tmp_path / "desktop", tmp_path / "Dropbox"
    share.mkdir()
    _cli(capsys, "import", "--data-dir", str(laptop), str(first))
    _sync_both(capsys, laptop, desktop, share)
    before = _state(desktop)
    # the later export: its cards reviewed again in Anki take the package's schedule here
    _cli(capsys, "import", "--data-dir", str(laptop), str(second))
    updated = _state(laptop)
    assert updated != before
    _sync_both(capsys, laptop, desktop, share)
    assert _state(desktop) == _state(laptop) == updated
