"""A package re-imported after its note type gained a template: the new cards arrive,
as the real Anki made them, and nothing learned is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.models import Rating
from app.storage.collection import Collection
from tests.conftest import T0
from tests.interop.anki_oracle import (
    anki_sides,
    cirrus_cards,
    cirrus_sides,
    export,
    import_into_anki,
    new_anki,
)


@pytest.mark.parametrize("legacy", [False, True])
def test_a_template_added_in_anki_makes_its_cards_on_reimport(tmp_path: Path, legacy: bool) -> None:
    source = new_anki(tmp_path / "anki")
    try:
        mm = source.models
        model = mm.copy(mm.by_name("Basic"))
        model["name"] = "Vocabulary"
        mm.update_dict(model)
        model = mm.by_name("Vocabulary")
        for word, meaning in (("gato", "cat"), ("perro", "dog"), ("casa", "")):
            note = source.new_note(model)
            note["Front"], note["Back"] = word, meaning
            source.add_note(note, source.decks.id("Spanish"))
        first = export(source, tmp_path / "v1.apkg", legacy=legacy)
        reverse = mm.new_template("Reverse")
        reverse["qfmt"], reverse["afmt"] = "{{Back}}", "{{FrontSide}}<hr id=answer>{{Front}}"
        mm.add_template(model, reverse)
        mm.update_dict(model)  # Anki makes the new cards where Back has content
        second = export(source, tmp_path / "v2.apkg", legacy=legacy)
    finally:
        source.close()
    oracle = import_into_anki(second, tmp_path / "oracle")
    try:
        expected = {}
        for cid in oracle.find_cards(""):
            card = oracle.get_card(cid)
            expected[(card.note().guid, card.ord)] = anki_sides(card)
    finally:
        oracle.close()
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(first, T0)
        card = col.next_card(T0)
        col.answer(card.card_id, Rating.GOOD, T0)
        summary = col.import_path(second, T0)
        assert (summary.added, summary.updated, summary.unchanged) == (0, 2, 1)
        ids = cirrus_cards(col)
        assert set(ids) == set(expected)
        assert sum(1 for _, o in ids if o == 1) == 2  # "casa" has no meaning: no reverse
        for key, card_id in ids.items():
            assert cirrus_sides(col, card_id) == expected[key], key
        with col.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM review_log")).scalar_one() == 1
        again = col.import_path(second, T0)
        assert again.unchanged == 3 and col.totals()["cards"] == len(expected)
    finally:
        col.close()
