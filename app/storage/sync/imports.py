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
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from app.core.models import CardState
from app.storage.log_ids import text_sql

KIND = "import"
PENDING = "import-local"
"""Bases recorded by an import here and not sent yet (``sync_register`` rows)."""
FIELD = "base"
STATE = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def record(
    conn: Connection, first_card_id: int, now_ms: int, only: Sequence[int] | None = None
) -> int:
    """Record the import base of every card with an id from ``first_card_id`` on (the
    cards an import made), or of the cards in ``only`` (cards that took a newer schedule
    from the package), that has a schedule (not new, or answers in its log). Returns how
    many were recorded.

    Plain ``sqlite3`` (an import can bring tens of thousands of scheduled cards)."""
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
    # the answers card by card, beside the cards (one card's answers in memory at a time)
    on_logs = where.replace("c.id", "r.card_id")
    logs = db.execute(
        f"SELECT r.card_id, {text_sql('r.id')}, r.reviewed_at FROM review_log r "
        f"WHERE {on_logs} ORDER BY r.card_id",
        args,
    )
    pending_log = next(logs, None)
    rows: list[tuple[str, str, str]] = []
    recorded = 0
    dumps = json.JSONEncoder(sort_keys=True).encode
    for cid, key, *values in cards:
        history: list[tuple[int, str]] = []
        while pending_log is not None and pending_log[0] <= cid:
            if pending_log[0] == cid:
                history.append((pending_log[2], pending_log[1]))
            pending_log = next(logs, None)
        state = dict(zip(STATE, values, strict=True))
        if state["state"] == CardState.NEW and not history and not state["reps"]:
            continue
        as_of = max([at for at, _ in history] + [state["last_review"] or 0])
        base = {
            "state": state,
            "rows": sorted(rid for _, rid in history),
            "as_of": as_of,
            "imported_at": now_ms,
        }
        rows.append((PENDING, key, dumps({FIELD: base})))
        if len(rows) == 5000:
            recorded += _write_bases(db, rows)
            rows = []
    return recorded + _write_bases(db, rows)


def _write_bases(db: sqlite3.Connection, rows: list[tuple[str, str, str]]) -> int:
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
    return base if isinstance(base, dict) and isinstance(base.get("state"), dict) else None
