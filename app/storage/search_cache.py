"""Searches compiled once and kept while the collection file is unchanged.

Compiling a search reads the deck, tag and note type names, samples notes and checks for
retired notes; the statement it gives depends on those and, for terms of time (``is:due``,
``rated:``, ``added:``, ``prop:ivl`` ...), on the clock. A search none of whose terms reads
the clock is kept with the file's stamp (this connection's change count and
``PRAGMA data_version``, which every other connection's commit moves): the same query
again runs the kept statement, with no parse, no day bounds and no compiling. Any change
to the file, from this connection or another, drops every kept statement.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.core import search as s
from app.sqlite import sqlite3
from app.storage.search_text import register_functions

_KEPT = 128
"""Statements kept at most (a browser session repeats a few searches)."""

_CLOCKLESS = (
    s.Everything,
    s.Text,
    s.Field,
    s.Regex,
    s.Deck,
    s.Tag,
    s.Service,
    s.Domain,
    s.Source,
    s.NoteType,
    s.CardOrd,
    s.CardName,
    s.Flag,
    s.NoteIds,
    s.CardIds,
)
"""Terms whose SQL reads no moment of the clock (any other term is taken to read it)."""
_CLOCKLESS_PROPS = frozenset({"reps", "lapses", "s", "d"})


@lru_cache(maxsize=256)
def parsed(query: str) -> s.Node:
    """:func:`app.core.search.parse`, kept per query text (a tree is never changed)."""
    return s.parse(query)


def reads_clock(node: s.Node) -> bool:
    """Whether the SQL of ``node`` depends on the time it runs (now, today's bounds)."""
    if isinstance(node, s.And | s.Or):
        return any(reads_clock(child) for child in node.children)
    if isinstance(node, s.Not):
        return reads_clock(node.child)
    if isinstance(node, s.Prop):
        return node.key not in _CLOCKLESS_PROPS
    return not isinstance(node, _CLOCKLESS)


@dataclass(frozen=True)
class Statement:
    """A compiled search: the ``SELECT c.id ...`` statement and its parameters."""

    sql: str
    params: dict[str, Any]
    repeats: bool
    """A card may come more than once (kept the first time)."""


class SearchStatements:
    """The kept statements of one collection (see the module's docstring)."""

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None
        self._stamp: tuple[int, int] = (-1, -1)
        self._kept: dict[Hashable, Statement] = {}

    def ready(self, db: sqlite3.Connection) -> sqlite3.Connection:
        """``db`` with the functions searches call."""
        register_functions(db)
        return db

    def get(self, db: sqlite3.Connection, key: Hashable) -> Statement | None:
        (version,) = db.execute("PRAGMA data_version").fetchone()
        stamp = (db.total_changes, int(version))
        if db is not self._db or stamp != self._stamp:
            self._db, self._stamp = db, stamp
            self._kept.clear()
            return None
        return self._kept.get(key)

    def keep(self, db: sqlite3.Connection, key: Hashable, statement: Statement) -> None:
        """Keep ``statement`` (compiled on ``db`` since the last :meth:`get`)."""
        if db is not self._db:
            return
        if len(self._kept) >= _KEPT:
            self._kept.pop(next(iter(self._kept)))
        self._kept[key] = statement
