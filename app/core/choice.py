"""Multiple-choice cards: a task list in the prompt with at least one ``[x]``."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from app.core.markdown_blocks import iter_outside_code

_OPTION = re.compile(r"^\s{0,3}[-*+] \[([ xX])\] (.*\S)\s*$")


@dataclass(frozen=True)
class ChoiceOption:
    text: str
    correct: bool


def split_choice(front: str) -> tuple[str, list[ChoiceOption]]:
    """Split a prompt body into its stem (Markdown) and its options."""
    stem: list[str] = []
    options: list[ChoiceOption] = []
    for _, line, code in iter_outside_code(front.split("\n")):
        m = None if code else _OPTION.match(line)
        if m:
            options.append(ChoiceOption(m.group(2), m.group(1) in "xX"))
        else:
            stem.append(line)
    return "\n".join(stem).strip(), options


def is_choice(front: str) -> bool:
    _, options = split_choice(front)
    return any(o.correct for o in options)


def shuffled(options: list[ChoiceOption], seed: int) -> list[ChoiceOption]:
    """Options in a stable per-seed order, so a redraw shows the same order."""
    out = list(options)
    random.Random(seed).shuffle(out)
    return out
