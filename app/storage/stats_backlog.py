"""A long backlog of answers added to the statistics aggregates in short transactions.

After a big import the aggregates lack every imported answer (a million, say). Added in
one transaction, they would keep the file locked for writing while they are counted
(tens of seconds), and an answer given meanwhile would fail once SQLite's wait ran out.
Here each answer's previous answer of the same card is worked out first, by one read of
the log into a temporary table of this connection (no write lock), then the answers are
added in runs of :data:`CHUNK`, each run a short transaction of its own (the watermark
moves with it, as in any refresh), with a pause between runs in which a waiting write
gets the file.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, Engine

from app.storage import stats_repo
from app.storage.engine import raw_connection
from app.storage.settings_repo import set_setting

CHUNK = 25_000
"""Answers added per transaction (about a second here at most)."""
PAUSE_S = 0.15
"""Between two runs: longer than the longest sleep of SQLite's wait for a lock (0.1 s),
so that an answer waiting for the file takes it before the next run."""
CACHE_KIB = 65_536
"""The page cache while the backlog is counted (SQLite's sorts use it: with the default
2 MiB, sorting a million answers by card and time, and each run's groups, goes through
temporary files)."""

_PREVIOUS = (
    "CREATE TEMP TABLE stats_previous (rid INTEGER PRIMARY KEY, previous_at INTEGER)",
    "INSERT INTO temp.stats_previous SELECT rid, previous_at FROM (SELECT rowid AS rid, "
    "MAX(reviewed_at) OVER (PARTITION BY card_id ORDER BY reviewed_at RANGE BETWEEN "
    "UNBOUNDED PRECEDING AND 1 PRECEDING) AS previous_at FROM main.review_log "
    "WHERE true) ORDER BY rid",
)
_SOURCE = (
    "(SELECT l.rowid AS rowid, l.*, p.previous_at FROM main.review_log l "
    "JOIN temp.stats_previous p ON p.rid = l.rowid) r"
)
"""The log with each answer's previous one (rows written after the table was made are
not in it: they are left to an ordinary refresh)."""


def is_long(mark: int, top: int) -> bool:
    return top - mark > CHUNK


def refresh_in_runs(engine: Engine, model: tuple[float, float], offset_ms: int) -> None:
    """Bring the aggregates up to the log's last row as it is now, run by run."""
    with engine.connect() as conn:
        raw = raw_connection(conn)
        raw.execute("DROP TABLE IF EXISTS temp.stats_previous")
        cache = int(raw.execute("PRAGMA main.cache_size").fetchone()[0])
        raw.execute(f"PRAGMA main.cache_size = -{CACHE_KIB}")
        try:
            for statement in _PREVIOUS:  # written to this connection's own temporary file
                raw.execute(statement)
            raw.commit()
            (top,) = raw.execute("SELECT COALESCE(MAX(rid), 0) FROM temp.stats_previous").fetchone()
            while _one_run(conn, int(top), model, offset_ms):
                time.sleep(PAUSE_S)
        finally:
            if raw.in_transaction:
                raw.rollback()
            raw.execute("DROP TABLE IF EXISTS temp.stats_previous")
            raw.commit()
            raw.execute(f"PRAGMA main.cache_size = {cache}")


def _one_run(conn: Connection, top: int, model: tuple[float, float], offset_ms: int) -> bool:
    """Add the next run of answers up to ``top``; False when none was left."""
    raw = raw_connection(conn)
    raw.execute("BEGIN IMMEDIATE")  # the watermark read is the one written back
    try:
        mark, _ = stats_repo.backlog(conn)
        if mark >= top:
            conn.rollback()
            return False
        upto = min(mark + CHUNK, top)
        stats_repo.accumulate(
            conn,
            "r.rowid > :mark AND r.rowid <= :upto",
            {"mark": mark, "upto": upto},
            1,
            model,
            offset_ms,
            source=_SOURCE,
        )
        set_setting(conn, stats_repo.WATERMARK, upto)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return True
