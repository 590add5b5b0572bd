"""One connection the collection keeps checked out for its own reads and writes.

Checking a connection out of SQLAlchemy's pool and back in (with the pool's rollback on
return) costs about as much as the study screen's queries themselves, and the screen does
it several times per answer. The collection therefore holds one connection for as long as
it is open and hands it to each read and each write in turn. Between uses it holds no
transaction: a read's implicit transaction is rolled back as it ends, a write commits or
rolls back as ``engine.begin()`` does (on ``sqlite3`` itself when only the fixed SQL of
the answer path ran).

When the held connection is in use (a read nested in a write, or another thread), the
caller gets a connection from the pool instead, exactly as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine

from app.storage.engine import raw_connection


class HeldConnection:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None
        self._busy = threading.Lock()

    def _get(self) -> Connection:
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self._engine.connect()
        return conn

    def _settle(self, conn: Connection) -> None:
        """Leave no transaction behind; a connection that cannot roll back is dropped."""
        try:
            if conn.in_transaction():
                conn.rollback()
            elif (raw := raw_connection(conn)).in_transaction:
                raw.rollback()  # sqlite3 began one itself
        except Exception:  # the next use opens a fresh connection
            self.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        if not self._busy.acquire(blocking=False):
            with self._engine.connect() as other:
                yield other
            return
        try:
            conn = self._get()
            try:
                yield conn
            finally:
                self._settle(conn)
        finally:
            self._busy.release()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        if not self._busy.acquire(blocking=False):
            with self._engine.begin() as other:
                yield other
            return
        try:
            conn = self._get()
            self._settle(conn)
            try:
                yield conn
                # SQLAlchemy's own transaction when the block used it; else the one
                # sqlite3 began at the first write (SQLAlchemy's bookkeeping is skipped)
                if conn.in_transaction():
                    conn.commit()
                elif (raw := raw_connection(conn)).in_transaction:
                    raw.commit()
            except BaseException:
                self._settle(conn)
                raise
        finally:
            self._busy.release()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # a connection that failed is gone either way
                conn.invalidate()
