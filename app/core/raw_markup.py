"""Markup a card would show as text: what ``cirrus lint`` and the render tests look for.

A card's HTML is reduced to the text a learner sees; in it, cloze and type-answer syntax,
HTML tags, entity names and Markdown emphasis or code marks mean the renderer showed
syntax instead of applying it. Inside code, tags and entities are the code's own text and
only cloze syntax counts.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from app.core.choice import shuffled, split_choice
from app.core.models import Memory, NoteKind, NoteSpec, StudyCard
from app.core.note_cards import card_ords
from app.core.study_render import study_html
from app.core.typed_answer import expected_answer

_EVERYWHERE = [
    (re.compile(r"\{\{c\d+::"), "cloze marker"),
    (re.compile(r"class=\"?cloze"), "cloze HTML"),
    (re.compile(r"\{\{type:"), "type-answer field"),
    (re.compile("[\U000f0000-\U000fffff]"), "placeholder"),
]
_OUTSIDE_CODE = [
    (
        re.compile(r"</?(?:span|div|p|b|i|em|strong|code|pre|br|img|table|td|tr|a)\b[^>]*>"),
        "HTML tag",
    ),
    (re.compile(r"&(?:[a-z]+|#\d+);"), "HTML entity"),
    (re.compile(r"(?<![\w*])\*\*(?=\S)[^*]+\*\*"), "Markdown bold"),
    (re.compile(r"`[^`\s][^`]*`"), "Markdown code"),
]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.code = 0
        self.outside: list[str] = []
        self.inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("code", "pre"):
            self.code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("code", "pre") and self.code:
            self.code -= 1

    def handle_data(self, data: str) -> None:
        (self.inside if self.code else self.outside).append(data)


def raw_markup(html: str) -> list[str]:
    """What of ``html``'s visible text is syntax shown raw ("cloze marker: {{c1::"...)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    outside, inside = "".join(parser.outside), "".join(parser.inside)
    found = []
    for pattern, name in _EVERYWHERE:
        for text in (outside, inside):
            m = pattern.search(text)
            if m:
                found.append(f"{name}: {m.group(0)!r}")
    for pattern, name in _OUTSIDE_CODE:
        m = pattern.search(outside)
        if m:
            found.append(f"{name}: {m.group(0)!r}")
    return found


def note_study_cards(note: NoteSpec, deck: str = "") -> list[StudyCard]:
    """The cards a deck note makes, as the study screen would get them (no case text)."""
    expected = expected_answer(note.answer) if note.kind == NoteKind.INPUT else None
    return [
        StudyCard(
            card_id=index,
            note_id=0,
            ord=ord_,
            kind=note.kind,
            deck_name=deck,
            prompt=note.prompt,
            front=note.front,
            answer=note.answer,
            memory=Memory(),
            expected=expected,
            exact=note.exact,
        )
        for index, ord_ in enumerate(card_ords(note))
    ]


def card_raw_markup(card: StudyCard, dark: bool = False) -> list[str]:
    """Raw markup on either side of ``card`` (choice options picked, a reply typed)."""
    options = shuffled(split_choice(card.front)[1], 1) if card.kind == NoteKind.CHOICE else []
    found: list[str] = []
    for reveal in (False, True):
        html = study_html(
            card,
            reveal=reveal,
            dark=dark,
            options=options,
            picked={0} if reveal and options else set(),
            typed="a reply" if reveal else None,
        )
        found.extend(f"{'answer' if reveal else 'question'}: {p}" for p in raw_markup(html))
    return sorted(set(found))
