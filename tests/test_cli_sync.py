"""`cirrus sync` between two real data folders sharing one folder."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from app.cli import main
from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import T0


def _sync(capsys, data: Path, share: Path) -> dict:
    code = main(["sync", "--data-dir", str(data), "--folder", str(share), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out
    return out


def _card_state(data: Path, note_uid: str, ord_: int) -> tuple:
    col = Collection.open(data)
    try:
        with col.engine.connect() as conn:
            return tuple(
                conn.execute(
                    text(
                        "SELECT c.state, c.due, c.stability, c.reps, "
                        "(SELECT group_concat(lower(hex(r.id))) FROM review_log r "
                        "WHERE r.card_id = c.id) "
                        "FROM card c JOIN note n ON n.id = c.note_id "
                        "WHERE n.uid = :u AND c.ord = :o"
                    ),
                    {"u": note_uid, "o": ord_},
                ).one()
            )
    finally:
        col.close()


def test_an_answer_on_one_computer_shows_on_the_other_with_the_same_due(
    tmp_path: Path, capsys
) -> None:
    laptop, desktop, share = tmp_path / "laptop", tmp_path / "desktop", tmp_path / "OneDrive"
    share.mkdir()
    first = _sync(capsys, laptop, share)
    assert first["sent"] > 0 and first["devices"] == []
    _sync(capsys, desktop, share)

    col = Collection.open(laptop)
    try:
        card = col.next_card(T0)
        assert card is not None
        log_id = col.answer(card.card_id, Rating.GOOD, T0)
        with col.engine.connect() as conn:
            uid = conn.execute(
                text("SELECT uid FROM note WHERE id = :i"), {"i": card.note_id}
            ).scalar_one()
    finally:
        col.close()
    sent = _sync(capsys, laptop, share)
    assert sent["sent"] == 1
    merged = _sync(capsys, desktop, share)

    assert merged["merged"] == 1 and merged["conflicts"] == 0
    assert set(merged) >= {"folder", "device", "sent", "merged", "conflicts", "devices"}
    assert [d["id"] for d in merged["devices"]] == [sent["device"]]
    assert merged["devices"][0]["last_seen"]
    on_laptop = _card_state(laptop, uid, card.ord)
    on_desktop = _card_state(desktop, uid, card.ord)
    assert on_desktop == on_laptop
    assert on_desktop[4] == log_id and on_desktop[3] == 1


def test_a_sync_folder_that_is_missing_is_one_clear_line(tmp_path: Path, capsys) -> None:
    code = main(["sync", "--data-dir", str(tmp_path / "d"), "--folder", str(tmp_path / "gone")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "does not exist" in err


def test_sync_without_a_folder_says_how_to_choose_one(tmp_path: Path, capsys) -> None:
    code = main(["sync", "--data-dir", str(tmp_path / "d"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and "no sync folder" in out["error"]
