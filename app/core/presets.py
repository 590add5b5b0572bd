"""Deck-options presets: the options a group of decks shares (Anki's "presets")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.scheduling import DEFAULT_PARAMETERS, SchedulerSettings

LEECH_TAG_ONLY = 0
LEECH_SUSPEND = 1
ORDER_DECK = 0
ORDER_RANDOM = 1
_STEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Preset:
    id: int
    name: str
    new_per_day: int = 20
    reviews_per_day: int = 200
    learning_steps: tuple[int, ...] = (60, 600)
    """Seconds."""
    relearning_steps: tuple[int, ...] = (600,)
    desired_retention: float = 0.9
    maximum_interval: int = 36500
    parameters: tuple[float, ...] | None = None
    """FSRS parameters; None means the defaults."""
    fuzz: bool = True
    leech_threshold: int = 8
    leech_action: int = LEECH_TAG_ONLY
    bury_new: bool = True
    bury_reviews: bool = True
    new_order: int = ORDER_DECK

    def scheduler_settings(self) -> SchedulerSettings:
        return SchedulerSettings(
            desired_retention=self.desired_retention,
            learning_steps=self.learning_steps,
            relearning_steps=self.relearning_steps,
            maximum_interval=self.maximum_interval,
            parameters=self.parameters or DEFAULT_PARAMETERS,
            fuzz=self.fuzz,
        )

    def check(self) -> None:
        """Raise ValueError naming the first option out of range."""
        if not 0 <= self.new_per_day <= 9999 or not 0 <= self.reviews_per_day <= 99999:
            raise ValueError("daily limits must be between 0 and 9,999 (99,999 reviews)")
        if not 0.7 <= self.desired_retention <= 0.99:
            raise ValueError("desired retention must be between 0.70 and 0.99")
        if not 1 <= self.maximum_interval <= 36500:
            raise ValueError("the maximum interval must be between 1 and 36,500 days")
        if not 1 <= self.leech_threshold <= 99:
            raise ValueError("the leech threshold must be between 1 and 99 lapses")
        if self.parameters is not None and len(self.parameters) != len(DEFAULT_PARAMETERS):
            raise ValueError(f"FSRS needs {len(DEFAULT_PARAMETERS)} parameters")
        if not self.name.strip():
            raise ValueError("a preset needs a name")


def is_leech(lapses: int, threshold: int) -> bool:
    """Anki's rule: a leech at ``threshold`` lapses, then again every half threshold."""
    if lapses < threshold:
        return False
    return (lapses - threshold) % max(1, threshold // 2) == 0


def parse_steps(text: str) -> tuple[int, ...]:
    """``"1m 10m"`` -> ``(60, 600)``; units s, m, h, d (a bare number is minutes)."""
    out = []
    for part in text.replace(",", " ").split():
        if part.replace(".", "", 1).isdigit():
            part += "m"
        m = _STEP.match(part)
        if m is None:
            raise ValueError(f"'{part}' is not a step (write it like 1m, 10m, 1h or 1d)")
        seconds = round(float(m.group(1)) * _UNIT[m.group(2)])
        if seconds < 1:
            raise ValueError(f"'{part}' is shorter than a second")
        out.append(seconds)
    return tuple(out)


def format_steps(steps: tuple[int, ...]) -> str:
    parts = []
    for s in steps:
        for unit in ("d", "h", "m"):
            if s % _UNIT[unit] == 0:
                parts.append(f"{s // _UNIT[unit]}{unit}")
                break
        else:
            parts.append(f"{s}s")
    return " ".join(parts)
