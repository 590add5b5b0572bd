"""A table's own indexes, dropped for a bulk insert and built again after it.

An index filled row by row while a large table is written gets its pages spread over
the whole file between the table's pages; built after the rows are in (one sorted
pass), it is quicker to make and its pages lie together at the end of the file, so a
count that reads only the index (today's cards per deck) reads few, adjacent pages,
even from a disk. Indexes SQLite makes for a ``UNIQUE`` or a primary key stay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from app.sqlite import sqlite3

BULK = 50_000
"""Inserts of at least this many rows (and more than twice the rows there) rebuild."""

OWN_INDEXES = (
    "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND tbl_name = ? "
    "AND sql IS NOT NULL ORDER BY name"
)
"""A table's indexes as the schema defines them (none of SQLite's own)."""


def is_bulk(adding: int, there: int) -> bool:
    return adding >= BULK and adding > 2 * there


@contextmanager
def rebuilt(
    raw: sqlite3.Connection, tables: Sequence[str], bulk: bool, kept: Sequence[str] = ()
) -> Iterator[Callable[[str], None]]:
    """Inside the caller's transaction: when ``bulk``, the tables' own indexes are dropped
    for the block and built again after it (an error leaves them to the rollback).

    The block gets a function that builds one of them at once, by name (a unique index
    whose rows may clash, say, so that the block can mend them and build it again).

    Indexes named in ``kept`` are filled row by row as usual: one built in a single pass
    has every page full, so each later row that lands inside it (not at its end) splits
    a page, several page writes instead of one, until most pages have split once."""
    indexes = dict(row for t in tables for row in raw.execute(OWN_INDEXES, (t,))) if bulk else {}
    for name in kept:
        indexes.pop(name, None)
    for name in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    built: set[str] = set()

    def build(name: str) -> None:
        if name in indexes and name not in built:
            raw.execute(indexes[name])
            built.add(name)

    yield build
    for name in indexes:
        build(name)
