"""What the browser's bulk actions change reaches the other computer: some cards of a
note deleted, a deck deleted, cards moved between decks, suspends, flags, burying,
forgetting and rescheduling, presets and deck options (two data folders, one shared
folder)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import T0, deck_text

CARDS = """
## Service Bus {{c1::sessions}} keep {{c2::order}}

???

FIFO per session.

## Event Grid

???

Push delivery.

## Event Hubs

???

Partitions.
"""
OTHER = deck_text(
    "\n## Queue storage\n\n???\n\nSimple queues.\n", deck="Other", uid="other", tags="[o]"
)
CARD_ROWS = (
    "SELECT n.uid, c.ord, d.name, c.suspended, c.flag, c.buried_until, c.state, c.due, "
    "c.stability, c.difficulty, c.step, c.last_review, c.reps, c.lapses "
    "FROM card c JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = n.deck_id "
    "WHERE n.uid NOT LIKE 'ai200%' ORDER BY n.uid, c.ord"
)


@pytest.fixture
def pair(tmp_path: Path, write_deck):
    share = tmp_path / "share"
    share.mkdir()
    a = Collection.open(tmp_path / "a", tz=UTC, rng=random.Random(1))
    b = Collection.open(tmp_path / "b", tz=UTC, rng=random.Random(2))
    a.import_path(write_deck(deck_text(CARDS)), T0)
    other = tmp_path / "other.md"
    other.write_text(OTHER, encoding="utf-8")
    a.import_path(other, T0)
    a.sync(share, T0)
    b.sync(share, T0)
    yield a, b, share
    a.close()
    b.close()


def _q(col: Collection, sql: str, **params) -> list[tuple]:
    with col.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def _cards(col: Collection, prompt: str) -> list[int]:
    return [
        int(r[0])
        for r in _q(
            col,
            "SELECT c.id FROM card c JOIN note n ON n.id = c.note_id "
            "WHERE n.prompt_md LIKE :p ORDER BY c.ord",
            p=f"{prompt}%",
        )
    ]


def _both(a: Collection, b: Collection, share: Path, later: int = 1) -> None:
    now = T0 + timedelta(minutes=later)
    a.sync(share, now)
    b.sync(share, now)
    a.sync(share, now)


def test_deleting_one_card_of_a_note_deletes_it_on_the_other_computer(pair) -> None:
    a, b, share = pair
    second = _cards(a, "Service Bus")[1]
    a.answer(second, Rating.GOOD, T0)
    a.editing.delete_cards([second], T0 + timedelta(minutes=1))
    _both(a, b, share, 2)
    assert len(_cards(b, "Service Bus")) == 1
    assert _q(b, CARD_ROWS) == _q(a, CARD_ROWS)
    # the note and its other card stay, and syncing again changes nothing
    assert _q(b, "SELECT COUNT(*) FROM note WHERE prompt_md LIKE 'Service Bus%'") == [(1,)]
    _both(a, b, share, 3)
    assert len(_cards(a, "Service Bus")) == len(_cards(b, "Service Bus")) == 1


def test_a_newer_flag_on_the_other_computer_brings_a_deleted_card_back(pair) -> None:
    a, b, share = pair
    second = _cards(a, "Service Bus")[1]
    a.editing.delete_cards([second], T0 + timedelta(minutes=1))
    b.editing.flag([_cards(b, "Service Bus")[1]], 2)  # later: b's clock says T0 + 5 min
    a.sync(share, T0 + timedelta(minutes=2))
    b.sync(share, T0 + timedelta(minutes=5))
    report = a.sync(share, T0 + timedelta(minutes=6))
    assert len(_cards(a, "Service Bus")) == len(_cards(b, "Service Bus")) == 2
    assert _q(b, CARD_ROWS) == _q(a, CARD_ROWS)
    assert any(
        c.startswith('card 2 of note "Service Bus') and "kept: edited later" in c
        for c in report.conflicts
    )


def test_deleting_a_deck_deletes_it_and_its_notes_on_the_other_computer(pair) -> None:
    a, b, share = pair
    a.editing.delete_deck("Other", T0 + timedelta(minutes=1))
    _both(a, b, share, 2)
    assert _q(b, "SELECT COUNT(*) FROM deck WHERE name = 'Other'") == [(0,)]
    assert _q(b, "SELECT COUNT(*) FROM note WHERE prompt_md = 'Queue storage'") == [(0,)]
    assert _q(b, CARD_ROWS) == _q(a, CARD_ROWS)


def test_moving_cards_to_another_deck_moves_them_there(pair) -> None:
    a, b, share = pair
    a.editing.change_deck(_cards(a, "Event Grid"), "Other::Moved", T0)
    _both(a, b, share)
    assert _q(b, CARD_ROWS) == _q(a, CARD_ROWS)
    assert {r[2] for r in _q(b, CARD_ROWS) if r[0].endswith("event-grid")} <= {"Other::Moved"}
    assert "Other::Moved" in {r[0] for r in _q(b, "SELECT name FROM deck")}


def test_bulk_suspend_flag_bury_forget_and_reschedule_travel(pair) -> None:
    a, b, share = pair
    grid, hubs = _cards(a, "Event Grid"), _cards(a, "Event Hubs")
    sessions = _cards(a, "Service Bus")
    for card in hubs:
        a.answer(card, Rating.EASY, T0)
    a.editing.suspend(grid + sessions[:1], True)
    a.editing.flag(grid + hubs, 4)
    a.editing.bury(sessions[1:], T0)
    _both(a, b, share)
    assert _q(b, CARD_ROWS) == _q(a, CARD_ROWS)
    a.editing.suspend(grid, False)
    a.editing.reschedule(hubs, T0 + timedelta(days=9), T0 + timedelta(minutes=2))
    _both(a, b, share, 3)
    assert _q(b, CARD_ROWS) == _q(a, CARD_ROWS)
    a.editing.reset_to_new(hubs)
    _both(a, b, share, 4)
    rows = _q(b, CARD_ROWS)
    assert rows == _q(a, CARD_ROWS)
    assert [r[6] for r in rows if r[1] == 0 and r[0] in {_uid(a, c) for c in hubs}] == [0]


def _uid(col: Collection, card_id: int) -> str:
    return str(
        _q(
            col,
            "SELECT n.uid FROM card c JOIN note n ON n.id = c.note_id WHERE c.id = :c",
            c=card_id,
        )[0][0]
    )


def test_presets_their_assignment_renaming_and_deletion_travel(pair) -> None:
    a, b, share = pair
    options = a.deck_options
    cram = options.add("Cram")
    options.save(replace(options.preset(cram), desired_retention=0.85, new_per_day=7))
    options.assign("Other", cram)
    _both(a, b, share)
    on_b = b.deck_options.deck_preset("Other")
    assert (on_b.name, on_b.desired_retention, on_b.new_per_day) == ("Cram", 0.85, 7)

    options.save(replace(options.preset(cram), name="Sprint"))
    _both(a, b, share, 2)
    assert b.deck_options.deck_preset("Other").name == "Sprint"
    assert sorted(p.name for p in b.deck_options.presets()) == ["Default", "Sprint"]

    options.delete(cram)  # its decks go back to Default, on both computers
    _both(a, b, share, 3)
    for col in (a, b):
        assert col.deck_options.deck_preset("Other").name == "Default"
        assert [p.name for p in col.deck_options.presets()] == ["Default"]


def test_undoing_a_card_deletion_after_an_answer_keeps_both_answers(pair) -> None:
    a, _, share = pair
    first, second = _cards(a, "Service Bus")
    a.answer(second, Rating.GOOD, T0)  # the newest review row: its rowid is handed out again
    a.editing.delete_cards([second], T0)
    kept = a.answer(first, Rating.GOOD, T0 + timedelta(minutes=1))
    a.editing.undo()
    assert len(_cards(a, "Service Bus")) == 2
    logs = _q(a, "SELECT lower(hex(id)), card_id FROM review_log ORDER BY reviewed_at")
    assert [c for _, c in logs] == [second, first] and logs[1][0] == kept
    a.sync(share, T0 + timedelta(minutes=2))
