"""No card shows syntax instead of formatting: every bundled card, both sides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.core.deck_lint import deck_files, lint_deck
from app.core.deck_parser import parse_deck, parse_deck_file
from app.core.models import NoteKind
from app.core.raw_markup import raw_markup
from app.storage.bundled import bundled_decks_dir
from tests.conftest import deck_text


def test_raw_markup_is_found_in_visible_text_and_code() -> None:
    assert raw_markup('<p><code>&lt;span class="cloze"&gt;x&lt;/span&gt;</code></p>')
    assert raw_markup("<pre>app.{{c1::register}}(bp)</pre>")
    assert raw_markup("<p>**bold** and `code`</p>")
    assert raw_markup("<p>&amp;lt;b&amp;gt;</p>")
    assert not raw_markup("<pre>&lt;div&gt; &amp;amp; **kwargs</pre>")  # code's own text
    assert not raw_markup('<p><code>az</code> <span class="cloze">[...]</span></p>')


def test_every_bundled_card_renders_without_raw_markup_on_both_sides() -> None:
    """Every card of every bundled deck file, question and answer (options picked, a reply
    typed, a case study's scenario above its questions)."""
    from app.core.raw_markup import card_raw_markup, note_study_cards

    folder = bundled_decks_dir()
    assert folder is not None
    problems = {}
    count = 0
    for path in deck_files(folder):
        deck = parse_deck_file(path)
        cases = {n.card_id: n for n in deck.notes if n.kind == NoteKind.CASE}
        for note in deck.notes:
            for card in note_study_cards(note, deck.name):
                case = cases.get(note.case or "")
                if case is not None:
                    scenario = "\n\n".join(p for p in (case.front, case.answer) if p)
                    card = replace(card, case_prompt=case.prompt, case_text=scenario)
                count += 1
                found = card_raw_markup(card)
                if found:
                    problems[(path.name, note.line)] = found
    assert count > 800
    assert problems == {}


def test_lint_reports_what_the_renderer_would_show_raw() -> None:
    deck = parse_deck(
        deck_text(
            """
            ## Which tag makes bold text?
            <!-- id: raw; source: https://example.org/ -->

            &amp;lt;b&amp;gt; makes **bold**.

            ## Fine card
            <!-- id: fine; source: https://example.org/ -->

            `<b>` makes **bold**.
            """
        ),
        "deck.md",
    )
    messages = [p.message for p in lint_deck(deck, date(2026, 12, 1))]
    raw = [m for m in messages if "raw markup" in m]
    assert len(raw) == 1 and "HTML entity" in raw[0]
