"""Anki card templates: ``{{Field}}``, ``{{FrontSide}}``, sections and filters.

Supported: field substitution; ``{{#F}}..{{/F}}`` (shown when F has text) and
``{{^F}}..{{/F}}`` (when it has none); filters ``text:`` (HTML stripped), ``hint:``,
``type:`` (shown as an answer box), ``cloze:`` (the card's deletion hidden on the question
and highlighted on the answer; ``cloze-only:`` likewise); special fields ``Tags``,
``Deck``, ``Subdeck``, ``Card``, ``Type``. The output is HTML; the caller sanitises it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.core.cloze import CLOZE, cloze_markers

_TAG = re.compile(r"\{\{\s*([#^/]?)\s*([^{}]*?)\s*\}\}")
_HTML_TAG = re.compile(r"<[^>]*>")
_SOUND = re.compile(r"\[sound:([^\]]+)\]")


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
            "FrontSide": front_side,
        }
    )
    out, _ = _render(template, 0, values, ctx, answer, None)
    return _SOUND.sub(lambda m: f"[audio: {html.escape(m.group(1))}]", out)


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
            shown = has_text(values.get(name, ""))
            if shown == (kind == "#"):
                out.append(inner)
            continue
        out.append(_field(name, values, ctx, answer))


def _field(spec: str, values: dict[str, str], ctx: CardContext, answer: bool) -> str:
    *filters, name = [part.strip() for part in spec.split(":")]
    value = values.get(name)
    if value is None:
        return ""
    for flt in reversed(filters):
        value = _apply(flt, value, name, ctx, answer)
    return value


def _apply(flt: str, value: str, name: str, ctx: CardContext, answer: bool) -> str:
    if flt == "text":
        return html.escape(strip_html(value))
    if flt == "hint":
        return f'<span style="color: #59636e">[hint: {value}]</span>' if has_text(value) else ""
    if flt == "type":
        if answer:
            return f'<div style="border: 1px solid #8c959f; padding: 4px">{value}</div>'
        return '<div style="border: 1px solid #8c959f; padding: 4px">[type your answer]</div>'
    if flt in ("cloze", "cloze-only"):
        return cloze_markers(value, ctx.ord + 1, reveal=answer)
    return value


def generated_ords(
    templates: list[tuple[str, str]], fields: Mapping[str, str], cloze: bool
) -> list[int]:
    """Which cards a note makes: cloze numbers, or templates whose question has content."""
    if cloze:
        numbers = {int(m.group(1)) for value in fields.values() for m in CLOZE.finditer(value)}
        return sorted(n - 1 for n in numbers) or [0]
    empty = dict.fromkeys(fields, "")
    out = []
    for index, (qfmt, _afmt) in enumerate(templates):
        ctx = CardContext(ord=index, cloze=False)
        shown = render(qfmt, fields, ctx, answer=False)
        if has_text(shown) and shown != render(qfmt, empty, ctx, answer=False):
            out.append(index)
    return out
