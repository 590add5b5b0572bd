"""SQLAlchemy engines with the PRAGMAs Cirrus relies on.

Connections are made by ``sqlite3`` itself from the path (never from a URL built by string
concatenation), so a data folder whose name holds ``?``, ``#``, ``%``, spaces or non-ASCII
letters opens the file it names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool, StaticPool

from app.sqlite import sqlite3

# Tables a read-only view still updates (the statistics aggregates and their watermark):
# each gets a private in-memory copy per connection, so nothing reaches the file.
SHADOWED = ("setting", "review_day_stats", "calibration_stats")


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 5000")
    # WAL + FULL: a commit is on disk before answer() returns, even on power loss.
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


def _on_connect_read_only(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    db = dbapi_connection
    db.execute("PRAGMA busy_timeout = 5000")
    db.execute("PRAGMA temp_store = MEMORY")
    for table in SHADOWED:
        row = db.execute(
            "SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        if row is None:
            continue
        db.execute(str(row[0]).replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
        db.execute(f"INSERT INTO temp.{table} SELECT * FROM main.{table}")
    db.commit()


def file_engine(path: Path) -> Engine:
    target = str(path)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(target, check_same_thread=False)

    engine = create_engine(
        "sqlite://",
        creator=connect,
        module=sqlite3,
        poolclass=QueuePool,
        pool_size=1,
        max_overflow=4,
    )
    event.listen(engine, "connect", _on_connect)
    return engine


def read_only_uri(path: Path, immutable: bool = False) -> str:
    """A ``file:`` URI for ``path`` opened read-only (every special character escaped).

    ``immutable`` is for a file nothing can change (on a read-only disk, with no
    write-ahead log beside it): SQLite then needs no ``-shm`` file.
    """
    return path.absolute().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")


def read_only_engine(path: Path, immutable: bool = False) -> Engine:
    """An engine that reads ``path`` while another process writes it (WAL allows this).

    Writes to the collection's own tables fail; the statistics aggregates are updated in
    per-connection copies (see :data:`SHADOWED`).
    """
    uri = read_only_uri(path, immutable)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    engine = create_engine("sqlite://", creator=connect, module=sqlite3, poolclass=StaticPool)
    event.listen(engine, "connect", _on_connect_read_only)
    return engine


def memory_engine() -> Engine:
    engine = create_engine(
        "sqlite://",
        connect_args={"check_same_thread": False},
        module=sqlite3,
        poolclass=StaticPool,
    )
    event.listen(engine, "connect", _on_connect)
    return engine


def raw_connection(conn: Connection) -> sqlite3.Connection:
    """The ``sqlite3`` connection under a SQLAlchemy one (same transaction)."""
    raw: Any = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw
