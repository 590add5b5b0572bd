"""The clock a search is compiled against, and the schedule terms written from it
(``prop:ivl``, ``prop:due``, ``prop:r``) over the card columns (``card c``)."""

from __future__ import annotations

from dataclasses import dataclass

from app.storage.search_text import sql_real

DAY = 86_400_000
LEARN_AHEAD_MS = 20 * 60 * 1000
EPOCH_DAYS = 1_000_000
"""Days added before integer division so that it rounds down for any time after 700 BC."""


@dataclass(frozen=True)
class SearchClock:
    """The moments a search depends on (UTC epoch ms) and the forgetting curve."""

    now: int
    day_start: int
    day_end: int
    factor: float
    decay: float
    retention: float = 0.9
    """Desired retention: a relearning card's interval is the one FSRS gives at it."""

    @property
    def interval_per_stability(self) -> float:
        return float((self.retention ** (1 / self.decay) - 1) / self.factor)

    def interval_sql(self) -> str:
        """Anki's ``ivl`` in days: review day to due day; for relearning cards, the
        interval they will get back (Anki keeps it, Cirrus computes it)."""
        shift = EPOCH_DAYS * DAY - self.day_start  # day numbers from integer division
        return (
            f"CASE WHEN c.state = 2 THEN (c.due + {shift}) / {DAY} - "
            f"(c.last_review + {shift}) / {DAY} "
            f"WHEN c.state = 3 THEN max(1, CAST(round(c.stability * "
            f"{self.interval_per_stability!r}) AS INTEGER)) ELSE 0 END"
        )


DUE_SQL = "coalesce(c.due, 0)"
ACTIVE_SQL = "c.suspended = 0 AND coalesce(c.buried_until, 0) <= {now}"
"""Neither suspended nor buried: in Anki's queues."""
INTERDAY_SQL = f"(+c.state = 2 OR coalesce(c.due - c.last_review, 0) >= {DAY})"
"""A card due on a day rather than at a moment (a review, or a learning step of days)."""


def _compare(left: int, op: str, right: int) -> bool:
    return {
        "<": left < right,
        ">": left > right,
        "<=": left <= right,
        ">=": left >= right,
        "=": left == right,
        "!=": left != right,
    }[op]


def interval_sql(clock: SearchClock, op: str, days: int) -> str:
    """``prop:ivl``: :meth:`SearchClock.interval_sql` compared (0 where it is NULL),
    written so that most cards are decided by one subtraction: a review's interval
    in days is the time from its last review to its due moment in whole days, or one
    more, so only cards within a day of the limit need the day numbers."""
    zero = _compare(0, op, days)
    shift = EPOCH_DAYS * DAY - clock.day_start
    exact = f"(c.due + {shift}) / {DAY} - (c.last_review + {shift}) / {DAY} {op} {days}"
    span = "(c.due - c.last_review)"
    if op in (">", ">="):
        at_least = days + 1 if op == ">" else days  # interval >= at_least
        review = f"({span} >= {at_least * DAY} OR ({span} >= {(at_least - 1) * DAY} AND {exact}))"
    elif op in ("<", "<="):
        below = days + 1 if op == "<=" else days  # interval < below
        review = f"({span} < {(below - 1) * DAY} OR ({span} < {below * DAY} AND {exact}))"
    else:
        review = exact
    if zero:
        review = f"({review} OR c.due IS NULL OR c.last_review IS NULL)"
    relearning = (
        f"coalesce(max(1, CAST(round(c.stability * {clock.interval_per_stability!r}) "
        f"AS INTEGER)), 0) {op} {days}"
    )
    reviewed = (
        f"(c.state IN (2, 3) AND ((c.state = 2 AND {review}) OR (c.state = 3 AND {relearning})))"
    )
    # cards that were never reviewed have no interval (0)
    return f"(c.state IN (0, 1) OR {reviewed})" if zero else reviewed


def due_sql(clock: SearchClock, op: str, days: int) -> str:
    start, end = clock.day_start, clock.day_end
    day = f"(({DUE_SQL} - {start} + {EPOCH_DAYS * DAY}) / {DAY} - {EPOCH_DAYS})"
    return (
        f"(((+c.state != 0 AND {INTERDAY_SQL} AND {day} {op} {days}) OR "
        f"(+c.state IN (1, 3) AND NOT {INTERDAY_SQL} AND ({DUE_SQL} - {end}) / {DAY} {op} {days})) "
        f"AND {ACTIVE_SQL.format(now=clock.now)})"
    )


def recall_sql(clock: SearchClock, op: str, r: float) -> str:
    """``prop:r``: the recall FSRS predicts now, compared without computing it per card.

    R = (1 + factor * t / S) ** decay falls as t / S grows, so ``R op r`` is
    ``t / S  op'  x`` with x = (r ** (1 / decay) - 1) / factor and op' reversed.
    """
    elapsed = f"(({clock.now} - c.last_review) / {float(DAY)!r} / c.stability)"
    known = "+c.state != 0 AND c.last_review IS NOT NULL AND coalesce(c.stability, 0) > 0"
    reverse = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}[op]
    if r <= 0:  # every recall is above 0
        test = "1" if op in (">", ">=", "!=") else "0"
    elif r > 1:  # and at most 1
        test = "1" if op in ("<", "<=", "!=") else "0"
    else:
        try:
            threshold = (r ** (1 / clock.decay) - 1) / clock.factor
        except OverflowError:  # r so small that no card is that far past
            threshold = float("inf")
        test = f"max({elapsed}, 0) {reverse} {sql_real(threshold)}"
    return f"({known} AND {test})"
