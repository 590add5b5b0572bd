"""Anki card templates: ``{{Field}}``, ``{{FrontSide}}``, sections and filters.

Supported: field substitution; ``{{#F}}..{{/F}}`` (shown when F has text) and
``{{^F}}..{{/F}}`` (when it has none); filters ``text:`` (HTML stripped), ``hint:``,
``type:`` (an answer box: the study screen shows an input and Anki's comparison;
``type:cloze:`` expects the card's deletions, ``type:ci:`` ignores case), ``cloze:`` (the
card's deletion hidden on the question and highlighted on the answer; ``cloze-only:``
likewise), ``furigana:``, ``kanji:`` and ``kana:`` (Anki's ``漢字[かんじ]`` readings);
special fields ``Tags``, ``Deck``, ``Subdeck``, ``Card``, ``Type``. A field is empty by
Anki's rule: nothing but whitespace, ``<br>`` and ``<div>`` tags (a field holding only an
image is not empty). The output is HTML; the caller sanitises it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.core import av_tags
from app.core.cloze import CLOZE, cloze_markers
from app.core.image_occlusion import without_occlusions
from app.core.type_compare import clean_expected, type_marker

_TAG = re.compile(r"\{\{\s*([#^/]?)\s*([^{}]*?)\s*\}\}")
_HTML_TAG = re.compile(r"<[^>]*>")
_EMPTY = re.compile(r"^(?:\s|</?(?:br|div) ?/?>)*$", re.IGNORECASE | re.DOTALL)
_FURIGANA = re.compile(r" ?([^ >]+?)\[(.+?)\]")


@dataclass(frozen=True)
class CardContext:
    ord: int
    cloze: bool
    tags: tuple[str, ...] = ()
    deck: str = ""
    card_name: str = ""
    notetype: str = ""


def strip_html(text: str) -> str:
    return html.unescape(_HTML_TAG.sub("", text))


def has_text(value: str) -> bool:
    return bool(strip_html(value).strip())


def field_is_empty(value: str) -> bool:
    """Anki's rule: only whitespace, ``<br>`` and ``<div>`` tags."""
    return _EMPTY.match(value) is not None


def _reading(flt: str, value: str) -> str:
    def repl(m: re.Match[str]) -> str:
        base, reading = m.group(1), m.group(2)
        if reading.startswith("sound:"):
            return m.group(0)
        if flt == "kanji":
            return base
        if flt == "kana":
            return reading
        return f"<ruby><rb>{base}</rb><rt>{reading}</rt></ruby>"

    return _FURIGANA.sub(repl, value.replace("&nbsp;", " "))


def render(
    template: str,
    fields: Mapping[str, str],
    ctx: CardContext,
    *,
    answer: bool,
    front_side: str = "",
) -> str:
    """Render one side of a card."""
    values = dict(fields)
    values.update(
        {
            "Tags": " ".join(ctx.tags),
            "Deck": ctx.deck,
            "Subdeck": ctx.deck.split("::")[-1],
            "Card": ctx.card_name,
            "Type": ctx.notetype,
            "FrontSide": av_tags.front_side(front_side),
        }
    )
    out, _ = _render(template, 0, values, ctx, answer, None)
    return out  # [sound:] tags stay: app.core.av_tags makes them play buttons


def _render(
    template: str,
    pos: int,
    values: dict[str, str],
    ctx: CardContext,
    answer: bool,
    closing: str | None,
) -> tuple[str, int]:
    out: list[str] = []
    while True:
        m = _TAG.search(template, pos)
        if m is None:
            out.append(template[pos:])
            return "".join(out), len(template)
        out.append(template[pos : m.start()])
        pos = m.end()
        kind, name = m.group(1), m.group(2)
        if kind == "/":
            if name == closing:
                return "".join(out), pos
            continue  # a stray closing tag renders as nothing
        if kind in "#^" and kind:
            inner, pos = _render(template, pos, values, ctx, answer, name)
            shown = not field_is_empty(values.get(name, ""))
            if shown == (kind == "#"):
                out.append(inner)
            continue
        out.append(_field(name, values, ctx, answer))


def _field(spec: str, values: dict[str, str], ctx: CardContext, answer: bool) -> str:
    *filters, name = [part.strip() for part in spec.split(":")]
    value = values.get(name)
    if value is None:
        return ""
    if "type" in filters:
        if "cloze" in filters:
            value = ", ".join(
                m.group(2) for m in CLOZE.finditer(value) if int(m.group(1)) == ctx.ord + 1
            )
        return type_marker(clean_expected(value), "ci" in filters)
    for flt in reversed(filters):
        value = _apply(flt, value, name, ctx, answer)
    return value


def _apply(flt: str, value: str, name: str, ctx: CardContext, answer: bool) -> str:
    if flt == "text":
        return html.escape(strip_html(value))
    if flt == "hint":
        return f'<span style="color: #59636e">[hint: {value}]</span>' if has_text(value) else ""
    if flt in ("cloze", "cloze-only"):
        value = without_occlusions(value)  # image occlusion shapes: drawn on the image
        return cloze_markers(value, ctx.ord + 1, reveal=answer)
    if flt in ("furigana", "kanji", "kana"):
        return _reading(flt, value)
    return value


def generated_ords(
    templates: list[tuple[str, str]],
    fields: Mapping[str, str],
    cloze: bool,
    *,
    tagged: bool = False,
) -> list[int]:
    """Which cards a note makes: cloze numbers, or templates whose question shows
    something, by Anki's rule: a non-empty field (``{{Tags}}`` when the note has tags)
    or any other special field (``{{Deck}}``, ``{{Card}}`` ...); ``{{#F}}`` counts only
    when F is non-empty, ``{{^F}}`` only when it is empty."""
    if cloze:
        numbers = {int(m.group(1)) for value in fields.values() for m in CLOZE.finditer(value)}
        return sorted(n - 1 for n in numbers if n > 0) or [0]  # c0 makes no card
    empty = {name for name, value in fields.items() if field_is_empty(value)}
    if not tagged:
        empty.add("Tags")
    return [
        index
        for index, (qfmt, _afmt) in enumerate(templates)
        if _shows_field(qfmt, 0, empty, None)[0]
    ]


def _shows_field(template: str, pos: int, empty: set[str], closing: str | None) -> tuple[bool, int]:
    """Whether this part of a template shows a non-empty field, and where it ends."""
    shown = False
    while True:
        m = _TAG.search(template, pos)
        if m is None:
            return shown, len(template)
        pos = m.end()
        kind, name = m.group(1), m.group(2)
        if kind == "/":
            if name == closing:
                return shown, pos
            continue
        if kind in ("#", "^"):
            inner, pos = _shows_field(template, pos, empty, name)
            if (name not in empty) == (kind == "#") and inner:
                shown = True
            continue
        if name.split(":")[-1].strip() not in empty:
            shown = True
