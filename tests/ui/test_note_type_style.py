"""A note type's style sheet with class selectors, ``<font>`` and size styles reach the
card view, for a package built by the real Anki; what stays blocked stays blocked."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QTextCursor

from app.core.render import card_html, sanitise
from app.storage.collection import Collection
from app.ui.card_text_view import CardTextView
from tests.conftest import T0
from tests.interop.anki_oracle import (
    anki_sides,
    cirrus_cards,
    cirrus_sides,
    export,
    import_into_anki,
    new_anki,
)

pytestmark = pytest.mark.gui

CSS = ".card { font-family: arial; }\n.jp { color: #aa0000; }\n.big { font-size: 30px; }"
QFMT = (
    '<span class="jp">{{Front}}</span> <font color="#00aa00" face="serif">{{Back}}</font>'
    ' <span style="font-size: 24px; color: #0000aa">sized</span>'
    ' <div class="big">big</div><script>document.title = "x"</script>'
)


def _package(tmp_path: Path) -> Path:
    col = new_anki(tmp_path / "anki")
    try:
        mm = col.models
        model = mm.copy(mm.by_name("Basic"))
        model["name"] = "Styled"
        model["css"] = CSS
        model["tmpls"][0]["qfmt"] = QFMT
        mm.update_dict(model)
        note = col.new_note(mm.by_name("Styled"))
        note["Front"], note["Back"] = "猫", "cat"
        col.add_note(note, col.decks.id("Styled"))
        return export(col, tmp_path / "styled.apkg", legacy=False)
    finally:
        col.close()


def _colour_of(view: CardTextView, word: str) -> tuple[str, float]:
    doc = view.document()
    cursor = doc.find(word)
    assert not cursor.isNull(), word
    cursor.setPosition(cursor.selectionStart() + 1, QTextCursor.MoveMode.MoveAnchor)
    fmt = cursor.charFormat()
    return fmt.foreground().color().name(), fmt.fontPointSize() or fmt.font().pixelSize()


def test_class_selectors_and_font_tags_apply(qtbot, tmp_path: Path) -> None:
    package = _package(tmp_path)
    anki = import_into_anki(package, tmp_path / "oracle")
    try:
        (cid,) = anki.find_cards("")
        anki_card = anki.get_card(cid)
        expected = anki_sides(anki_card)
        anki_html = anki_card.question()
    finally:
        anki.close()
    col = Collection.open(tmp_path / "cirrus")
    try:
        col.import_path(package, T0)
        (card_id,) = cirrus_cards(col).values()
        anki_text = " ".join(expected[0].replace('document.title = "x"', "").split())
        assert cirrus_sides(col, card_id)[0] == anki_text  # the same text, the script gone
        card = col.card(card_id)
        body = card_html(card.kind, card.ord, card.prompt, card.front, card.answer, reveal=False)
        for kept in ('class="jp"', '<font color="#00aa00"', 'class="big"'):
            assert kept in anki_html and kept in body  # what Anki renders, Cirrus keeps
        assert "font-size:24px" in body
        assert "<script" not in body and "document.title" not in sanitise(card.front)
        view = CardTextView(col.media_dir)
        qtbot.addWidget(view)
        view.show_html(body, dark=False, css=card.css)
        assert _colour_of(view, "猫")[0] == "#aa0000"  # .jp from the note type's CSS
        assert _colour_of(view, "cat")[0] == "#00aa00"  # <font color>
        assert _colour_of(view, "sized")[0] == "#0000aa"  # inline colour style
        big = view.document().find("big").charFormat()
        assert big.font().pixelSize() == 30 or big.fontPointSize() > 20  # .big { font-size }
    finally:
        col.close()


def test_blocked_things_stay_blocked_with_classes_kept() -> None:
    html = (
        '<span class="x" onclick="steal()" style="background-image: url(http://e/x.png)">a</span>'
        '<img class="y" src="http://example.com/t.png"><img src="file:///etc/passwd">'
        "<script>alert(1)</script><style>@import url(http://e/x.css)</style>"
    )
    out = sanitise(html)
    assert 'class="x"' in out and 'class="y"' in out
    for blocked in ("onclick", "url(", "http://", "file:", "<script", "@import", "alert"):
        assert blocked not in out


def test_furigana_reading_is_shown_raised_beside_its_kanji(qtbot) -> None:
    from PySide6.QtGui import QTextCharFormat

    from app.core.anki_template import CardContext, render
    from app.core.models import NoteKind

    front = render(
        "{{furigana:Expression}}",
        {"Expression": "日本語[にほんご]"},
        CardContext(ord=0, cloze=False),
        answer=False,
    )
    assert sanitise(front) == "<ruby><rb>日本語</rb><rt>にほんご</rt></ruby>"
    view = CardTextView(None)
    qtbot.addWidget(view)
    view.show_html(card_html(NoteKind.TEMPLATE, 0, "", front, "", reveal=False), dark=False)
    assert view.toPlainText() == "日本語にほんご"
    base = view.document().find("日本語").charFormat()
    reading = view.document().find("にほんご").charFormat()
    superscript = QTextCharFormat.VerticalAlignment.AlignSuperScript
    assert reading.verticalAlignment() == superscript != base.verticalAlignment()
