"""Statistics over the collection: groups, the statistics window's report, memories for
simulations, FSRS optimisation; the aggregates are brought up to date from the review log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from app.core.errors import BadInputError
from app.core.models import Memory
from app.core.statistics import GroupStats, StatsReport
from app.core.timeconv import to_ms
from app.storage import stats_backlog, stats_repo, study_repo

if TYPE_CHECKING:
    from app.storage.collection import Collection


class Statistics:
    def __init__(self, collection: Collection) -> None:
        self.col = collection

    def model(self, conn: Connection) -> tuple[float, float]:
        """FSRS forgetting-curve constants (factor, decay) of the default preset."""
        settings = study_repo.preset_settings(conn, 1)
        decay = -settings.parameters[20]
        return 0.9 ** (1 / decay) - 1, decay

    def day_offset(self) -> int:
        """Milliseconds to add to a UTC time so that whole days split at the rollover hour."""
        now = datetime.now(UTC)
        local = now.astimezone(self.col.tz) if self.col.tz is not None else now.astimezone()
        utc_offset = local.utcoffset() or timedelta(0)
        return int(utc_offset.total_seconds() * 1000) - self.col.rollover_hour * 3_600_000

    def study_day(self, moment: datetime) -> int:
        """The study-day number of ``moment`` (as used by the statistics tables)."""
        return (to_ms(moment) + self.day_offset()) // stats_repo.DAY_MS

    def stats(self, by: str, now: datetime, at: datetime | None = None) -> list[GroupStats]:
        """Statistics per group (``service``, ``domain``, ``deck`` or ``tag:PREFIX``).

        ``at`` is the projection date (the exam), default now.
        """
        if by not in ("service", "domain", "deck") and not by.startswith("tag:"):
            raise BadInputError(f"cannot group by '{by}' (service, domain, deck, tag:PREFIX)")
        self.refresh_stats()
        with self.col._read() as conn:
            return stats_repo.group_stats(
                conn, by, self.study_day(now), to_ms(now), to_ms(at or now), self.model(conn)
            )

    def weakest_cards(self, by: str, key: str, now: datetime, limit: int = 30) -> list[int]:
        """Studied cards of one group, lowest recall first, for a "study weakest" session."""
        with self.col._read() as conn:
            return stats_repo.weakest_cards(conn, by, key, to_ms(now), self.model(conn), limit)

    def report(self, by: str, now: datetime, at: datetime) -> StatsReport:
        """Everything the statistics window shows, in one call (run it off the GUI thread)."""
        groups = self.stats(by, now, at)
        today = self.study_day(now)
        offset = self.day_offset()
        prefix = {"service": "tag:service/", "domain": "tag:domain/", "deck": "deck:"}.get(
            by, "tag:" + by.removeprefix("tag:")
        )
        with self.col._read() as conn:
            model = self.model(conn)
            days = stats_repo.day_series(conn, "all", 0)  # all history: the charts pick a range
            stability, difficulty, recall = stats_repo.distributions(conn, to_ms(now), model)
            report = StatsReport(
                by=by,
                now=now,
                at=at,
                today=today,
                groups=groups,
                days=days,
                weekly=stats_repo.weekly_retention(conn, prefix, 0),
                forecast=stats_repo.forecast(conn, to_ms(now), offset, 30),
                stability=stability,
                difficulty=difficulty,
                recall=recall,
                calibration={
                    g.key: stats_repo.calibration(conn, _calibration_key(by, g.key, conn))
                    for g in groups
                },
            )
        return report

    def memories(self, deck: str | None = None) -> list[Memory]:
        """Scheduling state of every active card (for simulations and plans)."""
        ids = self.col.deck_ids(deck)
        with self.col._read() as conn:
            return study_repo.memories(conn, ids)

    def optimize(self, preset_id: int = 1) -> Any:
        """Fit FSRS parameters to the preset's review log (needs the ``optimizer`` extra)."""
        from app.core.optimizer import optimize
        from app.storage.optimize_repo import load_reviews

        with self.col._read() as conn:
            current = study_repo.preset_settings(conn, preset_id).parameters
            reviews = load_reviews(conn, preset_id)
        return optimize(reviews, current, self.col.rollover_hour, self.col.tz)

    def apply_parameters(self, parameters: Sequence[float], preset_id: int = 1) -> None:
        from app.storage.optimize_repo import apply_parameters

        with self.col._write() as conn:
            apply_parameters(conn, preset_id, list(parameters))
        self.col._changed()

    def refresh_stats(self) -> None:
        """Bring the statistics aggregates up to date with the review log (a long backlog,
        after a big import: in short transactions, so that answers go on meanwhile)."""
        with self.col._read() as conn:
            mark, top = stats_repo.backlog(conn)
            model = self.model(conn)
        if stats_backlog.is_long(mark, top) and self.col.data_dir is not None:
            with self.col._db_errors():
                stats_backlog.refresh_in_runs(self.col.engine, model, self.day_offset())
        with self.col._write() as conn:  # what is left (or came meanwhile)
            stats_repo.refresh(conn, self.model(conn), self.day_offset())


def _calibration_key(by: str, key: str, conn: Connection) -> str:
    if by == "deck":
        deck_id = conn.execute(text("SELECT id FROM deck WHERE name = :n"), {"n": key}).scalar()
        return f"deck:{deck_id}"
    prefix = {"service": "service/", "domain": "domain/"}.get(by, by.removeprefix("tag:"))
    return f"tag:{prefix}{key}"
