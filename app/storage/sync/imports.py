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
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from app.core.models import CardState
from app.sqlite import sqlite3
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

    What the import settles is kept as it is now: the card's state, when it was imported
    and the last log row written (``upto``). Which rows the base covers and when its state
    was reached are read from the log when the base is sent (:func:`waiting`): the rows
    then are the same, and an import that is never synced pays nothing for them. Plain
    ``sqlite3`` (an import can bring tens of thousands of scheduled cards)."""
    if only is not None and not only:
        return 0
    db = conn.connection.driver_connection
    assert isinstance(db, sqlite3.Connection)
    cols = ", ".join(f"c.{c}" for c in STATE)
    where = "c.id >= ?" if only is None else f"c.id IN ({','.join(str(int(i)) for i in only)})"
    args = (first_card_id,) if only is None else ()
    (upto,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM review_log").fetchone()
    cards = db.execute(
        f"SELECT n.uid || '/' || c.ord, {cols} FROM card c JOIN note n ON n.id = c.note_id "
        f"WHERE {where} AND (c.state != {int(CardState.NEW)} OR c.reps != 0 OR EXISTS "
        "(SELECT 1 FROM review_log r WHERE r.card_id = c.id)) ORDER BY c.id",
        args,
    )
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    recorded = 0
    while batch := cards.fetchmany(_BATCH):
        db.executemany(
            'INSERT INTO sync_register (kind, "key", "values", stamps) VALUES (?, ?, ?, \'{}\') '
            'ON CONFLICT(kind, "key") DO UPDATE SET "values" = excluded."values"',
            [
                (
                    PENDING,
                    key,
                    dumps({FIELD: {"state": values, "imported_at": now_ms, _UPTO: upto}}),
                )
                for key, *values in batch
            ],
        )
        recorded += len(batch)
    return recorded


_UPTO = "upto"
"""In a base not sent yet: the log's last row (``seq``) when it was recorded."""


def waiting(conn: Connection) -> list[tuple[str, dict[str, Any]]]:
    """The bases waiting to be sent, whole, of cards that still exist (an import undone
    before it was sent leaves nothing to send), by key."""
    rows = conn.execute(
        text('SELECT "key", "values" FROM sync_register WHERE kind = :k ORDER BY "key"'),
        {"k": PENDING},
    ).all()
    if not rows:
        return []
    cards = {
        str(r[0]): int(r[1])
        for r in conn.execute(
            text("SELECT n.uid || '/' || c.ord, c.id FROM card c JOIN note n ON n.id = c.note_id")
        )
    }
    bases = [(str(key), json.loads(values)[FIELD]) for key, values in rows if str(key) in cards]
    recorded = [(key, base) for key, base in bases if _UPTO in base]
    history = _histories(conn, [(cards[key], int(base[_UPTO])) for key, base in recorded])
    for (_, base), rows_of_card in zip(recorded, history, strict=True):
        base.pop(_UPTO)
        base["as_of"] = max([at for _, at, _ in rows_of_card] + [base["state"][5] or 0])
    for at in range(0, len(recorded), _BATCH):  # one odd card checks only its batch slowly
        chunk = recorded[at : at + _BATCH]
        split = base_rows.split_all(
            [(key, h) for (key, _), h in zip(chunk, history[at : at + _BATCH], strict=True)]
        )
        for (_, base), (ids, sources) in zip(chunk, split, strict=True):
            if ids:
                base[base_rows.ROWS] = ids
            if sources:
                base[base_rows.SOURCES] = base_rows.encode(sources)
    return bases


def _histories(
    conn: Connection, cards: list[tuple[int, int]]
) -> list[list[tuple[int, int, bytes | str]]]:
    """(card id, time, stored id) of each card's log rows up to its ``upto``, in order.
    When the cards are most of the collection's (the bases of a big import into a new
    one), the log is read straight through: far cheaper than a lookup per card."""
    db = conn.connection.driver_connection
    assert isinstance(db, sqlite3.Connection)
    (total,) = db.execute("SELECT COUNT(*) FROM card").fetchone()
    if 2 * len(cards) >= total:
        wanted = {cid: (n, upto) for n, (cid, upto) in enumerate(cards)}
        rows: list[list[tuple[int, int, bytes | str]]] = [[] for _ in cards]
        for cid, seq, at, rid in db.execute(
            "SELECT card_id, seq, reviewed_at, id FROM review_log NOT INDEXED ORDER BY seq"
        ):
            found = wanted.get(cid)
            if found is not None and seq <= found[1]:
                rows[found[0]].append((cid, at, rid))
        return rows
    return [
        db.execute(
            "SELECT card_id, reviewed_at, id FROM review_log WHERE card_id = ? AND seq <= ?",
            card,
        ).fetchall()
        for card in cards
    ]


def pending(conn: Connection) -> list[tuple[str, dict[str, Any]]]:
    """:func:`waiting`, taking them all off the waiting list."""
    bases = waiting(conn)
    conn.execute(text("DELETE FROM sync_register WHERE kind = :k"), {"k": PENDING})
    return bases


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
