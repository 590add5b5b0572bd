"""One side of a card as the study screen shows it: case scenario, options, typed answer.

``card_html`` renders a note's own text; this adds what depends on the session: the
options in the order they were shown with the learner's picks, the typed reply compared
with the expected answer, and a case study's scenario above its question.
"""

from __future__ import annotations

from collections.abc import Collection as Set
from collections.abc import Sequence
from dataclasses import dataclass

from app.core import av_tags
from app.core.choice import ChoiceOption
from app.core.models import NoteKind, StudyCard
from app.core.render import card_html, markdown_html, option_html
from app.core.type_compare import compare_answer, find_type_marker, replace_type_markers


@dataclass(frozen=True)
class TypedAnswer:
    expected: str
    ignore_case: bool


def typed_answer(card: StudyCard) -> TypedAnswer | None:
    """What a typed-answer card expects (``type: input`` notes and ``{{type:}}`` templates)."""
    if card.kind == NoteKind.INPUT and card.expected:
        return TypedAnswer(card.expected, not card.exact)
    if card.kind == NoteKind.TEMPLATE:
        found = find_type_marker(card.front)
        if found is not None:
            return TypedAnswer(found[0], found[1])
    return None


def typed_right(typed: str, answer: TypedAnswer, exact_spaces: bool) -> bool:
    if answer.ignore_case:
        return typed.strip().casefold() == answer.expected.strip().casefold()
    if exact_spaces:
        return typed == answer.expected
    return typed.strip() == answer.expected.strip()


def study_html(
    card: StudyCard,
    *,
    reveal: bool,
    dark: bool = False,
    options: Sequence[ChoiceOption] = (),
    picked: Set[int] = frozenset(),
    typed: str | None = None,
) -> str:
    """The HTML of one side; ``options`` in the order shown, ``picked`` their indexes."""
    body = card_html(
        card.kind, card.ord, card.prompt, card.front, card.answer, reveal=False, dark=dark
    )
    question = body
    if card.kind == NoteKind.TEMPLATE:
        body = card_div(_template_side(card, reveal, typed), card.ord, dark)
    elif card.kind == NoteKind.CHOICE:
        body += options_html(options, picked, reveal=reveal, dark=dark)
        if reveal and card.answer:
            body += "<hr/>" + markdown_html(card.answer, dark)
    elif card.kind == NoteKind.INPUT:
        expected = typed_answer(card)
        if reveal:
            if expected is not None:
                body += "<hr/>" + _comparison(expected, typed or "")
            body += "<hr/>" + markdown_html(card.answer, dark)
    elif reveal:
        body = card_html(
            card.kind, card.ord, card.prompt, card.front, card.answer, reveal=True, dark=dark
        )
    if card.case_text:
        case = case_html(card.case_prompt, card.case_text, dark)
        body, question = case + body, case + question
    front = None if card.kind == NoteKind.TEMPLATE else question  # Anki's: {{FrontSide}}
    return av_tags.play_buttons(body, answer=reveal, question_html=question, front=front)


def _template_side(card: StudyCard, reveal: bool, typed: str | None) -> str:
    html = card_html(
        card.kind, card.ord, card.prompt, card.front, card.answer, reveal=reveal, dark=False
    )
    expected = typed_answer(card)
    shown = _comparison(expected, typed or "") if reveal and expected else ""
    return replace_type_markers(html, shown)


def card_div(body: str, ord_: int, dark: bool) -> str:
    """Anki shows a card inside an element of class ``card cardN``, so the note type's
    ``.card`` rules apply; in night mode the theme's text colour wins over them, as Anki's
    ``body.nightMode`` does. A ``.card`` background is left out: Qt would paint it behind
    the first blocks only, where Anki fills the page."""
    night = " nightMode" if dark else ""
    colour = "color: #e6e6e6; " if dark else ""
    return (
        f'<div class="card card{ord_ + 1}{night}" style="{colour}background-color: transparent">'
        f"{body}</div>"
    )


def _comparison(expected: TypedAnswer, typed: str) -> str:
    return compare_answer(expected.expected, typed, ignore_case=expected.ignore_case)


def options_html(
    options: Sequence[ChoiceOption], picked: Set[int], *, reveal: bool, dark: bool
) -> str:
    """The options as a numbered table; after the answer, right ones and the picks marked."""
    good, bad, muted = (
        ("#3fb950", "#f85149", "#9aa0a6") if dark else ("#1a7f37", "#cf222e", "#59636e")
    )
    rows = []
    several = sum(o.correct for o in options) > 1
    for index, option in enumerate(options):
        chosen = index in picked
        if reveal:
            if option.correct:
                mark = f'<span style="color: {good}">&#10003;</span>'
            elif chosen:
                mark = f'<span style="color: {bad}">&#10007;</span>'
            else:
                mark = f'<span style="color: {muted}">&#183;</span>'
            note = ""
            if chosen:
                verdict = "right" if option.correct else "wrong"
                note = f' <span style="color: {muted}">&#8592; your pick ({verdict})</span>'
            elif option.correct:
                missed = "missed" if several else "the right answer"
                note = f' <span style="color: {muted}">&#8592; {missed}</span>'
        else:
            mark = ("&#9745;" if chosen else "&#9744;") if several else ""
            note = ""
        rows.append(
            f'<tr><td valign="middle" style="padding: 4px 8px"><b>{index + 1}</b></td>'
            f'<td valign="middle" width="26" style="padding: 4px 4px">{mark}</td>'
            f'<td valign="middle" style="padding: 4px 8px">{option_html(option, dark)}{note}</td>'
            "</tr>"
        )
    return '<table class="options" cellspacing="2">' + "".join(rows) + "</table>"


def case_html(title: str, text: str, dark: bool) -> str:
    """A case study's scenario, boxed above its question."""
    background = "#1c2430" if dark else "#eef3f8"
    return (
        f'<table width="100%" cellpadding="10" bgcolor="{background}"><tr><td>'
        f"<p><b>Case study: {markdown_html(title, dark).removeprefix('<p>').removesuffix('</p>')}"
        f"</b></p>{markdown_html(text, dark)}</td></tr></table>"
    )
