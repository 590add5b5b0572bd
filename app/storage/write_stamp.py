"""What tells a copy kept in memory that the file changed under it.

Every connection's commit changes ``PRAGMA data_version`` as this connection sees it, and
every change made through this connection moves its ``total_changes``; the stamp holds
the connection too, so another one is never mistaken for it.
"""

from __future__ import annotations

from app.sqlite import sqlite3

Stamp = tuple[sqlite3.Connection, int, int]


def stamp(raw: sqlite3.Connection) -> Stamp:
    (version,) = raw.execute("PRAGMA data_version").fetchone()
    return raw, raw.total_changes, int(version)


def same(kept: Stamp, now: Stamp) -> bool:
    return kept[0] is now[0] and kept[1:] == now[1:]


def unwritten(kept: Stamp, raw: sqlite3.Connection) -> bool:
    """Nothing was written through ``raw`` since ``kept`` (another connection's commit
    shows only in a fresh :func:`stamp`: a write checks that at its end)."""
    return kept[0] is raw and kept[1] == raw.total_changes
