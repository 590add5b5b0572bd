"""Plain inputs for the statistics charts and the pure helpers behind them.

Nothing here imports Qt, so a worker thread can build these values and the
tests can check the arithmetic without a window.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

EPOCH = date(1970, 1, 1)
DAY_SECONDS = 86_400.0
HEATMAP_DAYS = 365


@dataclass(frozen=True, slots=True)
class DayRatings:
    """How many reviews of one day were answered with each rating."""

    day: date
    again: int = 0
    hard: int = 0
    good: int = 0
    easy: int = 0

    @property
    def total(self) -> int:
        return self.again + self.hard + self.good + self.easy


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """Mean predicted recall of a bin, its observed pass rate (None: no reviews), reviews."""

    predicted: float
    observed: float | None
    count: int


# (week start, true retention or None when the week has no reviews, review count)
WeekRetention = tuple[date, float | None, int]


def day_x(day: date) -> float:
    """The x coordinate of ``day`` on a date axis: seconds from 1970-01-01 at 00:00 UTC."""
    return (day - EPOCH).days * DAY_SECONDS


def x_day(x: float) -> date:
    """The day whose midnight is nearest to the date-axis coordinate ``x``."""
    return EPOCH + timedelta(days=round(x / DAY_SECONDS))


def format_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def percent(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def nearest_index(sorted_xs: Sequence[float], x: float, reach: float) -> int | None:
    """Index of the value in ``sorted_xs`` nearest to ``x``, if no further than ``reach``."""
    i = bisect.bisect_left(sorted_xs, x)
    best = min(
        (j for j in (i - 1, i) if 0 <= j < len(sorted_xs)),
        key=lambda j: abs(sorted_xs[j] - x),
        default=None,
    )
    return best if best is not None and abs(sorted_xs[best] - x) <= reach else None


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def current_streak(days: dict[date, int], today: date) -> int:
    """Consecutive days with reviews ending today, or ending yesterday if today has none yet."""
    day = today if days.get(today, 0) > 0 else today - timedelta(days=1)
    streak = 0
    while days.get(day, 0) > 0:
        streak += 1
        day -= timedelta(days=1)
    return streak


def heatmap_start(today: date) -> date:
    """The first day shown on the calendar: 365 days up to and including ``today``."""
    return today - timedelta(days=HEATMAP_DAYS - 1)


def heatmap_cell(day: date, today: date) -> tuple[int, int]:
    """(week column, weekday row with Monday 0) of ``day`` on the calendar ending ``today``."""
    start = heatmap_start(today)
    first_monday = start - timedelta(days=start.weekday())
    return (day - first_monday).days // 7, day.weekday()


def heatmap_day(column: int, row: int, today: date) -> date | None:
    """The day drawn in a calendar cell, or None outside the last 365 days."""
    if not 0 <= row <= 6:
        return None
    start = heatmap_start(today)
    day = start - timedelta(days=start.weekday()) + timedelta(days=7 * column + row)
    return day if start <= day <= today else None


def count_levels(counts: list[int]) -> list[int]:
    """Shade level 0-4 per count: 0 for none, else the quartile among the non-zero counts."""
    positive = sorted(c for c in counts if c > 0)
    if not positive:
        return [0 for _ in counts]
    n = len(positive)
    cuts = [positive[max(0, -(-n * q // 4) - 1)] for q in (1, 2, 3)]  # upper quartile bounds
    return [0 if c <= 0 else 1 + sum(c > cut for cut in cuts) for c in counts]


def format_number(value: float) -> str:
    """A bin edge for reading: three significant digits, whole numbers from 100 up."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
