"""Whether an import moved answers the statistics already counted to other groups.

The aggregates (``stats_repo``) key every counted answer by its note's deck and tags.
An import that only adds notes and answers leaves those keys alone: the next refresh adds
the new answers past the watermark, and nothing is rebuilt. Only when the import changed
the deck or the tags of a note with counted answers, or deleted counted answers, are the
aggregates rebuilt from the whole log.

While an import runs, temporary triggers (on this connection only) keep each touched
note's deck and tags as they were before its first change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Connection

from app.sqlite import sqlite3
from app.storage import stats_repo
from app.storage.engine import raw_connection
from app.storage.settings_repo import get_setting

_FIRST_TOUCH = (
    "WHEN {n} <= {{last}} AND NOT EXISTS (SELECT 1 FROM temp.stats_touched "
    "WHERE note_id = {n}) BEGIN "
    "INSERT INTO stats_old_tag SELECT note_id, tag FROM main.note_tag WHERE note_id = {n}; "
    "INSERT INTO stats_touched SELECT id, deck_id FROM main.note WHERE id = {n}; END"
)
_WATCH = (
    "CREATE TEMP TABLE stats_touched (note_id INTEGER PRIMARY KEY, deck_id INTEGER)",
    "CREATE TEMP TABLE stats_old_tag (note_id INTEGER, tag TEXT, PRIMARY KEY (note_id, tag))",
    "CREATE TEMP TABLE stats_dropped (rid INTEGER)",
    "CREATE TEMP TRIGGER stats_tag_out BEFORE DELETE ON main.note_tag "
    + _FIRST_TOUCH.format(n="old.note_id"),
    "CREATE TEMP TRIGGER stats_tag_in BEFORE INSERT ON main.note_tag "
    + _FIRST_TOUCH.format(n="new.note_id"),
    "CREATE TEMP TRIGGER stats_tag_change BEFORE UPDATE ON main.note_tag "
    + _FIRST_TOUCH.format(n="old.note_id"),
    "CREATE TEMP TRIGGER stats_deck_move BEFORE UPDATE OF deck_id ON main.note "
    + _FIRST_TOUCH.format(n="old.id"),
    "CREATE TEMP TRIGGER stats_log_out BEFORE DELETE ON main.review_log "
    "BEGIN INSERT INTO stats_dropped VALUES (old.rowid); END",
)
_UNWATCH = (
    "DROP TRIGGER IF EXISTS temp.stats_tag_out",
    "DROP TRIGGER IF EXISTS temp.stats_tag_in",
    "DROP TRIGGER IF EXISTS temp.stats_tag_change",
    "DROP TRIGGER IF EXISTS temp.stats_deck_move",
    "DROP TRIGGER IF EXISTS temp.stats_log_out",
    "DROP TABLE IF EXISTS temp.stats_touched",
    "DROP TABLE IF EXISTS temp.stats_old_tag",
    "DROP TABLE IF EXISTS temp.stats_dropped",
)
_MOVED = """
SELECT 1 FROM temp.stats_dropped WHERE rid <= :mark
UNION ALL
SELECT 1 FROM temp.stats_touched t
WHERE EXISTS (SELECT 1 FROM main.card c JOIN main.review_log r ON r.card_id = c.id
              WHERE c.note_id = t.note_id AND r.rowid <= :mark)
  AND (t.deck_id IS NOT (SELECT deck_id FROM main.note WHERE id = t.note_id)
       OR EXISTS (SELECT tag FROM temp.stats_old_tag o WHERE o.note_id = t.note_id
                  EXCEPT SELECT tag FROM main.note_tag g WHERE g.note_id = t.note_id)
       OR EXISTS (SELECT tag FROM main.note_tag g WHERE g.note_id = t.note_id
                  EXCEPT SELECT tag FROM temp.stats_old_tag o WHERE o.note_id = t.note_id))
LIMIT 1
"""


def _run(raw: sqlite3.Connection, statements: tuple[str, ...]) -> None:
    for statement in statements:
        raw.execute(statement)


@contextmanager
def keeping_stats(conn: Connection) -> Iterator[None]:
    """Around an import's writes (inside its transaction): afterwards, rebuild the
    aggregates only if counted answers changed group."""
    raw = raw_connection(conn)
    _run(raw, _UNWATCH)  # what a failed import may have left on this connection
    # notes added by the import (ids past the last one) have no counted answers
    last = int(raw.execute("SELECT COALESCE(MAX(id), 0) FROM main.note").fetchone()[0])
    _run(raw, tuple(s.replace("{last}", str(last)) for s in _WATCH))
    try:
        yield
        mark = int(get_setting(conn, stats_repo.WATERMARK, 0))
        if raw.execute(_MOVED, {"mark": mark}).fetchone() is not None:
            stats_repo.rebuild(conn)
    finally:
        with suppress(sqlite3.Error):
            _run(raw, _UNWATCH)
