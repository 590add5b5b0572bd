"""Template rendering and card generation compared with the real Anki on the same
package: special fields, reading filters, and Anki's rule for an empty field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.core.anki_template import generated_ords
from app.storage.collection import Collection
from tests.conftest import T0
from tests.interop.anki_oracle import (
    anki_sides,
    cirrus_cards,
    cirrus_sides,
    export,
    new_anki,
)

PNG = bytes.fromhex(  # an 8x8 red square
    "89504e470d0a1a0a0000000d49484452000000080000000808020000004b6d29dc0000001149444154789c"
    "63b860608015310c2d0900da7b4c01eb962a9a0000000049454e44ae426082"
)
QFMT = (
    "<div class=reading>{{furigana:Expression}}</div> K={{kanji:Expression}} "
    "R={{kana:Expression}} T={{Tags}} D={{Deck}} S={{Subdeck}} C={{Card}} N={{Type}}"
    "{{#Picture}} with picture {{Picture}}{{/Picture}}{{^Picture}} no picture{{/Picture}}"
)
AFMT = "{{FrontSide}}<hr id=answer>{{Meaning}}"
NOTES = [  # Expression, Meaning, Picture, tags
    ("日本語[にほんご]を 話[はな]す", "speak Japanese", '<img src="pic.png">', "jp::n5 verbs"),
    ("猫[ねこ]", "cat", "<br><div></div>", "jp::n5"),
    ("犬[いぬ]&nbsp;大[おお]きい", "big dog", "", ""),
]


def _notetype(col: Any) -> Any:
    mm = col.models
    model = mm.new("Reading")
    for name in ("Expression", "Meaning", "Picture"):
        mm.add_field(model, mm.new_field(name))
    forward = mm.new_template("Recognise")
    forward["qfmt"], forward["afmt"] = QFMT, AFMT
    mm.add_template(model, forward)
    picture = mm.new_template("Picture only")
    picture["qfmt"] = "{{Picture}}"
    picture["afmt"] = "{{FrontSide}}<hr id=answer>{{Expression}}"
    mm.add_template(model, picture)
    mm.add(model)
    return mm.by_name("Reading")


def _package(tmp_path: Path, legacy: bool) -> Path:
    col = new_anki(tmp_path / "anki")
    try:
        col.media.write_data("pic.png", PNG)
        model = _notetype(col)
        did = col.decks.id("Lang::Japanese")
        for expression, meaning, picture, tags in NOTES:
            note = col.new_note(model)
            note["Expression"], note["Meaning"], note["Picture"] = expression, meaning, picture
            note.tags = tags.split()
            col.add_note(note, did)
        basic = col.new_note(col.models.by_name("Basic"))
        basic["Front"], basic["Back"] = '<img src="pic.png">', "an image alone is a card"
        col.add_note(basic, col.decks.id("Default"))
        return export(col, tmp_path / "reading.apkg", legacy=legacy)
    finally:
        col.close()


def _anki_cards(package: Path, folder: Path) -> dict[tuple[str, int], tuple[str, str]]:
    from tests.interop.anki_oracle import import_into_anki

    col = import_into_anki(package, folder)
    try:
        out = {}
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            out[(card.note().guid, card.ord)] = anki_sides(card)
        return out
    finally:
        col.close()


@pytest.mark.parametrize("legacy", [False, True])
def test_rendered_cards_read_as_in_anki(tmp_path: Path, legacy: bool) -> None:
    package = _package(tmp_path, legacy)
    expected = _anki_cards(package, tmp_path / "oracle")
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(package, T0)
        ids = cirrus_cards(col)
        assert set(ids) == set(expected)
        for key, card_id in ids.items():
            assert cirrus_sides(col, card_id) == expected[key], key
        shown = "".join(cirrus_sides(col, i)[0] for i in ids.values())
        assert "T=jp::n5 verbs" in shown and "D=Lang::Japanese S=Japanese" in shown
        raw = col.card(next(i for k, i in ids.items() if k[1] == 0)).front
        assert "<ruby>" in raw
    finally:
        col.close()


def test_furigana_survives_the_sanitiser() -> None:
    from app.core.render import sanitise

    kept = sanitise("<ruby><rb>猫</rb><rt>ねこ</rt></ruby>")
    assert kept == "<ruby><rb>猫</rb><rt>ねこ</rt></ruby>"


CASES = [  # Front, Back, Extra, tags as a user could type them
    ('<img src="a.png">', "", "", ""),
    ("<br><div> </div>", "back", "", "t"),
    ("&nbsp;", "", "", ""),
    ("", "", "[sound:a.mp3]", "t"),
    ("", "<div></div>", "x", ""),
    ("front", "back", "", "t"),
]
GENERATION = [
    ("{{Front}}", "{{Back}}"),
    ("{{#Extra}}{{Back}}{{/Extra}}", ""),
    ("{{^Front}}{{Extra}}{{/Front}}", ""),
    ("{{Tags}} {{text:Back}}", ""),
    ("{{#Tags}}x{{Back}}{{/Tags}}", ""),
    ("{{^Back}}{{Deck}}{{/Back}}", ""),
    ("{{Card}}", ""),
]


def test_card_generation_follows_anki(tmp_path: Path) -> None:
    col = new_anki(tmp_path)
    try:
        mm = col.models
        model = mm.new("Generation")
        for name in ("Front", "Back", "Extra"):
            mm.add_field(model, mm.new_field(name))
        for index, (qfmt, afmt) in enumerate(GENERATION):
            template = mm.new_template(f"T{index}")
            template["qfmt"], template["afmt"] = qfmt, afmt or "{{FrontSide}}"
            mm.add_template(model, template)
        mm.add(model)
        model = mm.by_name("Generation")
        for front, back, extra, tags in CASES:
            note = col.new_note(model)
            note["Front"], note["Back"], note["Extra"] = front, back, extra
            note.tags = tags.split()
            col.add_note(note, col.decks.id("Default"))
            ords = sorted(card.ord for card in note.cards())
            fields = {"Front": front, "Back": back, "Extra": extra}
            assert generated_ords(GENERATION, fields, False, tagged=bool(tags)) == ords, fields
    finally:
        col.close()


def test_text_export_with_image_only_fields_makes_anki_s_cards(tmp_path: Path) -> None:
    source = new_anki(tmp_path / "anki")
    try:
        basic = source.models.by_name("Basic")
        for front in ('<img src="pic.png">', "<div><br></div>", "plain", "[sound:a.mp3]"):
            note = source.new_note(basic)
            note["Front"], note["Back"] = front, "back"
            source.add_note(note, source.decks.id("Default"))
        expected = source.card_count()
        out = tmp_path / "notes.txt"
        source.export_note_csv(
            out_path=str(out),
            limit=None,
            with_html=True,
            with_tags=True,
            with_deck=True,
            with_notetype=True,
            with_guid=True,
        )
    finally:
        source.close()
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(out, T0)
        assert col.totals()["cards"] == expected
        fronts = {col.card(i).front for i in cirrus_cards(col).values()}
        assert any("<img" in f for f in fronts)
    finally:
        col.close()
