"""Adding, editing, deleting with undo, undoing imports, bundled edits surviving syncs."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.errors import BadInputError
from app.core.models import NoteKind
from app.sqlite import sqlite3
from app.storage.collection import Collection
from app.storage.notes_repo import NoteContent
from tests.conftest import FIXTURES, T0, deck_text


def _prompts(col: Collection, query: str = "") -> list[str]:
    ids = col.editing.find_ids(query, True, "sort", False, T0)
    rows = col.editing.rows(ids, True, ["sort"], T0)
    return [rows[i][1][0] for i in ids]


def _sample(col: Collection) -> None:
    col.import_path(FIXTURES / "decks" / "sample.md", T0)


def test_sidebar_queries_find_decks_tags_and_states(col: Collection) -> None:
    _sample(col)
    everything = col.editing.find_ids("", False, "sort", False, T0)
    assert len(everything) == col.totals()["cards"]
    assert col.editing.find_ids('deck:"Sample"', False, "sort", False, T0) == sorted(
        everything, key=lambda c: everything.index(c)
    )
    reversed_cards = col.editing.find_ids("dead-letter", False, "sort", False, T0)
    assert len(reversed_cards) == 2  # the reversed note makes two cards
    assert col.editing.find_ids("service:service-bus -dead", True, "sort", False, T0)
    assert col.editing.find_ids("is:suspended", False, "sort", False, T0) == []
    col.editing.suspend(reversed_cards, True)
    assert sorted(col.editing.find_ids("is:suspended", False, "sort", False, T0)) == sorted(
        reversed_cards
    )


def test_sort_by_every_column_both_ways(col: Collection) -> None:
    _sample(col)
    assert col.editing.sort_ids([], False, "sort", False, T0) == []  # a search found nothing
    from app.storage.browse_repo import COLUMNS

    count = col.totals()["cards"]
    for column in COLUMNS:
        for notes in (False, True):
            up = col.editing.find_ids("", notes, column.key, False, T0)
            down = col.editing.find_ids("", notes, column.key, True, T0)
            assert len(up) == (col.totals()["notes"] if notes else count)
            assert set(up) == set(down)
    by_prompt = _prompts(col)
    assert by_prompt == sorted(by_prompt, key=str.lower)


def test_add_edit_and_history(col: Collection) -> None:
    _sample(col)
    deck_id = col.editing.deck_names()[0][0]
    blank = NoteContent(0, "", NoteKind.REVERSED, deck_id, "", tags=("mine",))
    note_id = col.editing.add_note(replace(blank, prompt="Queue", answer="FIFO store"), T0)
    assert len(col.editing.cards_of_note(note_id)) == 2
    assert col.editing.duplicates(deck_id, "  queue ") == [note_id]
    note = col.editing.note(note_id)
    assert col.editing.save_note(replace(note, answer="First in, first out"), T0)
    assert not col.editing.save_note(replace(note, answer="First in, first out"), T0)
    card = col.card(col.editing.cards_of_note(note_id)[0])
    assert card.answer == "First in, first out"
    (_at, before, after) = col.editing.history(note_id)[0]
    assert before["answer"] == "FIFO store" and after["answer"] == "First in, first out"


def test_a_run_of_edits_to_one_note_is_one_undo_step(col: Collection) -> None:
    _sample(col)
    deck_id = col.editing.deck_names()[0][0]
    blank = NoteContent(0, "", NoteKind.CLOZE, deck_id, "")
    note_id = col.editing.add_note(replace(blank, prompt="Ports", front="{{c1::443}} is TLS"), T0)
    original = col.editing.note(note_id)
    assert len(col.editing.cards_of_note(note_id)) == 1
    two = "{{c1::443}} is TLS, {{c2::80}} is plain"
    col.editing.save_note(replace(original, front=two), T0)
    col.editing.save_note(replace(original, front=two, tags=("ports",)), T0)
    assert len(col.editing.cards_of_note(note_id)) == 2  # the new cloze number's card
    assert col.editing.undo_label() == "Edit note"
    col.editing.undo()
    assert col.editing.note(note_id) == original
    assert len(col.editing.cards_of_note(note_id)) == 1
    assert col.editing.undo_label() != "Edit note"  # the burst was one step


def test_delete_a_deck_records_it_and_undo_brings_back_everything(col: Collection) -> None:
    _sample(col)
    card = col.editing.find_ids("dead-letter", False, "sort", False, T0)[0]
    col.answer(card, 3, T0)  # type: ignore[arg-type]
    before = col.totals()
    decks, notes, cards = col.editing.deck_counts("Sample")
    assert (decks, notes, cards) == (before["decks"], before["notes"], before["cards"])
    col.editing.delete_deck("Sample", T0)
    assert col.totals()["notes"] == 0 and col.totals()["review_logs"] == 0
    with col.engine.connect() as conn:
        kinds = [r[0] for r in conn.exec_driver_sql("SELECT kind FROM deletion")]
    assert kinds.count("deck") == 1 and kinds.count("note") == notes
    assert col.editing.is_newer_than_answer()
    assert col.editing.undo() == "Delete deck Sample"
    assert col.totals() == before
    assert col.card(card).memory.reps == 1
    with col.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM deletion").scalar() == 0


def test_undo_import_removes_what_it_added_and_restores_what_it_updated(
    col: Collection, write_deck
) -> None:
    first = write_deck(
        deck_text("## One\n<!-- id: one -->\n\nA\n\n## Two\n<!-- id: two -->\n\nB\n")
    )
    col.import_path(first, T0)
    two = col.editing.find_ids("Two", True, "sort", False, T0)[0]
    before = col.editing.note(two)
    second = write_deck(
        deck_text(
            "## One\n<!-- id: one -->\n\nA\n\n## Two\n<!-- id: two -->\n\nB changed\n\n"
            "## Three\n<!-- id: three -->\n\nC\n"
        ),
        "v2.md",
    )
    col.import_path(second, T0)
    assert col.editing.note(two).answer == "B changed" and col.totals()["notes"] == 3
    run = col.editing.last_import()
    assert run is not None and (run.notes_added, run.notes_updated) == (1, 1)
    assert col.editing.undo_import() == 1
    assert col.totals()["notes"] == 2
    assert col.editing.note(two) == before
    again = col.editing.last_import()
    assert again is not None and again.id != run.id  # the first import is next
    col.editing.undo_import()
    assert col.totals() == {"decks": 0, "notes": 0, "cards": 0, "review_logs": 0, "media": 0}
    with pytest.raises(BadInputError):
        col.editing.undo_import()


def test_an_import_records_its_notes_as_runs_and_older_lists_still_undo(
    col: Collection, write_deck
) -> None:
    many = "".join(f"## Q{i}\n<!-- id: q{i} -->\n\nA{i}\n\n" for i in range(40))
    col.import_path(write_deck(deck_text(many)), T0)
    with col.engine.connect() as conn:
        (detail,) = conn.exec_driver_sql("SELECT detail FROM import_run").one()
    assert json.loads(detail)["note_runs"] == [[1, 40]]  # one pair, not 40 ids
    run = col.editing.last_import()
    assert run is not None and run.notes_added == 40
    # a run recorded before, its notes listed one by one, is taken back the same way
    with col.engine.begin() as conn:
        data = json.loads(detail)
        first, last = data.pop("note_runs")[0]
        data["notes"] = list(range(first, last + 1))
        conn.exec_driver_sql("UPDATE import_run SET detail = ?", (json.dumps(data),))
    again = col.editing.last_import()
    assert again is not None and again.notes_added == 40
    assert col.editing.undo_import() == 40
    assert col.totals()["notes"] == 0 and col.totals()["cards"] == 0


def test_undo_import_over_an_edited_note_forgets_the_upstream_it_brought(
    col: Collection, write_deck
) -> None:
    col.import_path(write_deck(deck_text("## Q\n<!-- id: q -->\n\nOld\n")), T0)
    note_id = col.editing.find_ids("", True, "sort", False, T0)[0]
    col.editing.save_note(replace(col.editing.note(note_id), answer="Mine"), T0)
    col.import_path(write_deck(deck_text("## Q\n<!-- id: q -->\n\nNew\n"), "v2.md"), T0)
    assert col.editing.note(note_id).changed_upstream
    run = col.editing.last_import()
    assert run is not None and run.notes_updated == 1
    col.editing.undo_import()
    note = col.editing.note(note_id)
    assert note.answer == "Mine" and not note.changed_upstream


def test_an_edited_bundled_card_survives_a_sync_and_shows_the_upstream_change(
    col: Collection, tmp_path: Path
) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    deck = folder / "d.md"
    deck.write_text(deck_text("## Q\n<!-- id: q -->\n\nOld answer\n"), encoding="utf-8")
    col.sync_bundled(T0, folder)
    note_id = col.editing.find_ids("", True, "sort", False, T0)[0]
    col.editing.save_note(replace(col.editing.note(note_id), answer="My answer"), T0)
    col.set_setting("bundled_hash", "force")  # same files, synced again
    col.sync_bundled(T0, folder)
    assert col.editing.note(note_id).answer == "My answer"
    assert not col.editing.note(note_id).changed_upstream
    deck.write_text(deck_text("## Q\n<!-- id: q -->\n\nNew answer\n"), encoding="utf-8")
    col.sync_bundled(T0, folder)
    note = col.editing.note(note_id)
    assert note.answer == "My answer" and note.changed_upstream
    assert note.upstream is not None and note.upstream["answer"] == "New answer"
    assert "changed upstream" in col.editing.rows([note_id], True, ["upstream"], T0)[note_id][1]
    col.editing.keep_mine(note_id)
    assert not col.editing.note(note_id).changed_upstream
    theirs = col.editing.take_theirs(note_id, T0)
    assert theirs.answer == "New answer" and theirs.upstream is None
    assert [h[2]["answer"] for h in col.editing.history(note_id)][-1] == "New answer"
    deck.write_text(deck_text("## Q\n<!-- id: q -->\n\nNewer answer\n"), encoding="utf-8")
    col.sync_bundled(T0, folder)
    assert col.editing.note(note_id).answer == "Newer answer"  # follows the file again


def test_rename_moves_children_and_refuses_a_clash(col: Collection) -> None:
    _sample(col)
    col.editing.create_deck("Other")
    col.editing.rename_deck("Sample", "Archive::Sample")
    names = [n for _, n in col.editing.deck_names()]
    assert "Archive::Sample::Messaging" in names and "Sample::Messaging" not in names
    with pytest.raises(BadInputError):
        col.editing.rename_deck("Archive::Sample::Messaging", "Other")
    with pytest.raises(BadInputError):
        col.editing.create_deck("A::::B")
    col.editing.undo()
    assert "Sample::Messaging" in [n for _, n in col.editing.deck_names()]


def test_bulk_tags_and_reset_are_undoable(col: Collection) -> None:
    _sample(col)
    cards = col.editing.find_ids("", False, "sort", False, T0)
    col.editing.add_tags(cards, ["exam/week1"], T0)
    assert len(col.editing.find_ids("tag:exam", False, "sort", False, T0)) == len(cards)
    col.editing.remove_tags(cards[:1], ["exam"], T0)
    assert len(col.editing.find_ids("tag:exam/week1", False, "sort", False, T0)) < len(cards)
    col.editing.undo()
    col.editing.undo()
    assert col.editing.find_ids("tag:exam", False, "sort", False, T0) == []
    _ = sqlite3


def test_notes_written_in_the_app_export_as_a_markdown_pack(
    col: Collection, tmp_path: Path
) -> None:
    deck_id = col.editing.create_deck("Mine::Written")
    blank = NoteContent(0, "", NoteKind.BASIC, deck_id, "", tags=("mine",))
    col.editing.add_note(replace(blank, prompt="Queue", answer="FIFO store"), T0)
    cloze = replace(blank, kind=NoteKind.CLOZE, prompt="Ports", front="{{c1::443}} is TLS")
    col.editing.add_note(cloze, T0)
    out = tmp_path / "pack"
    assert col.export(out, "md", "Mine")["notes"] == 2
    other = Collection.in_memory()
    try:
        other.import_path(out, T0)
        found = other.editing.find_ids("", True, "sort", False, T0)
        notes = sorted(
            (n.prompt, n.kind, n.answer, n.front, n.tags) for n in map(other.editing.note, found)
        )
        assert [(n[0], n[1]) for n in notes] == [
            ("Ports", NoteKind.CLOZE),
            ("Queue", NoteKind.BASIC),
        ]
        assert notes[1][2] == "FIFO store" and "{{c1::443}}" in notes[0][3]
        assert all("mine" in n[4] for n in notes)
        assert other.editing.deck_names()[0][1] == "Mine::Written"
    finally:
        other.close()


def test_undo_a_delete_after_a_new_note_took_its_ids_keeps_both_notes(col: Collection) -> None:
    """SQLite gives a deleted last row's id to the next row: the note added after a
    delete holds the deleted note's ids; undoing the delete must not write over it."""
    _sample(col)
    deck_id = col.editing.deck_names()[0][0]
    blank = NoteContent(0, "", NoteKind.BASIC, deck_id, "")
    old_note = col.editing.add_note(replace(blank, prompt="Zyxwold", answer="gone"), T0)
    (old_card,) = col.editing.cards_of_note(old_note)
    col.answer(old_card, 3, T0)  # type: ignore[arg-type]
    col.editing.delete_notes([old_note], T0)
    new_note = col.editing.add_note(replace(blank, prompt="New", answer="kept"), T0)
    (new_card,) = col.editing.cards_of_note(new_note)
    assert (new_note, new_card) == (old_note, old_card)  # the ids came back
    col.answer(new_card, 4, T0)  # type: ignore[arg-type]
    col.editing.undo()
    assert col.card(new_card).answer == "kept"
    assert col.card(new_card).memory.reps == 1
    found = col.editing.find_ids("Zyxwold", True, "sort", False, T0)
    assert len(found) == 1 and found[0] != new_note
    (restored_card,) = col.editing.cards_of_note(found[0])
    assert col.card(restored_card).answer == "gone"
    assert col.card(restored_card).memory.reps == 1
    with col.engine.connect() as conn:
        ratings = dict(conn.exec_driver_sql("SELECT card_id, rating FROM review_log").fetchall())
    assert ratings == {restored_card: 3, new_card: 4}


def test_undo_under_later_answers_keeps_their_schedule_or_says_why_not(col: Collection) -> None:
    _sample(col)
    first, second = col.editing.find_ids("dead-letter", False, "sort", False, T0)
    col.editing.flag([first, second], 2)
    col.answer(first, 3, T0)  # type: ignore[arg-type]
    answered = col.card(first).memory
    assert col.editing.undo() == "Flag"
    with col.engine.connect() as conn:
        flags = conn.exec_driver_sql(f"SELECT flag FROM card WHERE id IN ({first}, {second})")
        assert [r[0] for r in flags] == [0, 0]  # the flag is taken back
    assert col.card(first).memory == answered  # the answer's schedule stays
    later = T0 + timedelta(days=1)
    col.editing.reschedule([second], later + timedelta(days=9), later)
    col.answer(second, 3, later)  # type: ignore[arg-type]
    with pytest.raises(BadInputError, match="answered since"):
        col.editing.undo()
    assert col.editing.undo_label() == "Reschedule"  # nothing was taken back
    assert col.editing.undo_latest() == "Answer"  # the newest first, as the app does
    assert col.editing.undo_latest() == "Reschedule"
    assert col.card(second).memory.reps == 0
