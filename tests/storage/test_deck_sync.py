"""Updating a deck keeps history: edits in place, removals retired, additions added."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0, deck_text

V1 = """
## What gives FIFO in Service Bus?
<!-- id: fifo -->
Sessions.

## What holds undeliverable messages?
<!-- id: dlq -->
The dead-letter queue.
"""


def _logs(col: Collection, card_id: int) -> int:
    with col.engine.connect() as conn:
        return conn.execute(
            text("SELECT COUNT(*) FROM review_log WHERE card_id = :c"), {"c": card_id}
        ).scalar_one()


def test_edit_remove_add_keep_history(col: Collection, write_deck) -> None:
    path = write_deck(deck_text(V1))
    first = col.import_path(path, T0)
    assert (first.added, first.cards) == (2, 2)
    fifo = col.next_card(T0)
    col.answer(fifo.card_id, Rating.GOOD, T0)
    dlq_id = fifo.card_id + 1
    col.answer(dlq_id, Rating.GOOD, T0)

    v2 = V1.replace("Sessions.", "Sessions (SessionId).").split("## What holds")[0]
    v2 += "## What is a topic?\n<!-- id: topic -->\nPublish-subscribe.\n"
    write_deck(deck_text(v2))
    second = col.import_path(path, T0 + timedelta(days=1))
    assert (second.added, second.updated, second.unchanged, second.retired) == (1, 1, 0, 1)

    edited = col.card(fifo.card_id)
    assert edited.answer == "Sessions (SessionId)."
    assert edited.memory == col.card(fifo.card_id).memory
    assert edited.memory.reps == 1 and _logs(col, fifo.card_id) == 1
    with col.engine.connect() as conn:
        suspended, retired = conn.execute(
            text(
                "SELECT c.suspended, n.retired FROM card c JOIN note n ON n.id = c.note_id "
                "WHERE c.id = :c"
            ),
            {"c": dlq_id},
        ).one()
    assert suspended and retired
    assert _logs(col, dlq_id) == 1  # history kept
    assert col.totals()["notes"] == 3

    # the removed card comes back: restored with its history
    write_deck(deck_text(V1))
    third = col.import_path(path, T0 + timedelta(days=2))
    assert third.updated == 2 and third.retired == 1
    assert col.card(dlq_id).memory.reps == 1
    with col.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT suspended FROM card WHERE id = :c"), {"c": dlq_id}
            ).scalar_one()
            == 0
        )


def test_reimport_unchanged_writes_nothing_new(col: Collection) -> None:
    first = col.import_path(FIXTURES / "decks" / "sample.md", T0)
    assert first.added == 5 and first.cards == 1 + 2 + 2 + 1 + 1
    again = col.import_path(FIXTURES / "decks" / "sample.md", T0)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)
    assert col.totals()["cards"] == 7


def test_cloze_gaining_a_number_adds_a_card(col: Collection, write_deck) -> None:
    path = write_deck(deck_text("## {{c1::A}} is B\n<!-- id: c -->\n"))
    col.import_path(path, T0)
    write_deck(deck_text("## {{c1::A}} is {{c2::B}}\n<!-- id: c -->\n"))
    summary = col.import_path(path, T0)
    assert summary.updated == 1
    assert col.totals()["cards"] == 2


def test_tags_from_deck_and_card_are_stored(col: Collection) -> None:
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    with col.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT t.tag, COUNT(*) FROM note_tag t GROUP BY t.tag ORDER BY t.tag")
        ).all()
    tags = dict(rows)
    assert tags["sample"] == 5 and tags["domain/3-connect"] == 5
    assert tags["service/service-bus"] == 4 and tags["service/monitor"] == 1
    assert tags["ordering"] == 1


def test_bundled_sync_runs_only_when_files_change(tmp_path: Path) -> None:
    folder = tmp_path / "bundled"
    shutil.copytree(FIXTURES / "decks", folder)
    col = Collection.open(tmp_path / "data")
    try:
        assert col.sync_bundled(T0, folder).added == 5
        assert col.sync_bundled(T0, folder) is None
        deck = folder / "sample.md"
        deck.write_text(deck.read_text().replace("Sessions.", "Sessions!"))
        assert col.sync_bundled(T0, folder).updated == 1
    finally:
        col.close()


def test_failed_import_leaves_collection_unchanged(col: Collection, write_deck) -> None:
    col.import_path(write_deck(deck_text(V1)), T0)
    before = col.totals()
    bad_folder = write_deck(deck_text(V1.replace("FIFO", "order")), "pack/a.md").parent
    (bad_folder / "b.md").write_text("---\ndeck: B\nid: b\n---\n\n## Q\n<!-- id: x; bad -->\n")
    try:
        col.import_path(bad_folder, T0)
    except Exception as exc:
        assert "b.md:7" in str(exc)
    else:
        raise AssertionError("a broken deck file must refuse the whole import")
    assert col.totals() == before
