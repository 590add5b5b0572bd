"""The study day around a moment, as a :class:`DayWindow`, with the day's bounds kept.

Working out the day's start and end goes through time-zone arithmetic; the study screen
asks for the window several times per answer, so the bounds of the last day asked for are
kept and reused while the moment falls inside them (and the rollover hour and the
system's time zone are unchanged).
"""

from __future__ import annotations

import time
from datetime import datetime, tzinfo

from app.core.study_day import day_start, next_day_start
from app.core.timeconv import to_ms
from app.storage.study_repo import DayWindow


class DayWindows:
    def __init__(self, tz: tzinfo | None) -> None:
        self._tz = tz
        self._key: tuple[object, ...] | None = None
        self._bounds = (0, 0)

    def window(self, now: datetime, rollover_hour: int) -> DayWindow:
        ms = to_ms(now)
        key = (rollover_hour, time.timezone, time.altzone, time.tzname)
        start, end = self._bounds
        if key != self._key or not start <= ms < end:
            start = to_ms(day_start(now, rollover_hour, self._tz))
            end = to_ms(next_day_start(now, rollover_hour, self._tz))
            self._key, self._bounds = key, (start, end)
        return DayWindow(now=ms, day_start=start, day_end=end)
