"""The learner's study day: it ends at a set hour (04:00 local by default), as in Anki."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo


def day_start(now: datetime, rollover_hour: int = 4, tz: tzinfo | None = None) -> datetime:
    """Start (in UTC) of the study day that contains ``now``.

    ``tz`` is the learner's time zone; ``None`` means the system's.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz) if tz is not None else now.astimezone()
    start = local.replace(hour=rollover_hour, minute=0, second=0, microsecond=0)
    if local < start:
        start = _previous_day(start)
    return start.astimezone(UTC)


def next_day_start(now: datetime, rollover_hour: int = 4, tz: tzinfo | None = None) -> datetime:
    """Start (in UTC) of the next study day."""
    start = day_start(now, rollover_hour, tz)
    local = start.astimezone(tz) if tz is not None else start.astimezone()
    nxt = (local + timedelta(days=1)).replace(hour=rollover_hour)
    return nxt.astimezone(UTC)


def _previous_day(moment: datetime) -> datetime:
    return (moment - timedelta(days=1)).replace(hour=moment.hour)
