"""A note type's ``.card`` rules (the usual start of a community deck's style sheet)
apply in the card view as in Anki, which shows each card inside an element of class
``card``; in night mode the theme's colours win, as Anki's ``body.nightMode`` does."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.study_render import study_html
from app.storage.collection import Collection
from app.ui.card_text_view import CardTextView
from tests.conftest import T0
from tests.interop.anki_oracle import anki_sides, cirrus_cards, export, import_into_anki, new_anki

pytestmark = pytest.mark.gui

CSS = ".card { color: #884400; font-size: 28px; text-align: center; }\n.card2 { color: #004488; }"


def _package(tmp_path: Path) -> Path:
    col = new_anki(tmp_path / "anki")
    try:
        mm = col.models
        model = mm.copy(mm.by_name("Basic (and reversed card)"))
        model["name"] = "Community"
        model["css"] = CSS
        mm.update_dict(model)
        note = col.new_note(mm.by_name("Community"))
        note["Front"], note["Back"] = "Hauptstadt", "capital"
        col.add_note(note, col.decks.id("German"))
        return export(col, tmp_path / "community.apkg", legacy=False)
    finally:
        col.close()


def _look(view: CardTextView, word: str) -> tuple[str, int, bool]:
    cursor = view.document().find(word)
    assert not cursor.isNull(), word
    cursor.setPosition(cursor.selectionStart() + 1)
    fmt = cursor.charFormat()
    centred = bool(cursor.blockFormat().alignment() & Qt.AlignmentFlag.AlignHCenter)
    return fmt.foreground().color().name(), fmt.font().pixelSize(), centred


def test_card_rules_apply_in_the_card_view(qtbot, tmp_path: Path) -> None:
    package = _package(tmp_path)
    anki = import_into_anki(package, tmp_path / "oracle")
    try:
        cards = sorted(anki.find_cards(""), key=lambda c: anki.get_card(c).ord)
        expected = [anki_sides(anki.get_card(c)) for c in cards]
        assert ".card { color: #884400" in anki.get_card(cards[0]).question()  # Anki's CSS
    finally:
        anki.close()
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(package, T0)
        ids = [i for _, i in sorted(cirrus_cards(col).items(), key=lambda kv: kv[0][1])]
        view = CardTextView(col.media_dir)
        qtbot.addWidget(view)
        for ord_, (card_id, (question, _answer)) in enumerate(zip(ids, expected, strict=True)):
            card = col.card(card_id)
            view.show_html(study_html(card, reveal=False), dark=False, css=card.css)
            assert " ".join(view.toPlainText().split()) == question
            word = question.split()[0]
            colour = "#004488" if ord_ == 1 else "#884400"  # .card2 wins on the second card
            assert _look(view, word) == (colour, 28, True)
            view.show_html(study_html(card, reveal=False, dark=True), dark=True, css=card.css)
            assert _look(view, word) == ("#e6e6e6", 28, True)  # the night theme's colour
    finally:
        col.close()
