from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.core.study_day import day_start, next_day_start


def test_day_ends_at_four_in_the_morning_local() -> None:
    tz = timezone(timedelta(hours=2))
    before = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # 03:30 local: still yesterday
    after = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)  # 04:30 local: a new day
    assert day_start(before, 4, tz) == datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert day_start(after, 4, tz) == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert next_day_start(before, 4, tz) == datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def test_rollover_hour_is_a_setting() -> None:
    now = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    assert day_start(now, 6, UTC) == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
    assert day_start(now, 0, UTC) == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)


def test_daylight_saving_change_keeps_the_local_hour() -> None:
    tz = ZoneInfo("Europe/Berlin")  # clocks go back on 2026-10-25
    now = datetime(2026, 10, 25, 12, 0, tzinfo=UTC)
    assert next_day_start(now, 4, tz).astimezone(tz).hour == 4
    assert day_start(now, 4, tz).astimezone(tz).hour == 4


def test_naive_time_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        day_start(datetime(2026, 1, 1), 4, UTC)
