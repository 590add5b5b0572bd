"""Typed-answer cards (``type: input``): the string to type and how a typed reply is judged."""

from __future__ import annotations

import re

from app.core.markdown_blocks import closes_fence, fence_marker

_WRAP = re.compile(r"^(\*\*|__|\*|_|`+)(.+)\1$")


def expected_answer(answer: str) -> str | None:
    """The string to type: a fenced block marked ``answer``, else the answer's first line.

    Markdown that wraps the whole first line (``**...**``, ``*...*``, backticks) is not part
    of the string. ``None`` when the answer has neither.
    """
    lines = answer.split("\n")
    opener: str | None = None
    block: list[str] | None = None
    for line in lines:
        if opener is not None:
            if closes_fence(line, opener):
                if block is not None:
                    return "\n".join(block).strip() or None
                opener = None
            elif block is not None:
                block.append(line)
            continue
        marker = fence_marker(line)
        if marker is not None:
            opener = marker
            info = line.strip()[len(marker) :].strip().split()
            block = [] if info[:1] == ["answer"] else None
    for line in lines:
        if fence_marker(line) is not None:
            return None
        if line.strip():
            return _unwrap(line.strip()) or None
    return None


def _unwrap(text: str) -> str:
    while True:
        m = _WRAP.match(text)
        if m is None:
            return text
        text = m.group(2).strip()


def answer_matches(typed: str, expected: str, exact: bool = False) -> bool:
    """True when the reply is right: case and surrounding spaces are ignored unless exact."""
    if exact:
        return typed == expected
    return typed.strip().casefold() == expected.strip().casefold()
