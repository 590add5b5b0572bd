"""Anki's filtered decks (custom study sessions included) on the way into Cirrus: Cirrus
keeps no filtered decks, so none can be left behind empty. Each card goes to its home deck
(Anki's ``odid``) with its home due date (``odue``); the filtered decks, full or empty,
are not created (only the placement is kept, for an export back to Anki:
``app/storage/filtered_membership.py``); studying "more" in Cirrus is a session over a
list of cards, no deck."""

from __future__ import annotations

from pathlib import Path

from app.storage.collection import Collection
from tests.conftest import T0
from tests.interop.anki_oracle import export, new_anki


def _package(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    col = new_anki(tmp_path / "anki")
    try:
        home = col.decks.id("Home")
        basic = col.models.by_name("Basic")
        ids = []
        for i in range(3):
            note = col.new_note(basic)
            note["Front"], note["Back"] = f"question {i}", "answer"
            col.add_note(note, home)
            ids.append(note.cards()[0].id)
        cram = col.decks.new_filtered("Cram")
        deck = col.decks.get(cram)
        deck["terms"] = [[f"cid:{ids[0]}", 10, 0]]
        col.decks.save(deck)
        col.sched.rebuild_filtered_deck(cram)
        session = col.decks.new_filtered("Custom Study Session")
        col.sched.empty_filtered_deck(session)
        assert col.get_card(ids[0]).odid == home  # really in the filtered deck
        assert len(col.decks.all_names_and_ids()) == 4  # Default, Home and the two above
        guids = {col.get_card(cid).note().guid: "Home" for cid in ids}
        return export(col, tmp_path / "filtered.apkg", legacy=False), guids
    finally:
        col.close()


def test_filtered_decks_are_not_kept_their_cards_go_home(tmp_path: Path, col: Collection) -> None:
    package, homes = _package(tmp_path)
    col.import_path(package, T0)
    names = {d.name for d in col.decks(T0)}
    assert "Cram" not in names and "Custom Study Session" not in names
    rows = col.card_rows(col.search_cards("", now=T0))
    assert {r.note_guid.removeprefix("guid:"): r.deck for r in rows} == homes
    assert col.search_cards("deck:filtered", now=T0) == []


def test_studying_more_makes_no_deck(col: Collection, tmp_path: Path) -> None:
    package, _ = _package(tmp_path)
    col.import_path(package, T0)
    before = {d.name for d in col.decks(T0)}
    cards = col.custom_study.ahead(T0, None, days=30)
    cards += col.custom_study.tagged(None, "none")
    assert {d.name for d in col.decks(T0)} == before
