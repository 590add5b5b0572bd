"""A package built by the real Anki goes into Cirrus, out again as ``.apkg`` with history,
and into a fresh Anki collection: what the second Anki reads equals what the first had
(notes, cards, home decks, states, flags, review log, FSRS memory, media, presets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.storage.collection import Collection
from tests.conftest import T0
from tests.interop.anki_oracle import export, import_into_anki, new_anki

PNG = bytes.fromhex(  # an 8x8 red square
    "89504e470d0a1a0a0000000d49484452000000080000000808020000004b6d29dc0000001149444154789c"
    "63b860608015310c2d0900da7b4c01eb962a9a0000000049454e44ae426082"
)
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0fclip"


def _answer(col: Any, card_id: int, *eases: int) -> None:
    for ease in eases:
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, ease)


def _source(tmp_path: Path, legacy: bool) -> Path:
    col = new_anki(tmp_path / "anki")
    try:
        col.set_config("fsrs", True)
        conf = col.decks.get_config(col.decks.add_config_returning_id("Exam sprint"))
        conf["new"]["perDay"] = 7
        conf["rev"]["perDay"] = 70
        conf["lapse"]["leechFails"] = 5
        conf["desiredRetention"] = 0.85
        col.decks.update_config(conf)
        home = col.decks.id("Home")
        deck = col.decks.get(home)
        deck["conf"] = conf["id"]
        col.decks.save(deck)
        col.media.write_data("pic.png", PNG)
        col.media.write_data("clip.mp3", MP3)
        basic = col.models.by_name("Basic")
        ids = []
        for i in range(10):
            note = col.new_note(basic)
            note["Front"] = f"question {i}"
            note["Back"] = '<img src="pic.png"> [sound:clip.mp3]' if i == 9 else "answer"
            col.add_note(note, home)
            ids.append(note.cards()[0].id)
        default = col.new_note(basic)
        default["Front"], default["Back"] = "in Default", "answer"
        col.add_note(default, col.decks.id("Default"))
        col.sched.suspend_cards([ids[0]])
        col.sched.bury_cards([ids[1]], manual=True)
        col.set_user_flag_for_cards(3, [ids[2]])
        _answer(col, ids[3], 3)  # learning, one step done
        _answer(col, ids[4], 2, 4)  # Hard in learning, then Easy: a review card
        for card_id in (ids[5], ids[6], ids[7], ids[8]):
            _answer(col, card_id, 4)
        col.sched.set_due_date([ids[5], ids[6]], "0")  # manual rows
        _answer(col, ids[5], 1)  # a lapse: relearning
        _answer(col, ids[6], 1, 3)  # a lapse, then a relearning answer
        col.sched.schedule_cards_as_new([ids[7]], restore_position=True, reset_counts=False)
        cram = col.decks.new_filtered("Cram")
        filtered = col.decks.get(cram)
        filtered["terms"] = [[f"cid:{ids[8]}", 10, 0]]
        filtered["resched"] = False
        col.decks.save(filtered)
        col.sched.rebuild_filtered_deck(cram)
        _answer(col, ids[8], 3)  # answered in the filtered deck: revlog type 3
        later = col.decks.new_filtered("Later")  # a review card waiting in a filtered deck
        waiting = col.decks.get(later)
        waiting["terms"] = [[f"cid:{ids[4]}", 5, 1]]
        waiting["resched"] = True
        col.decks.save(waiting)
        col.sched.rebuild_filtered_deck(later)
        col.set_user_flag_for_cards(1, [ids[4]])
        return export(col, tmp_path / "source.apkg", legacy=legacy)
    finally:
        col.close()


def _reading(col: Any) -> dict[str, Any]:
    notes, cards, new_order = {}, {}, []
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        notes[note.guid] = (note.note_type()["name"], tuple(note.fields), tuple(note.tags))
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        guid = card.note().guid
        due = card.odue if card.odid else card.due
        if card.type == 0:
            new_order.append((col.decks.name(card.odid or card.did), due, guid))
            when = None
        elif card.queue in (1, 4) or (card.queue < 0 and card.type in (1, 3) and due > 10**8):
            when = due  # a learning step: an epoch time in seconds
        else:
            when = col.crt // 86_400 + due  # a day
        memory = card.memory_state
        cards[(guid, card.ord)] = {
            "deck": col.decks.name(card.odid or card.did),
            "type": card.type,
            "queue": card.queue,
            "due": when,
            "flags": card.flags,
            "reps": card.reps,
            "lapses": card.lapses,
            "memory": None
            if memory is None
            else (round(memory.stability, 2), round(memory.difficulty, 2)),
            "in": col.decks.name(card.did),  # a filtered deck, or the home deck
            "retention": None
            if card.desired_retention is None
            else round(card.desired_retention, 3),
        }
    revlog = col.db.all("SELECT id, ease, type, ivl, lastIvl, factor, time FROM revlog ORDER BY id")
    media = {
        name: (Path(col.media.dir()) / name).read_bytes()
        for name in sorted(p.name for p in Path(col.media.dir()).iterdir() if p.is_file())
    }
    home = col.decks.config_dict_for_deck_id(col.decks.id_for_name("Home"))
    holding = {c["in"] for c in cards.values()}
    filtered = {
        d["name"]: (d["resched"], [tuple(t) for t in d["terms"]])
        for d in col.decks.all()
        if d["dyn"] and d["name"] in holding  # (Cirrus keeps only filtered decks in use)
    }
    return {
        "notes": notes,
        "cards": cards,
        "new_order": [(d, g) for d, _, g in sorted(new_order)],  # within each deck
        "decks": sorted({c["deck"] for c in cards.values()}),
        "revlog": [tuple(r) for r in revlog],
        "media": media,
        "preset": (home["name"], home["new"]["perDay"], home["rev"]["perDay"]),
        "leech": home["lapse"]["leechFails"],
        "filtered": filtered,
    }


@pytest.mark.parametrize("legacy", [False, True])
def test_anki_to_cirrus_to_anki_keeps_everything(tmp_path: Path, legacy: bool) -> None:
    package = _source(tmp_path, legacy)
    first = import_into_anki(package, tmp_path / "first")
    try:
        expected = _reading(first)
    finally:
        first.close()
    assert {r[2] for r in expected["revlog"]} >= {0, 1, 2, 3, 4}
    assert {c["type"] for c in expected["cards"].values()} == {0, 1, 2, 3}
    assert sum(c["memory"] is not None for c in expected["cards"].values()) >= 5
    assert {c["flags"] for c in expected["cards"].values()} >= {0, 1, 3}
    assert "Default" in expected["decks"] and set(expected["media"]) == {"pic.png", "clip.mp3"}
    assert set(expected["filtered"]) == {"Later"}
    assert {c["in"] for c in expected["cards"].values()} >= {"Later", "Home", "Default"}
    assert 0.85 in {c["retention"] for c in expected["cards"].values()}
    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(package, T0)
        out = tmp_path / "from-cirrus.apkg"
        cirrus.export(out, "apkg", with_history=True, now=T0)
    finally:
        cirrus.close()
    second = import_into_anki(out, tmp_path / "second")
    try:
        actual = _reading(second)
    finally:
        second.close()
    assert actual["notes"] == expected["notes"]
    assert actual["decks"] == expected["decks"]
    for key, card in expected["cards"].items():
        assert actual["cards"][key] == card, key
    assert actual["cards"].keys() == expected["cards"].keys()
    assert actual["new_order"] == expected["new_order"]
    assert actual["revlog"] == expected["revlog"]
    assert actual["media"] == expected["media"]
    assert actual["preset"] == expected["preset"]
    assert actual["leech"] == expected["leech"]
    assert actual["filtered"] == expected["filtered"]


def test_cirrus_answers_reach_anki_with_their_intervals_and_factor(tmp_path: Path) -> None:
    from app.core.models import Rating
    from tests.conftest import FIXTURES

    cirrus = Collection.open(tmp_path / "cirrus")
    try:
        cirrus.import_path(FIXTURES / "decks" / "sample.md", T0)
        for rating in (Rating.EASY, Rating.GOOD):
            card = cirrus.next_card(T0)
            cirrus.answer(card.card_id, rating, T0)
        out = tmp_path / "answers.apkg"
        cirrus.export(out, "apkg", with_history=True, now=T0)
    finally:
        cirrus.close()
    anki = import_into_anki(out, tmp_path / "anki")
    try:
        rows = anki.db.all("SELECT cid, ease, ivl, lastIvl, factor, type FROM revlog ORDER BY id")
        assert [r[1] for r in rows] == [4, 3]
        for cid, _ease, ivl, last_ivl, factor, kind in rows:
            card = anki.get_card(cid)
            assert kind == 0 and last_ivl == 0  # first answers, from new
            if card.type == 2:  # graduated: Anki's interval is the logged one
                assert ivl == card.ivl > 0
            else:  # a learning step: Anki logs it as negative seconds
                assert card.type == 1 and ivl < 0
            difficulty = card.memory_state.difficulty
            assert factor == round(((difficulty - 1) / 9 + 0.1) * 1000)
    finally:
        anki.close()
