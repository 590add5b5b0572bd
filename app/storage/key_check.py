"""Every row that points at another (a foreign key) finds it: checked at once, for a
write that ran with SQLite's own per-row checks off.

SQLite checks a foreign key as each row goes in: one lookup of the row it points at, per
row. A big import (a million reviews) spends about a tenth of its time on those lookups.
Such an import runs with the checks off and calls :func:`check_keys` before it commits:
each table's pointing column is read from its index, one value at a time (the thousands of
reviews of one card are one lookup of that card), and a value whose row is missing fails
the write as SQLite's own check would have.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass

from sqlalchemy import Connection

from app.core.errors import CirrusError
from app.sqlite import sqlite3
from app.storage.engine import raw_connection

KEY_CHECK_ROWS = 10_000
"""An import bringing fewer rows keeps SQLite's own checks."""
KEY_CHECK_SHARE = 20
"""Nor does one bringing fewer than one row for each this many already there: the check
reads every table, about 40 ns a row, against about a microsecond per lookup."""


def check_at_once(imported_rows: int, existing_rows: int) -> bool:
    """Whether a write of ``imported_rows`` into a collection of ``existing_rows`` is
    quicker with its keys checked at once (:func:`check_keys`) than row by row."""
    return imported_rows >= KEY_CHECK_ROWS and imported_rows * KEY_CHECK_SHARE >= existing_rows


@dataclass(frozen=True)
class Relation:
    child: str
    column: str
    parent: str
    key: str


def relations(db: sqlite3.Connection) -> list[Relation]:
    """The foreign keys the schema declares (single-column, as all of Cirrus's are)."""
    tables = [
        str(name)
        for (name,) in db.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    found = []
    for table in tables:
        for row in db.execute(f'PRAGMA main.foreign_key_list("{table}")'):
            parent, column, key = str(row[2]), str(row[3]), row[4]
            found.append(Relation(table, column, parent, str(key) if key else "rowid"))
    return found


def orphans(db: sqlite3.Connection, limit: int = 5) -> list[str]:
    """Rows pointing at a row that does not exist, as ``table.column = value``."""
    out: list[str] = []
    for rel in relations(db):
        rows = db.execute(
            f'SELECT c."{rel.column}" FROM main."{rel.child}" c '
            f'WHERE c."{rel.column}" IS NOT NULL GROUP BY c."{rel.column}" '
            f'HAVING NOT EXISTS (SELECT 1 FROM main."{rel.parent}" p '
            f'WHERE p."{rel.key}" = c."{rel.column}") LIMIT {int(limit)}'
        ).fetchall()
        out += [f"{rel.child}.{rel.column} = {value!r}" for (value,) in rows]
    return out


def check_keys(db: sqlite3.Connection) -> None:
    """Raise (the caller's transaction then rolls back) if any row points nowhere."""
    missing = orphans(db)
    if missing:
        raise CirrusError(
            "the import would leave rows pointing at rows that do not exist "
            f"({', '.join(missing[:3])}); nothing was changed"
        )


@contextmanager
def keys_at_once(write: AbstractContextManager[Connection]) -> Iterator[Connection]:
    """``write`` (one transaction) with SQLite's per-row key checks off, and every key
    checked by :func:`check_keys` before it commits; the checks are on again after it,
    however it ends."""
    raw: sqlite3.Connection | None = None
    try:
        with write as conn:
            raw = raw_connection(conn)
            if raw.in_transaction:  # (the setting would not take effect)
                raw = None
            else:
                raw.execute("PRAGMA foreign_keys = OFF")
            yield conn
            if raw is not None:
                check_keys(raw)
    finally:
        if raw is not None:
            with suppress(sqlite3.Error):  # a connection that failed is dropped
                raw.execute("PRAGMA foreign_keys = ON")
