"""Sync in the real world: half-synced files, conflicted copies, a folder that is gone,
deletions against edits, concurrent edits, clock skew, compaction and media."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.models import Rating
from app.storage.collection import Collection
from app.storage.media_store import add_media_file
from app.storage.sync import SyncUnavailable
from app.storage.sync.journal import SyncFolder
from tests.conftest import T0, deck_text

CARDS = """
## First

???

One.

## Second

???

Two.
"""


@pytest.fixture
def pair(tmp_path: Path, write_deck):
    deck = write_deck(deck_text(CARDS))
    share = tmp_path / "share"
    share.mkdir()
    a = Collection.open(tmp_path / "a", tz=UTC, rng=random.Random(1))
    b = Collection.open(tmp_path / "b", tz=UTC, rng=random.Random(2))
    a.import_path(deck, T0)
    a.sync(share, T0)
    b.sync(share, T0)
    yield a, b, share
    a.close()
    b.close()


def _q(col: Collection, sql: str, **params) -> list[tuple]:
    with col.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def _note(col: Collection, prompt: str) -> int:
    return int(_q(col, "SELECT id FROM note WHERE prompt_md = :p", p=prompt)[0][0])


def _segments(share: Path, col: Collection) -> list[Path]:
    folder = SyncFolder(share)
    return [f.path for f in folder.files(col.setting("sync_device_id"))]


def test_a_half_synced_file_is_merged_once_whole(pair) -> None:
    a, b, share = pair
    card = a.next_card(T0)
    a.answer(card.card_id, Rating.GOOD, T0)
    a.notes.edit_fields(card.note_id, {"answer_md": "edited"}, T0)
    a.sync(share, T0)
    segment = _segments(share, a)[-1]
    whole = segment.read_bytes()
    segment.write_bytes(whole[: whole.index(b"\n") + 10])  # one event and a cut-off line

    report = b.sync(share, T0 + timedelta(minutes=1))
    assert report.waiting == 1
    segment.write_bytes(whole)
    b.sync(share, T0 + timedelta(minutes=2))

    assert _q(b, "SELECT COUNT(*) FROM review_log") == [(1,)]
    assert _q(b, "SELECT answer_md FROM note WHERE answer_md = 'edited'") == [("edited",)]
    assert b.sync(share, T0 + timedelta(minutes=3)).waiting == 0


def test_conflicted_copies_are_read_as_the_same_events(pair) -> None:
    a, b, share = pair
    card = a.next_card(T0)
    log_id = a.answer(card.card_id, Rating.EASY, T0)
    a.sync(share, T0)
    segment = _segments(share, a)[-1]
    shutil.copyfile(
        segment, segment.with_name(segment.stem + " (conflicted copy 2026-12-01).jsonl")
    )
    shutil.copyfile(
        segment, segment.with_name(segment.stem + ".sync-conflict-20261201-120000-DESKTOP1.jsonl")
    )
    b.sync(share, T0)
    assert _q(b, "SELECT lower(hex(id)) FROM review_log") == [(log_id,)]


def test_a_missing_folder_is_reported_and_nothing_is_lost(pair, tmp_path: Path) -> None:
    a, b, share = pair
    a.set_setting("sync_folder", str(share))
    moved = tmp_path / "share-offline"
    share.rename(moved)  # the network share is down
    card = a.next_card(T0)
    log_id = a.answer(card.card_id, Rating.GOOD, T0)
    with pytest.raises(SyncUnavailable, match="not available"):
        a.sync(None, T0)
    assert _q(a, "SELECT lower(hex(id)) FROM review_log") == [(log_id,)]
    moved.rename(share)
    assert a.sync(None, T0).sent == 1
    b.sync(share, T0)
    assert _q(b, "SELECT lower(hex(id)) FROM review_log") == [(log_id,)]


def test_a_delete_wins_over_an_older_edit(pair) -> None:
    a, b, share = pair
    b.notes.edit_fields(_note(b, "First"), {"answer_md": "older edit"}, T0 + timedelta(minutes=1))
    a.notes.delete(_note(a, "First"), T0 + timedelta(minutes=2))
    b.sync(share, T0 + timedelta(minutes=1))
    a.sync(share, T0 + timedelta(minutes=2))
    report = b.sync(share, T0 + timedelta(minutes=3))
    for col in (a, b):
        assert _q(col, "SELECT prompt_md FROM note") == [("Second",)]
    assert any("deleted" in c for c in report.conflicts)


def test_a_newer_edit_keeps_a_deleted_note_with_its_answers(pair) -> None:
    a, b, share = pair
    card = a.next_card(T0)
    assert card.prompt == "First"
    log_id = a.answer(card.card_id, Rating.GOOD, T0)
    a.notes.delete(card.note_id, T0 + timedelta(minutes=1))
    a.sync(share, T0 + timedelta(minutes=1))
    b.notes.edit_fields(_note(b, "First"), {"answer_md": "newer"}, T0 + timedelta(minutes=5))
    report = b.sync(share, T0 + timedelta(minutes=5))
    assert any("kept" in c for c in report.conflicts)
    a.sync(share, T0 + timedelta(minutes=6))
    for col in (a, b):
        assert _q(col, "SELECT answer_md FROM note WHERE prompt_md = 'First'") == [("newer",)]
        assert _q(col, "SELECT lower(hex(id)) FROM review_log") == [(log_id,)]
    assert _q(a, "SELECT state, due FROM card") == _q(b, "SELECT state, due FROM card")


def test_concurrent_edits_keep_the_later_and_the_other_in_history(pair) -> None:
    a, b, share = pair
    a.notes.edit_fields(_note(a, "First"), {"answer_md": "from a"}, T0 + timedelta(minutes=1))
    b.notes.edit_fields(_note(b, "First"), {"answer_md": "from b"}, T0 + timedelta(minutes=2))
    a.sync(share, T0 + timedelta(minutes=3))
    report = b.sync(share, T0 + timedelta(minutes=3))
    a.sync(share, T0 + timedelta(minutes=4))
    (conflict,) = report.conflicts
    assert conflict.startswith('note "First": the answer from ')
    assert conflict.endswith("kept (the other version is in the note's history)")
    for col in (a, b):
        assert _q(col, "SELECT answer_md FROM note WHERE prompt_md = 'First'") == [("from b",)]
        assert ('"from a"',) in _q(col, "SELECT value FROM note_history")


def test_an_edit_made_after_seeing_a_future_stamp_still_wins(pair) -> None:
    a, b, share = pair
    ahead = T0 + timedelta(days=2)  # b's clock is two days fast
    b.notes.edit_fields(_note(b, "First"), {"answer_md": "b, clock ahead"}, ahead)
    b.sync(share, ahead)
    a.sync(share, T0 + timedelta(minutes=1))
    a.notes.edit_fields(_note(a, "First"), {"answer_md": "a, later"}, T0 + timedelta(minutes=2))
    a.sync(share, T0 + timedelta(minutes=2))
    b.sync(share, ahead + timedelta(minutes=2))
    for col in (a, b):
        assert _q(col, "SELECT answer_md FROM note WHERE prompt_md = 'First'") == [("a, later",)]
    assert _q(a, "SELECT COUNT(*) FROM note_history") == [(0,)]


def test_two_devices_answering_the_same_card_offline_converge(pair) -> None:
    a, b, share = pair
    card_a = a.next_card(T0)
    card_b = b.next_card(T0 + timedelta(minutes=3))
    assert card_a.prompt == card_b.prompt
    first = a.answer(card_a.card_id, Rating.GOOD, T0)
    second = b.answer(card_b.card_id, Rating.AGAIN, T0 + timedelta(minutes=3))
    a.sync(share, T0 + timedelta(minutes=5))
    b.sync(share, T0 + timedelta(minutes=5))
    a.sync(share, T0 + timedelta(minutes=6))
    sql = "SELECT state, step, stability, difficulty, due, last_review, reps FROM card"
    assert _q(a, sql) == _q(b, sql)
    ids = "SELECT lower(hex(id)) FROM review_log ORDER BY reviewed_at"
    assert _q(a, ids) == [(first,), (second,)]
    assert _q(a, "SELECT reps, last_review FROM card WHERE reps > 0") == [
        (2, int((T0 + timedelta(minutes=3)).timestamp() * 1000))
    ]


def test_sync_never_writes_another_devices_files(pair) -> None:
    a, b, share = pair
    a.answer(a.next_card(T0).card_id, Rating.GOOD, T0)
    a.sync(share, T0)
    before = {
        p: p.read_bytes()
        for p in SyncFolder(share).device_dir(a.setting("sync_device_id")).iterdir()
    }
    b.answer(b.next_card(T0).card_id, Rating.HARD, T0)
    b.sync(share, T0 + timedelta(minutes=1))
    after = {
        p: p.read_bytes()
        for p in SyncFolder(share).device_dir(a.setting("sync_device_id")).iterdir()
    }
    assert after == before


def test_old_segments_are_compacted_and_a_device_back_after_months_gets_all(
    pair, tmp_path: Path
) -> None:
    a, b, share = pair
    when = T0
    answered = []
    for _ in range(40):
        when += timedelta(days=1)
        card = a.next_card(when)
        if card is not None:
            answered.append(a.answer(card.card_id, Rating.GOOD, when))
        a.notes.edit_fields(_note(a, "Second"), {"front_md": f"day {when.day}"}, when)
        a.sync(share, when)
    assert len(_segments(share, a)) <= 33
    assert any(p.name.startswith("snapshot-") for p in _segments(share, a))
    b.sync(share, when + timedelta(days=120))
    assert {r[0] for r in _q(b, "SELECT lower(hex(id)) FROM review_log")} == set(answered)
    sql = "SELECT state, due, stability FROM card ORDER BY due"
    assert _q(b, sql) == _q(a, sql)
    assert _q(b, "SELECT front_md FROM note WHERE prompt_md = 'Second'") == [(f"day {when.day}",)]


def test_media_travel_as_content_addressed_files(pair, tmp_path: Path) -> None:
    a, b, share = pair
    picture = tmp_path / "diagram.png"
    picture.write_bytes(b"\x89PNG fake picture bytes")
    with a.engine.begin() as conn:
        name, _ = add_media_file(conn, a.media_dir, picture)
    a.sync(share, T0)
    b.sync(share, T0)
    assert (share / "cirrus-sync/v1/media" / name).read_bytes() == picture.read_bytes()
    assert (b.media_dir / name).read_bytes() == picture.read_bytes()
    assert _q(b, "SELECT name FROM media") == [("diagram.png",)]


def test_undo_on_one_device_removes_the_answer_everywhere(pair) -> None:
    a, b, share = pair
    card = a.next_card(T0)
    a.answer(card.card_id, Rating.GOOD, T0)
    a.sync(share, T0)
    b.sync(share, T0)
    assert _q(b, "SELECT COUNT(*) FROM review_log") == [(1,)]
    a.undo()
    a.sync(share, T0 + timedelta(minutes=1))
    b.sync(share, T0 + timedelta(minutes=1))
    assert _q(b, "SELECT COUNT(*) FROM review_log") == [(0,)]
    assert _q(b, "SELECT state, due FROM card ORDER BY due") == _q(
        a, "SELECT state, due FROM card ORDER BY due"
    )
    assert _q(b, "SELECT MAX(reps) FROM card") == [(0,)]


def test_deck_options_travel(pair) -> None:
    a, b, share = pair
    with a.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE preset SET leech_threshold = 5, bury_new = 0, new_order = 1, "
                "reviews_per_day = 150 WHERE name = 'Default'"
            )
        )
    a.sync(share, T0 + timedelta(minutes=1))
    b.sync(share, T0 + timedelta(minutes=2))
    row = _q(
        b,
        "SELECT leech_threshold, bury_new, new_order, reviews_per_day FROM preset "
        "WHERE name = 'Default'",
    )
    assert row == [(5, 0, 1, 150)]


def test_a_killed_syncs_temporary_file_is_swept_from_its_own_folder_only(pair) -> None:
    a, b, share = pair
    folder = SyncFolder(share)
    a_dir = folder.device_dir(a.setting("sync_device_id"))
    b_dir = folder.device_dir(b.setting("sync_device_id"))
    (a_dir / ".journal-00000009.jsonl.dead.tmp").write_text('{"type": "se', "utf-8")
    (b_dir / ".journal-00000009.jsonl.live.tmp").write_text('{"type": "se', "utf-8")
    a.sync(share, T0 + timedelta(minutes=1))
    assert list(a_dir.glob(".*.tmp")) == []
    assert [p.name for p in b_dir.glob(".*.tmp")] == [".journal-00000009.jsonl.live.tmp"]


def test_a_note_deleted_in_the_browser_keeps_its_answers_for_a_newer_edit(pair) -> None:
    a, b, share = pair
    card = a.next_card(T0)
    log_id = a.answer(card.card_id, Rating.GOOD, T0)
    a.editing.delete_notes([card.note_id], T0 + timedelta(minutes=1))
    a.sync(share, T0 + timedelta(minutes=1))
    b.notes.edit_fields(_note(b, "First"), {"answer_md": "newer"}, T0 + timedelta(minutes=5))
    b.sync(share, T0 + timedelta(minutes=5))
    a.sync(share, T0 + timedelta(minutes=6))
    for col in (a, b):
        assert _q(col, "SELECT answer_md FROM note WHERE prompt_md = 'First'") == [("newer",)]
        assert _q(col, "SELECT lower(hex(id)) FROM review_log") == [(log_id,)]
