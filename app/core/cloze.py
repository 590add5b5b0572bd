"""Anki-compatible cloze deletions: ``{{c1::answer}}`` or ``{{c1::answer::hint}}``."""

from __future__ import annotations

import re

from app.core.markdown_blocks import iter_outside_code, text_outside_code

CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::((?:(?!\}\}).)*?))?\}\}", re.DOTALL)
_CLOZE_START = re.compile(r"\{\{c\d*[^\w]")


def cloze_numbers(text: str) -> list[int]:
    """Distinct cloze numbers used outside code, ascending."""
    return sorted({int(m.group(1)) for m in CLOZE.finditer(text_outside_code(text))})


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


def render_cloze(text: str, active: int, *, reveal: bool) -> str:
    """Replace cloze markers for card number ``active``.

    The active deletion becomes ``[...]`` (or ``[hint]``) on the prompt and the
    highlighted answer on the back; the other deletions show their text.
    Markers inside fenced code are left alone.
    """

    out: list[str] = []
    chunk: list[str] = []
    lines = text.split("\n")
    for _, line, code in iter_outside_code(lines):
        if code:
            if chunk:
                out.append(cloze_markers("\n".join(chunk), active, reveal=reveal))
                chunk = []
            out.append(line)
        else:
            chunk.append(line)
    if chunk:
        out.append(cloze_markers("\n".join(chunk), active, reveal=reveal))
    return "\n".join(out)
