"""Anki-compatible cloze deletions: ``{{c1::answer}}`` or ``{{c1::answer::hint}}``."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

from app.core.markdown_blocks import iter_outside_code, text_outside_code

_CLOZE = re.compile(r"\{\{c(\d+)::((?:(?!\}\}|::).)*)(?:::((?:(?!\}\}).)*))?\}\}", re.DOTALL)
"""The text runs to the first ``::`` (then the hint) or ``}}``, as Anki reads it."""


class _Cloze:
    """Matching of ``{{cN::text}}`` and ``{{cN::text::hint}}`` in linear time.

    Nothing after the last ``}}`` is searched: an opener there can never close, and
    trying each of many such openers to the end of the text is what made a card of
    ``{{c1::`` take minutes. Every opener before the last ``}}`` does close.
    """

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return _CLOZE.finditer(text, 0, _searchable(text))

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        end = _searchable(text)
        return _CLOZE.sub(repl, text[:end]) + text[end:]


def _searchable(text: str) -> int:
    last = text.rfind("}}")
    return last + 2 if last >= 0 else 0


CLOZE = _Cloze()
_CLOZE_START = re.compile(r"\{\{c\d*[^\w]")


_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
PLACEHOLDER = 0xF0000
_WRAPPED = re.compile("<span[^>]*>([\U000f0000-\U000fff00])</span>")
"""Clozes inside code become one private-use character each (U+F0000 on) until the
Markdown and the highlighter are done; ``fill_placeholders`` then puts in their HTML."""


def cloze_numbers(text: str) -> list[int]:
    """Distinct cloze numbers, ascending (markers inside code count too)."""
    return sorted({int(m.group(1)) for m in CLOZE.finditer(text)})


def malformed_cloze(text: str) -> str | None:
    """A fragment that starts like a cloze but is not one, or None."""
    plain = text_outside_code(text)
    stripped = CLOZE.sub("", plain)
    m = _CLOZE_START.search(stripped)
    if m is None:
        return None
    return stripped[m.start() : m.start() + 24]


def cloze_markers(text: str, active: int, *, reveal: bool) -> str:
    """Replace every cloze marker in ``text`` (no regard for code blocks)."""

    def repl(m: re.Match[str]) -> str:
        number, body, hint = int(m.group(1)), m.group(2), m.group(3)
        if number != active:
            return body
        if reveal:
            return f'<span class="cloze">{body}</span>'
        return f'<span class="cloze">[{hint or "..."}]</span>'

    return CLOZE.sub(repl, text)


def render_cloze(text: str, active: int, *, reveal: bool) -> tuple[str, list[str]]:
    """Replace cloze markers for card number ``active``.

    The active deletion becomes ``[...]`` (or ``[hint]``) on the prompt and the
    highlighted answer on the back; the other deletions show their text. Inside code
    (fenced blocks and inline code) the active deletion becomes a placeholder character
    and its HTML is returned in the list, so that code keeps it as text until
    :func:`fill_placeholders` turns it into a highlighted span.
    """
    spans: list[str] = []

    def in_code(code: str) -> str:
        def repl(m: re.Match[str]) -> str:
            number, body, hint = int(m.group(1)), m.group(2), m.group(3)
            if number != active:
                return body
            shown = body if reveal else f"[{hint or '...'}]"
            spans.append(f'<span class="cloze">{html.escape(shown, quote=False)}</span>')
            return chr(PLACEHOLDER + len(spans) - 1)

        return CLOZE.sub(repl, code)

    def outside(chunk: str) -> str:
        # inline code inside a deletion ({{c1::`code`}}) stays part of that deletion
        clozes = [(m.start(), m.end()) for m in CLOZE.finditer(chunk)]
        parts: list[str] = []
        pos = 0
        for m in _INLINE_CODE.finditer(chunk):
            if any(a <= m.start() and m.end() <= b for a, b in clozes):
                continue
            parts.append(cloze_markers(chunk[pos : m.start()], active, reveal=reveal))
            parts.append(m.group(1) + in_code(m.group(2)) + m.group(1))
            pos = m.end()
        parts.append(cloze_markers(chunk[pos:], active, reveal=reveal))
        return "".join(parts)

    out: list[str] = []
    chunk: list[str] = []
    for _, line, code in iter_outside_code(text.split("\n")):
        if code:
            if chunk:
                out.append(outside("\n".join(chunk)))
                chunk = []
            out.append(in_code(line))
        else:
            chunk.append(line)
    if chunk:
        out.append(outside("\n".join(chunk)))
    return "\n".join(out), spans


def fill_placeholders(rendered: str, spans: list[str]) -> str:
    """Put the clozes' HTML where :func:`render_cloze` left placeholders."""
    if not spans:
        return rendered
    # a highlighter wraps an unknown character alone in an error style: drop that wrapper
    rendered = _WRAPPED.sub(lambda m: m.group(1), rendered)
    for index, span in enumerate(spans):
        rendered = rendered.replace(chr(PLACEHOLDER + index), span)
    return rendered
