"""Searching cards with Anki's syntax (docs/search.md): ids in an order, and the rows a
card list shows. The query is parsed by ``app.core.search`` and compiled to SQL by
``app.storage.search_sql``."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from app.core import search
from app.sqlite import sqlite3
from app.storage import study_repo
from app.storage.card_list import CardListRow, card_rows
from app.storage.retired_notes import RETIRED_IDS, any_retired
from app.storage.search_answers import compile_answers
from app.storage.search_cache import SearchStatements, Statement, parsed, reads_clock
from app.storage.search_props import SearchClock
from app.storage.search_sql import compile_search
from app.storage.search_tag_led import compile_tag_led
from app.storage.search_text import register_functions

_NOTE_COLUMN = re.compile(r"\bn\.(\w+)")
_NOTE_INDEX_COLUMNS = frozenset({"id", "retired", "notetype_id", "kind"})
"""Note columns the note index ``ix_note_card`` holds (and ``deck_id``, left out here: a
deck term is best led from the deck's own index, which lists its notes)."""

__all__ = ["SearchStatements", "Searching"]

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
        tree = parsed(query) if isinstance(query, str) else query
        kept = self.col._search_statements
        key = (tree, order, descending, limit)
        with self.col._read() as conn:
            db = kept.ready(conn.connection.driver_connection)
            statement = kept.get(db, key)
            if statement is None:
                statement = search_statement(db, tree, self.clock(now), order, descending, limit)
                if order != "interval" and not reads_clock(tree):
                    kept.keep(db, key, statement)
            return run_statement(db, statement)

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
    db = driver_connection(conn)
    return run_statement(db, search_statement(db, tree, clock, order, descending, limit))


def search_statement(
    db: sqlite3.Connection,
    tree: search.Node,
    clock: SearchClock,
    order: str | None = None,
    descending: bool = False,
    limit: int | None = None,
) -> Statement:
    """The statement :func:`search_card_ids` runs."""
    if order is not None and order not in ORDERS:
        raise ValueError(f"unknown order {order!r} ({', '.join(ORDERS)})")
    if order is None and (answered := compile_answers(db, tree, clock, limit)) is not None:
        return answered  # from the review log's rows alone
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
    source += note_join(where + order_by)
    # cards of retired notes (a partial index lists them) are left out
    if any_retired(db):
        where = f"c.note_id NOT IN ({RETIRED_IDS}) AND {where}"
    sql = f"SELECT c.id FROM {source} WHERE {where}{order_by}"
    if limit is not None:
        sql += f" LIMIT {max(int(limit), 0)}"
    # one JSON array: much quicker than a Python row per card
    sql = f"SELECT json_group_array(id) FROM ({sql})"
    return Statement(sql, params, led is not None and led.repeats)


def note_join(sql: str) -> str:
    """The join of the notes that the search's SQL reads columns of: from the note index
    when it holds them all (each note row also carries the note's text), else the rows."""
    used = set(_NOTE_COLUMN.findall(sql))
    if not used:
        return ""
    if used <= _NOTE_INDEX_COLUMNS:
        return " JOIN note n INDEXED BY ix_note_card ON n.id = c.note_id"
    return " JOIN note n ON n.id = c.note_id"


def run_statement(db: sqlite3.Connection, statement: Statement) -> list[int]:
    (text,) = db.execute(statement.sql, statement.params).fetchone()
    ids: list[int] = json.loads(text)
    if statement.repeats and len(set(ids)) != len(ids):
        ids = list(dict.fromkeys(ids))  # a card once, where it first came (its order)
    return ids


def driver_connection(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under ``conn``, with the functions searches call."""
    db = conn.connection.driver_connection
    assert isinstance(db, sqlite3.Connection)
    register_functions(db)
    return db
