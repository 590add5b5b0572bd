"""The browser's table: which cards or notes match, in which order, and their cells.

Ids come first (one query, sorted by any column); cells are read later for the rows on
screen only, a page at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

from app.core.cloze import CLOZE
from app.storage.row_snapshot import ids_sql

DAY_MS = 86_400_000
_TAGS = "(SELECT group_concat(tag, ' ') FROM note_tag t WHERE t.note_id = n.id)"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    card_sql: str
    """Value in cards mode (tables c, n, d)."""
    note_sql: str
    """Value in notes mode (aggregated over the note's cards c)."""
    sort_sql: str = ""
    """Sort key in cards mode when it differs from the value."""


_SORT_KEY = "ltrim(n.prompt_md, '`*_\"''#([ ')"
COLUMNS: tuple[Column, ...] = (
    Column("sort", "Sort field", "n.prompt_md", _SORT_KEY, _SORT_KEY),
    Column("deck", "Deck", "d.name", "d.name"),
    Column("card", "Card", "c.ord", "COUNT(c.id)"),
    Column(
        "due",
        "Due",
        "CASE WHEN c.state = 0 THEN NULL ELSE c.due END",
        "MIN(CASE WHEN c.state = 0 THEN NULL ELSE c.due END)",
        "CASE WHEN c.state = 0 THEN 1000000000000000 + c.due ELSE c.due END",
    ),
    Column(
        "interval",
        "Interval",
        # new and (re)learning cards have no interval in days: a code, shown as Anki does
        "CASE c.state WHEN 0 THEN -1 WHEN 1 THEN -2 WHEN 3 THEN -3 ELSE c.due - c.last_review END",
        "AVG(CASE WHEN c.state = 2 THEN c.due - c.last_review END)",
    ),
    Column("stability", "Stability", "c.stability", "AVG(c.stability)"),
    Column("difficulty", "Difficulty", "c.difficulty", "AVG(c.difficulty)"),
    Column(
        "retrievability",
        "Retrievability",
        "CASE WHEN c.stability > 0 THEN (:now - c.last_review) / c.stability END",
        "AVG(CASE WHEN c.stability > 0 THEN (:now - c.last_review) / c.stability END)",
        "-(CASE WHEN c.stability > 0 THEN (:now - c.last_review) / c.stability END)",
    ),
    Column("reviews", "Reviews", "c.reps", "SUM(c.reps)"),
    Column("lapses", "Lapses", "c.lapses", "SUM(c.lapses)"),
    Column("created", "Created", "n.created", "n.created"),
    Column("modified", "Modified", "n.mtime", "n.mtime"),
    Column("tags", "Tags", _TAGS, _TAGS),
    Column(
        "upstream",
        "Upstream",
        "(SELECT changed_upstream FROM note_local l WHERE l.note_id = n.id)",
        "(SELECT changed_upstream FROM note_local l WHERE l.note_id = n.id)",
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
_FROM = "FROM card c JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = n.deck_id"


def sorted_ids(
    conn: Connection,
    where: str,
    params: dict[str, Any],
    notes: bool,
    column: str,
    descending: bool,
    now_ms: int,
) -> list[int]:
    """Card (or note) ids matching ``where`` (over c, n, d), sorted by ``column``."""
    col = BY_KEY[column]
    direction = "DESC" if descending else "ASC"
    collate = " COLLATE NOCASE" if column in ("sort", "deck", "tags") else ""
    if notes:
        key = col.note_sql
        sql = (
            f"SELECT n.id {_FROM} WHERE {where} GROUP BY n.id "
            f"ORDER BY {key}{collate} {direction}, n.id"
        )
    else:
        key = col.sort_sql or col.card_sql
        sql = f"SELECT c.id {_FROM} WHERE {where} ORDER BY {key}{collate} {direction}, c.id"
    return _ids_fast(conn, sql, {**params, "now": now_ms})


def _ids_fast(conn: Connection, sql: str, params: dict[str, Any]) -> list[int]:
    """One column of integers, read by the driver itself (100,000 rows: no per-row
    SQLAlchemy work)."""
    raw = conn.connection.driver_connection
    if raw is None:
        return [int(r[0]) for r in conn.execute(text(sql), params)]
    cursor = raw.cursor()
    try:
        used = {k: v for k, v in params.items() if f":{k}" in sql}
        return [r[0] for r in cursor.execute(sql, used).fetchall()]
    finally:
        cursor.close()


def in_ids(ids: Sequence[int]) -> str:
    return f"c.id IN ({ids_sql(ids)})"


def rows(
    conn: Connection,
    ids: Sequence[int],
    notes: bool,
    columns: Sequence[str],
    now_ms: int,
    model: tuple[float, float],
) -> dict[int, tuple[int, list[str]]]:
    """Cells of these cards (notes): id -> (note id, one text per column)."""
    exprs = [(BY_KEY[k].note_sql if notes else BY_KEY[k].card_sql) for k in columns]
    select = ", ".join(["n.id", *exprs])
    key = "n.id" if notes else "c.id"
    group = " GROUP BY n.id" if notes else ""
    sql = f"SELECT {key}, {select} {_FROM} WHERE {key} IN ({ids_sql(ids)}){group}"
    out: dict[int, tuple[int, list[str]]] = {}
    for row in conn.execute(text(sql), {"now": now_ms}):
        cells = [_cell(k, v, notes, now_ms, model) for k, v in zip(columns, row[2:], strict=True)]
        out[int(row[0])] = (int(row[1]), cells)
    return out


_MARKUP = re.compile(r"\*\*|__|`|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")


def _plain_markdown(value: str) -> str:
    """A heading as plain text: no code ticks, emphasis or cloze markup."""
    text = CLOZE.sub(r"\2", value)
    return " ".join(_MARKUP.sub("", text).split())[:200]


_NO_INTERVAL = {-1: "(new)", -2: "(learning)", -3: "(relearning)"}


def _day(ms: Any) -> str:
    if ms is None:
        return ""
    return datetime.fromtimestamp(int(ms) / 1000, UTC).strftime("%Y-%m-%d")


def _days(ms: Any) -> str:
    if ms is None:
        return ""
    days = float(ms) / DAY_MS
    if days < 1:
        return f"{days * 24:.0f} h"
    if days < 60:
        return f"{days:.0f} d"
    if days < 730:
        return f"{days / 30.4:.1f} mo"
    return f"{days / 365.25:.1f} y"


def _cell(key: str, value: Any, notes: bool, now_ms: int, model: tuple[float, float]) -> str:
    if key == "sort":
        return _plain_markdown(str(value or ""))
    if key == "card":
        return str(value) if notes else f"Card {int(value) + 1}"
    if key == "due":
        return _day(value) if value is not None else "New"
    if key == "interval":
        return _NO_INTERVAL.get(value) or _days(value)
    if key == "stability":
        return "" if value is None else f"{float(value):.1f} d"
    if key == "difficulty":
        return "" if value is None else f"{float(value):.1f}"
    if key == "retrievability":
        if value is None:
            return ""
        factor, decay = model
        elapsed_per_s = max(float(value), 0.0) / DAY_MS
        return f"{(1 + factor * elapsed_per_s) ** decay:.0%}"
    if key in ("created", "modified"):
        return _day(value) if value else ""
    if key == "upstream":
        return "changed upstream" if value else ("edited" if value is not None else "")
    return "" if value is None else str(value)


def sidebar_items(conn: Connection) -> dict[str, list[str]]:
    """Deck names and tags for the browser's sidebar."""
    decks = [str(r[0]) for r in conn.execute(text("SELECT name FROM deck ORDER BY name"))]
    tags = [str(r[0]) for r in conn.execute(text("SELECT DISTINCT tag FROM note_tag ORDER BY tag"))]
    return {"decks": decks, "tags": tags}
