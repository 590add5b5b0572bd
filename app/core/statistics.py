"""Statistics definitions: true retention, recall now / on a date, group rows, readiness.

- True retention: of answers to cards in the review state (scheduled, not early), the share
  not rated Again; young cards have a scheduled interval under 21 days, mature cards 21 or
  more. A rate with no answers behind it is ``None``, never 0.
- Recall now: mean FSRS retrievability of a group's studied cards at this moment;
  coverage-weighted recall counts unseen cards as 0.
- Projected recall: the same on a date (the exam date), without further study.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

MATURE_DAYS = 21
LEECH_LAPSES = 8
PERIODS: tuple[tuple[str, int | None], ...] = (
    ("1d", 1),
    ("7d", 7),
    ("30d", 30),
    ("365d", 365),
    ("all", None),
)
GROUPINGS = ("service", "domain", "deck")


def rate(passed: int, failed: int) -> float | None:
    total = passed + failed
    return None if total == 0 else passed / total


@dataclass(frozen=True)
class RetentionCounts:
    """Pass/fail counts of young and mature review-state answers in one period."""

    young_pass: int = 0
    young_fail: int = 0
    mature_pass: int = 0
    mature_fail: int = 0

    @property
    def young(self) -> float | None:
        return rate(self.young_pass, self.young_fail)

    @property
    def mature(self) -> float | None:
        return rate(self.mature_pass, self.mature_fail)


@dataclass(frozen=True)
class GroupStats:
    key: str
    cards: int = 0
    studied: int = 0
    mature: int = 0
    reviews: int = 0
    retention: dict[str, RetentionCounts] = field(default_factory=dict)
    """Per period name (``1d``, ``7d``, ``30d``, ``365d``, ``all``)."""
    recall_sum_now: float = 0.0
    recall_sum_at: float = 0.0
    mean_stability_days: float | None = None
    mean_difficulty: float | None = None
    lapses: int = 0
    leeches: int = 0

    @property
    def recall_now(self) -> float | None:
        """Mean retrievability of studied cards now."""
        return self.recall_sum_now / self.studied if self.studied else None

    @property
    def coverage_recall(self) -> float | None:
        """Mean retrievability now with unseen cards counted as 0."""
        return self.recall_sum_now / self.cards if self.cards else None

    @property
    def projected_recall(self) -> float | None:
        """Mean retrievability of studied cards on the projection date."""
        return self.recall_sum_at / self.studied if self.studied else None

    @property
    def projected_coverage_recall(self) -> float | None:
        """Projected recall with unseen cards counted as 0: what the exam would see."""
        return self.recall_sum_at / self.cards if self.cards else None

    def period(self, name: str) -> RetentionCounts:
        return self.retention.get(name, RetentionCounts())

    def to_json(self) -> dict[str, Any]:
        young = {p: self.period(p) for p, _ in PERIODS}
        return {
            "key": self.key,
            "cards": self.cards,
            "studied": self.studied,
            "mature": self.mature,
            "reviews": self.reviews,
            "true_retention": {
                "young": {p: _round(c.young) for p, c in young.items()},
                "mature": {p: _round(c.mature) for p, c in young.items()},
                "counts": {
                    "young": {p: c.young_pass + c.young_fail for p, c in young.items()},
                    "mature": {p: c.mature_pass + c.mature_fail for p, c in young.items()},
                },
            },
            "recall_now": _round(self.recall_now),
            "coverage_recall": _round(self.coverage_recall),
            "projected_recall": _round(self.projected_recall),
            "projected_coverage_recall": _round(self.projected_coverage_recall),
            "mean_stability_days": _round(self.mean_stability_days, 2),
            "mean_difficulty": _round(self.mean_difficulty, 2),
            "lapses": self.lapses,
            "leeches": self.leeches,
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def weakest_first(rows: list[tuple[str, GroupStats]]) -> list[tuple[str, GroupStats]]:
    """Readiness order of (kind, group) rows: lowest projected coverage-weighted recall
    first (a group nobody has studied yet is a blind spot, so it comes first)."""
    return sorted(rows, key=lambda r: (r[1].projected_coverage_recall or 0.0, r[1].key))


@dataclass(frozen=True)
class StatsReport:
    """What the statistics window shows. Days are study-day numbers (see ``day_date``)."""

    by: str
    now: datetime
    at: datetime
    today: int
    groups: list[GroupStats]
    days: list[tuple[int, ...]]
    """(day, again, hard, good, easy, young_pass, young_fail, mature_pass, mature_fail)."""
    weekly: dict[str, list[tuple[int, int, int]]]
    """Per group: (week's first day, passes, answers)."""
    forecast: dict[int, int]
    stability: list[float]
    difficulty: list[float]
    recall: list[float]
    calibration: dict[str, list[tuple[int, int, int, float]]]
    """Per group: (bin, answers, passes, summed prediction)."""


def day_date(day: int) -> date:
    """The calendar date of a study-day number."""
    return date(1970, 1, 1) + timedelta(days=day)
