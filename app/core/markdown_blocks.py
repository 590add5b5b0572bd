"""Line-level helpers shared by the deck parser, cloze and choice logic.

Markdown code fences switch syntax off: a ``## `` or ``???`` line inside a fence is code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def fence_marker(line: str) -> str | None:
    """The fence run (``` or ~~~, at least three) that opens or closes a block, if any."""
    m = _FENCE.match(line)
    return m.group(1) if m else None


def closes_fence(line: str, opener: str) -> bool:
    marker = fence_marker(line)
    return (
        marker is not None
        and marker[0] == opener[0]
        and len(marker) >= len(opener)
        and line.strip() == marker
    )


def iter_outside_code(lines: list[str]) -> Iterator[tuple[int, str, bool]]:
    """Yield (index, line, in_code) for every line; fence lines count as code."""
    opener: str | None = None
    for i, line in enumerate(lines):
        if opener is None:
            marker = fence_marker(line)
            if marker is not None:
                opener = marker
                yield i, line, True
                continue
            yield i, line, False
        else:
            if closes_fence(line, opener):
                opener = None
            yield i, line, True


def text_outside_code(text: str) -> str:
    """The text with fenced code blocks removed (for cloze and option detection)."""
    lines = text.split("\n")
    return "\n".join(line for _, line, code in iter_outside_code(lines) if not code)


def trim_lines(lines: list[str]) -> str:
    """Lines joined, trailing spaces and leading/trailing blank lines removed."""
    out = [line.rstrip() for line in lines]
    while out and not out[0]:
        out.pop(0)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
