"""A card's schedule as an import gave it: the base its replay starts from.

An Anki package says more than its review log: the card table holds FSRS memory (from
``cards.data``), the due date and the interval, which replaying the log would not give.
So an import records, for each card it creates with a schedule, an *import base*: the
card's state right after the import, when that state was reached (``as_of``: the latest
of its imported answers and its last review), when it was imported and which log rows it
covers. The base travels as ``set`` event of kind ``import``; on every device the card's
state is the chosen base with the answers it does not cover replayed on top.

Two devices may import the same card (the same package, or a later export of the same
Anki collection): the base with the latest ``as_of`` wins, then the stamp's device and
sequence — the event is stamped with ``as_of``, so the ordinary last-writer-wins register
picks it, whatever order the files arrive in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, text

from app.core.models import CardState
from app.storage.sync import base_rows

KIND = "import"
PENDING = "import-local"
"""Bases recorded by an import here and not sent yet (``sync_register`` rows)."""
FIELD = "base"
STATE = base_rows.STATE
_BATCH = 500


def record(
    conn: Connection, first_card_id: int, now_ms: int, only: Sequence[int] | None = None
) -> int:
    """Record the import base of every card with an id from ``first_card_id`` on (the
    cards an import made), or of the cards in ``only`` (cards that took a newer schedule
    from the package), that has a schedule (not new, or answers in its log). Returns how
    many were recorded.

    Plain ``sqlite3`` (an import can bring tens of thousands of scheduled cards); the
    rows each base covers are written as :mod:`app.storage.sync.base_rows` says."""
    if only is not None and not only:
        return 0
    db = conn.connection.driver_connection
    assert isinstance(db, sqlite3.Connection)
    cols = ", ".join(f"c.{c}" for c in STATE)
    where = "c.id >= ?" if only is None else f"c.id IN ({','.join(str(int(i)) for i in only)})"
    args = (first_card_id,) if only is None else ()
    cards = db.execute(
        f"SELECT c.id, n.uid || '/' || c.ord, {cols} FROM card c "
        f"JOIN note n ON n.id = c.note_id WHERE {where} ORDER BY c.id",
        args,
    )
    logs = groupby(_logs(db, where.replace("c.id", "r.card_id"), args), key=itemgetter(0))
    pending_log = next(logs, None)
    batch: list[tuple[str, list[Any], list[tuple[int, int, bytes | str]]]] = []
    recorded = 0
    new = int(CardState.NEW)
    for cid, key, *values in cards:
        while pending_log is not None and pending_log[0] < cid:
            pending_log = next(logs, None)
        history: list[tuple[int, int, bytes | str]] = []
        if pending_log is not None and pending_log[0] == cid:
            history = list(pending_log[1])
            pending_log = next(logs, None)
        if values[0] == new and not history and not values[6]:
            continue
        batch.append((key, values, history))
        if len(batch) == _BATCH:
            recorded += _write_bases(db, batch, now_ms)
            batch = []
    return recorded + _write_bases(db, batch, now_ms)


def _logs(
    db: sqlite3.Connection, where: str, args: tuple[int, ...]
) -> Iterator[tuple[int, int, bytes | str]]:
    """(card id, time, stored id) of the cards' log rows, by card. When the cards hold
    most of the log (an import into a new collection) the table is read straight through
    and sorted, far cheaper than a lookup per row through the card index."""
    index = ""
    if args:
        (total,) = db.execute("SELECT COUNT(*) FROM card").fetchone()
        (theirs,) = db.execute("SELECT COUNT(*) FROM card WHERE id >= ?", args).fetchone()
        index = " NOT INDEXED" if 2 * theirs >= total else ""
    return iter(
        db.execute(
            f"SELECT r.card_id, r.reviewed_at, r.id FROM review_log r{index} WHERE {where} "
            "ORDER BY r.card_id",
            args,
        )
    )


def _write_bases(
    db: sqlite3.Connection,
    batch: list[tuple[str, list[Any], list[tuple[int, int, bytes | str]]]],
    now_ms: int,
) -> int:
    """Write the bases of a batch of cards (key, state values, log rows)."""
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    split = base_rows.split_all([(key, history) for key, _, history in batch])
    rows = []
    for (key, values, history), (ids, sources) in zip(batch, split, strict=True):
        base: dict[str, Any] = {
            "state": values,
            "as_of": max([at for _, at, _ in history] + [values[5] or 0]),
            "imported_at": now_ms,
        }
        if ids:
            base[base_rows.ROWS] = ids
        if sources:
            base[base_rows.SOURCES] = base_rows.encode(sources)
        rows.append((PENDING, key, dumps({FIELD: base})))
    db.executemany(
        'INSERT INTO sync_register (kind, "key", "values", stamps) VALUES (?, ?, ?, \'{}\') '
        'ON CONFLICT(kind, "key") DO UPDATE SET "values" = excluded."values"',
        rows,
    )
    return len(rows)


def pending(conn: Connection) -> list[tuple[str, dict[str, Any]]]:
    """Bases waiting to be sent, of cards that still exist (an import undone before it was
    sent leaves nothing to send); all are taken off the waiting list."""
    rows = conn.execute(
        text('SELECT "key", "values" FROM sync_register WHERE kind = :k ORDER BY "key"'),
        {"k": PENDING},
    ).all()
    if not rows:
        return []
    cards = {
        str(r[0])
        for r in conn.execute(
            text("SELECT n.uid || '/' || c.ord FROM card c JOIN note n ON n.id = c.note_id")
        )
    }
    conn.execute(text("DELETE FROM sync_register WHERE kind = :k"), {"k": PENDING})
    return [(str(key), json.loads(values)[FIELD]) for key, values in rows if key in cards]


def base_of(conn: Connection, key: str) -> dict[str, Any] | None:
    """The winning import base of a card, if it has one."""
    found = conn.execute(
        text('SELECT "values" FROM sync_register WHERE kind = :k AND "key" = :y'),
        {"k": KIND, "y": key},
    ).scalar()
    if found is None:
        return None
    base = json.loads(found).get(FIELD)
    return base if base_rows.readable(base) else None
