"""A ``.colpkg`` built by the real Anki: "replace my collection" (the default, after a
backup) makes the collection the package's, keeping what Anki cannot hold; "merge" adds
to it and takes the schedule of cards the package reviewed later."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app.core.import_choices import CollectionMode, ImportChoices
from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0
from tests.interop.anki_oracle import new_anki

MERGE = ImportChoices(collection=CollectionMode.MERGE)


def _answer(col: Any, card_id: int, ease: int) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    col.sched.answerCard(card, ease)


def _anki_collection(folder: Path) -> Any:
    col = new_anki(folder)
    col.set_config("fsrs", True)
    conf = col.decks.get_config(col.decks.add_config_returning_id("Backup preset"))
    conf["new"]["perDay"] = 9
    col.decks.update_config(conf)
    deck_id = col.decks.id("Spanish")
    deck = col.decks.get(deck_id)
    deck["conf"] = conf["id"]
    col.decks.save(deck)
    basic = col.models.by_name("Basic")
    for word, meaning in (("perro", "dog"), ("gato", "cat"), ("sol", "sun")):
        note = col.new_note(basic)
        note["Front"], note["Back"] = word, meaning
        col.add_note(note, deck_id)
    return col


def _colpkg(col: Any, out: Path) -> Path:
    col.export_collection_package(str(out), include_media=True, legacy=False)
    col.reopen()  # the export closes the collection
    return out


def _notes(col: Collection) -> dict[str, tuple[str, str]]:
    with col.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT n.uid, n.fields, d.name FROM note n JOIN deck d ON d.id = n.deck_id")
        )
        return {
            str(u).removeprefix("guid:"): (json.loads(f or "[]")[:1], str(d)) for u, f, d in rows
        }


def _card(col: Collection, guid: str) -> tuple[Any, ...]:
    with col.engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT c.state, c.due, c.reps, c.last_review, (SELECT COUNT(*) FROM "
                    "review_log r WHERE r.card_id = c.id) FROM card c JOIN note n "
                    "ON n.id = c.note_id WHERE n.uid = :u"
                ),
                {"u": f"guid:{guid}"},
            ).one()
        )


def test_replace_makes_the_collection_the_packages_after_a_backup(tmp_path: Path) -> None:
    anki = _anki_collection(tmp_path / "anki")
    try:
        (first,) = anki.find_cards("gato")
        _answer(anki, first, 3)
        package = _colpkg(anki, tmp_path / "backup.colpkg")
        expected = {
            anki.get_note(n).guid: ([anki.get_note(n).fields[0]], "Spanish")
            for n in anki.find_notes("")
        }
        revlog = anki.db.scalar("SELECT COUNT(*) FROM revlog")
    finally:
        anki.close()
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(FIXTURES / "decks" / "sample.md", T0, origin="bundled")
        bundled = _notes(col)
        own = tmp_path / "own.md"
        own.write_text("---\ndeck: Mine\nid: mine\n---\n\n## My question\n\nMy answer\n")
        col.import_path(own, T0)  # the learner's own import
        col.set_setting("sync_device_id", "device-1")
        col.set_setting("exam_date", "2027-01-15")
        card = col.next_card(T0)
        col.answer(card.card_id, Rating.GOOD, T0)
        preview_choices = ImportChoices()
        assert preview_choices.collection == CollectionMode.REPLACE  # Anki's default
        summary = col.import_path(package, T0 + timedelta(minutes=1))
        notes = _notes(col)
        assert {g: v for g, v in notes.items() if g not in bundled} == expected
        assert bundled.items() <= notes.items()  # the bundled decks stay
        assert summary.removed == 1 and summary.backup  # the learner's own note
        assert "Mine" not in {d.name for d in col.decks(T0)}
        assert Path(summary.backup).exists() and "pre-replace" in Path(summary.backup).name
        assert col.setting("sync_device_id") == "device-1"
        assert col.setting("exam_date") == "2027-01-15"
        with col.engine.connect() as conn:
            logs = conn.execute(
                text(
                    "SELECT COUNT(*) FROM review_log r JOIN card c ON c.id = r.card_id "
                    "JOIN note n ON n.id = c.note_id WHERE n.uid LIKE 'guid:%'"
                )
            ).scalar_one()
            presets = {r[0] for r in conn.execute(text("SELECT name FROM preset"))}
        assert logs == revlog
        assert "Backup preset" in presets
        assert col.editing.last_import() is None  # a replaced collection comes back from its backup
    finally:
        col.close()


def test_replace_removes_the_learners_other_notes(tmp_path: Path) -> None:
    anki = _anki_collection(tmp_path / "anki")
    try:
        package = _colpkg(anki, tmp_path / "backup.colpkg")
    finally:
        anki.close()
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(FIXTURES / "decks" / "sample.md", T0)
        before = col.totals()
        summary = col.import_path(package, T0)
        assert summary.removed == before["notes"] > 0
        assert col.totals()["notes"] == 3
        assert {d.name for d in col.decks(T0) if d.notes} == {"Spanish"}
    finally:
        col.close()


def test_merge_takes_the_schedule_of_cards_reviewed_later_in_the_package(
    tmp_path: Path,
) -> None:
    anki = _anki_collection(tmp_path / "anki")
    try:
        (perro,) = anki.find_cards("perro")
        (gato,) = anki.find_cards("gato")
        _answer(anki, perro, 3)
        _answer(anki, gato, 3)
        older = _colpkg(anki, tmp_path / "older.colpkg")
        _answer(anki, perro, 3)  # a later answer, only in the newer backup
        newer = _colpkg(anki, tmp_path / "newer.colpkg")
        guid = anki.get_card(perro).note().guid
        gato_guid = anki.get_card(gato).note().guid
        card = anki.get_card(perro)
        reps, state = card.reps, card.type
    finally:
        anki.close()
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(older, T0)
        old_gato = _card(col, gato_guid)
        old_perro = _card(col, guid)
        col.import_path(newer, T0, choices=MERGE)
        merged = _card(col, guid)
        assert merged[4] == old_perro[4] + 1  # the newer answer joined the log
        assert merged[2] == reps and merged[0] == state  # and its schedule came too
        assert merged[1] != old_perro[1]
        assert _card(col, gato_guid) == old_gato  # reviewed no later: left as it was
    finally:
        col.close()
    fresh = Collection.open(tmp_path / "fresh")
    try:
        fresh.import_path(newer, T0)
        assert _card(fresh, guid) == merged  # as if the newer backup had been read alone
    finally:
        fresh.close()


def test_merge_keeps_our_schedule_when_we_reviewed_later(tmp_path: Path) -> None:
    anki = _anki_collection(tmp_path / "anki")
    try:
        (sol,) = anki.find_cards("sol")
        _answer(anki, sol, 3)
        package = _colpkg(anki, tmp_path / "backup.colpkg")
        guid = anki.get_card(sol).note().guid
    finally:
        anki.close()
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(package, T0)
        with col.engine.connect() as conn:
            card_id = conn.execute(
                text("SELECT c.id FROM card c JOIN note n ON n.id = c.note_id WHERE n.uid = :u"),
                {"u": f"guid:{guid}"},
            ).scalar_one()
        later = T0 + timedelta(days=30)
        col.answer(card_id, Rating.EASY, later)
        ours = _card(col, guid)
        col.import_path(package, later, choices=MERGE)
        assert _card(col, guid) == ours
    finally:
        col.close()
