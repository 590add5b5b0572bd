"""No card shows syntax instead of formatting: every bundled card, both sides."""

from __future__ import annotations

import random
from datetime import UTC, date

from sqlalchemy import text

from app.core.deck_lint import lint_deck
from app.core.deck_parser import parse_deck
from app.core.raw_markup import raw_markup
from app.storage.collection import Collection
from tests.conftest import T0, deck_text


def test_raw_markup_is_found_in_visible_text_and_code() -> None:
    assert raw_markup('<p><code>&lt;span class="cloze"&gt;x&lt;/span&gt;</code></p>')
    assert raw_markup("<pre>app.{{c1::register}}(bp)</pre>")
    assert raw_markup("<p>**bold** and `code`</p>")
    assert raw_markup("<p>&amp;lt;b&amp;gt;</p>")
    assert not raw_markup("<pre>&lt;div&gt; &amp;amp; **kwargs</pre>")  # code's own text
    assert not raw_markup('<p><code>az</code> <span class="cloze">[...]</span></p>')


def test_every_bundled_card_renders_without_raw_markup_on_both_sides() -> None:
    from app.core.raw_markup import card_raw_markup

    col = Collection.in_memory(tz=UTC, rng=random.Random(1))
    try:
        col.sync_bundled(T0)
        with col.engine.connect() as conn:
            ids = [int(r[0]) for r in conn.execute(text("SELECT id FROM card ORDER BY id"))]
        assert len(ids) > 500
        problems = {}
        for card_id in ids:
            card = col.card(card_id)
            found = card_raw_markup(card)
            if found:
                problems[(card.deck_name, card.prompt[:60])] = found
        assert problems == {}
    finally:
        col.close()


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
