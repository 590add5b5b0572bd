"""Searching cards with Anki's syntax (docs/search.md): ids in an order, and the rows a
card list shows. The query is parsed by ``app.core.search`` and compiled to SQL by
``app.storage.search_sql``."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from app.core import search
from app.storage import study_repo
from app.storage.card_list import CardListRow, card_rows
from app.storage.search_props import SearchClock
from app.storage.search_sql import compile_search
from app.storage.search_tag_led import compile_tag_led
from app.storage.search_text import regexp, sort_field

_NOTE_COLUMN = re.compile(r"\bn\.")

if TYPE_CHECKING:
    from app.storage.collection import Collection


class Searching:
    def __init__(self, collection: Collection) -> None:
        self.col = collection

    def clock(self, now: datetime | None = None) -> SearchClock:
        """Today's bounds and the default preset's forgetting curve (kept by the
        collection until a change of presets)."""
        window = self.col.window(now or datetime.now(UTC))
        if self.col._search_model is None:
            with self.col._read() as conn:
                factor, decay = self.col._model(conn)
                retention = study_repo.preset_settings(conn, 1).desired_retention
            self.col._search_model = (factor, decay, retention)
        factor, decay, retention = self.col._search_model
        return SearchClock(window.now, window.day_start, window.day_end, factor, decay, retention)

    def cards(
        self,
        query: str | search.Node,
        order: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        now: datetime | None = None,
    ) -> list[int]:
        tree = search.parse(query) if isinstance(query, str) else query
        clock = self.clock(now)
        with self.col._read() as conn:
            return search_card_ids(conn, tree, clock, order, descending, limit)

    def rows(self, ids: Sequence[int], now: datetime | None = None) -> list[CardListRow]:
        clock = self.clock(now)
        with self.col._read() as conn:
            return card_rows(conn, ids, clock)


ORDERS: dict[str, tuple[str, ...]] = {
    "id": ("c.id",),
    "due": ("c.state = 0", "c.due"),
    "interval": ("{interval}",),
    "stability": ("c.stability",),
    "difficulty": ("c.difficulty",),
    "reviews": ("c.reps",),
    "lapses": ("c.lapses",),
    "deck": ("(SELECT name FROM deck WHERE id = n.deck_id)",),
    "sort_field": ("n.prompt_md",),
    "modified": ("n.mtime",),
    "note": ("n.id", "c.ord"),
}
"""Orders :func:`search_card_ids` accepts (the browser's sortable columns)."""


def search_card_ids(
    conn: Connection,
    tree: search.Node,
    clock: SearchClock,
    order: str | None = None,
    descending: bool = False,
    limit: int | None = None,
) -> list[int]:
    """Ids of the cards (of notes not retired) that ``tree`` matches, in ``order`` (None:
    in no particular order, the quickest, as Anki's ``find_cards`` by default)."""
    if order is not None and order not in ORDERS:
        raise ValueError(f"unknown order {order!r} ({', '.join(ORDERS)})")
    db = driver_connection(conn)
    led = compile_tag_led(db, tree, clock) if limit is None else None
    if led is not None:  # from the tag's rows: no list of tagged notes to build
        source, where, params = led.source, led.where, led.params
    else:
        where, params = compile_search(db, tree, clock)
        source = "card c"
    order_by = ""
    if order is not None:
        direction = " DESC" if descending else ""
        columns = [c.replace("{interval}", clock.interval_sql()) for c in ORDERS[order]]
        order_by = " ORDER BY " + ", ".join(c + direction for c in (*columns, "c.id"))
    if _NOTE_COLUMN.search(where) or _NOTE_COLUMN.search(order_by):  # note columns: join
        source += " JOIN note n ON n.id = c.note_id"
    # cards of retired notes (a partial index lists them) are left out
    if db.execute("SELECT 1 FROM note WHERE retired = 1 LIMIT 1").fetchone():
        where = f"c.note_id NOT IN (SELECT id FROM note WHERE retired = 1) AND {where}"
    sql = f"SELECT c.id FROM {source} WHERE {where}{order_by}"
    if limit is not None:
        sql += f" LIMIT {max(int(limit), 0)}"
    # one JSON array: much quicker than a Python row per card
    (text,) = db.execute(f"SELECT json_group_array(id) FROM ({sql})", params).fetchone()
    ids: list[int] = json.loads(text)
    if led is not None and led.repeats and len(set(ids)) != len(ids):
        ids = list(dict.fromkeys(ids))  # a card once, where it first came (its order)
    return ids


def driver_connection(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under ``conn``, with the functions searches call."""
    db = conn.connection.driver_connection
    assert isinstance(db, sqlite3.Connection)
    db.create_function("cirrus_regexp", 2, regexp, deterministic=True)
    db.create_function("cirrus_sort_field", 1, sort_field, deterministic=True)
    return db
