"""Answers across devices: the union of review-log rows by id, minus undone ones, with
tombstones for undone answers and the answers of deleted cards kept aside. Each card's
state is then replayed over its merged log (:mod:`app.storage.sync.replay`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, text

from app.storage.log_ids import from_db, text_sql, to_db

COLUMNS = (
    "rating",
    "reviewed_at",
    "duration_ms",
    "state_before",
    "step_before",
    "stability_before",
    "difficulty_before",
    "due_before",
    "last_review_before",
    "reps_before",
    "lapses_before",
    "state_after",
    "step_after",
    "stability_after",
    "difficulty_after",
    "due_after",
    "kind",
    "anki_ivl",
    "anki_last_ivl",
    "anki_factor",
)
BEFORE = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")
WATERMARK = "sync_review_rowid"
_CARD_KEY = (
    "SELECT n.uid || '/' || c.ord FROM card c JOIN note n ON n.id = c.note_id WHERE c.id = :c"
)


def card_key(conn: Connection, card_id: int) -> str:
    return str(conn.execute(text(_CARD_KEY), {"c": card_id}).scalar())


def card_id(conn: Connection, key: str) -> int | None:
    uid, _, ord_text = key.rpartition("/")
    found = conn.execute(
        text(
            "SELECT c.id FROM card c JOIN note n ON n.id = c.note_id "
            "WHERE n.uid = :u AND c.ord = :o"
        ),
        {"u": uid, "o": int(ord_text)},
    ).scalar()
    return None if found is None else int(found)


# -- recording as it happens ----------------------------------------------------------


def record_undo(conn: Connection, log_id: str) -> None:
    """Keep a tombstone for an answer about to be undone, so other devices drop it too."""
    cols = ", ".join(c for c in COLUMNS if c.endswith("_before"))
    row = conn.execute(
        text(f"SELECT card_id, reviewed_at, {cols} FROM review_log WHERE id = :i"),
        {"i": to_db(log_id)},
    ).first()
    if row is None:
        return
    key = card_key(conn, int(row[0]))
    uid, _, ord_text = key.rpartition("/")
    before = dict(zip(BEFORE, row[2:], strict=True))
    conn.execute(
        text(
            "INSERT OR IGNORE INTO sync_tombstone (id, note_uid, ord, reviewed_at, before, sent) "
            "VALUES (:i, :u, :o, :t, :b, 0)"
        ),
        {"i": log_id, "u": uid, "o": int(ord_text), "t": row[1], "b": json.dumps(before)},
    )


def set_aside(conn: Connection, card_ids: Iterable[int]) -> None:
    """Move the answers of cards about to be deleted out of the review log, unsent ones
    marked to be sent, so they come back if the note does."""
    cols = ", ".join(COLUMNS)
    for cid in card_ids:
        key = card_key(conn, cid)
        uid, _, ord_text = key.rpartition("/")
        rows = conn.execute(
            text(
                f"SELECT id, EXISTS (SELECT 1 FROM sync_review_seen s WHERE s.id = "
                f"{text_sql('r.id')}), {cols} "
                "FROM review_log r WHERE card_id = :c"
            ),
            {"c": cid},
        ).all()
        for row in rows:
            conn.execute(
                text(
                    "INSERT OR IGNORE INTO sync_orphan_review (id, note_uid, ord, data, sent) "
                    "VALUES (:i, :u, :o, :d, :s)"
                ),
                {
                    "i": from_db(row[0]),
                    "u": uid,
                    "o": int(ord_text),
                    "d": json.dumps(dict(zip(COLUMNS, row[2:], strict=True))),
                    "s": bool(row[1]),
                },
            )
        conn.execute(text("DELETE FROM review_log WHERE card_id = :c"), {"c": cid})


# -- sending --------------------------------------------------------------------------


def outgoing(conn: Connection) -> list[dict[str, Any]]:
    """Review and undo events for what has not been sent yet (bodies without stamps).

    What was sent is kept by id, not by a rowid watermark: SQLite hands out the rowid of
    an undone last answer again, so a watermark would skip the next answer."""
    return review_bodies(conn, unsent_only=True)


def review_bodies(conn: Connection, unsent_only: bool) -> list[dict[str, Any]]:
    """Answer, set-aside answer and undo events (bodies without stamps): those not sent
    yet, or every one this device holds."""
    cols = ", ".join(f"r.{c}" for c in COLUMNS)
    unsent = (
        f"WHERE NOT EXISTS (SELECT 1 FROM sync_review_seen s WHERE s.id = {text_sql('r.id')}) "
        if unsent_only
        else ""
    )
    rows = conn.execute(
        text(
            f"SELECT r.id, n.uid || '/' || c.ord, {cols} FROM review_log r "
            f"JOIN card c ON c.id = r.card_id JOIN note n ON n.id = c.note_id {unsent}"
            "ORDER BY r.rowid"
        ),
    ).all()
    out = [
        {
            "type": "review",
            "rid": from_db(r[0]),
            "card": r[1],
            "row": dict(zip(COLUMNS, r[2:], strict=True)),
        }
        for r in rows
    ]
    sent = " WHERE sent = 0" if unsent_only else ""
    for rid, uid, ord_, data in conn.execute(
        text(f"SELECT id, note_uid, ord, data FROM sync_orphan_review{sent}")
    ):
        out.append({"type": "review", "rid": rid, "card": f"{uid}/{ord_}", "row": json.loads(data)})
    for rid, uid, ord_, at, before in conn.execute(
        text(f"SELECT id, note_uid, ord, reviewed_at, before FROM sync_tombstone{sent}")
    ):
        out.append(
            {
                "type": "undo",
                "rid": rid,
                "card": f"{uid}/{ord_}",
                "reviewed_at": at,
                "before": json.loads(before),
            }
        )
    return out


def mark_seen(conn: Connection, ids: Iterable[str]) -> None:
    params = [{"i": i} for i in ids]
    if not params:
        return
    conn.execute(text("INSERT OR IGNORE INTO sync_review_seen (id) VALUES (:i)"), params)


def mark_sent(conn: Connection) -> None:
    conn.execute(text("UPDATE sync_orphan_review SET sent = 1 WHERE sent = 0"))
    conn.execute(text("UPDATE sync_tombstone SET sent = 1 WHERE sent = 0"))


# -- merging --------------------------------------------------------------------------


def merge_review(conn: Connection, event: dict[str, Any]) -> str | None:
    """Add one answer unless it is known or undone; returns the card key it touched."""
    rid = str(event["rid"])
    if conn.execute(text("SELECT 1 FROM sync_tombstone WHERE id = :i"), {"i": rid}).first():
        return None
    if conn.execute(text("SELECT 1 FROM review_log WHERE id = :i"), {"i": to_db(rid)}).first():
        return None
    key = str(event["card"])
    row = {c: event["row"].get(c) for c in COLUMNS}
    target = card_id(conn, key)
    if target is None:
        uid, _, ord_text = key.rpartition("/")
        conn.execute(
            text(
                "INSERT OR IGNORE INTO sync_orphan_review (id, note_uid, ord, data, sent) "
                "VALUES (:i, :u, :o, :d, 1)"
            ),
            {"i": rid, "u": uid, "o": int(ord_text), "d": json.dumps(row)},
        )
        return None
    _insert(conn, rid, target, row)
    mark_seen(conn, [rid])
    return key


def _insert(conn: Connection, rid: str, target: int, row: dict[str, Any]) -> None:
    cols = ", ".join(COLUMNS)
    marks = ", ".join(f":{c}" for c in COLUMNS)
    conn.execute(
        text(f"INSERT OR IGNORE INTO review_log (id, card_id, {cols}) VALUES (:id, :cid, {marks})"),
        {**row, "id": to_db(rid), "cid": target},
    )


def merge_undo(conn: Connection, event: dict[str, Any]) -> str:
    rid, key = str(event["rid"]), str(event["card"])
    uid, _, ord_text = key.rpartition("/")
    conn.execute(
        text(
            "INSERT OR IGNORE INTO sync_tombstone (id, note_uid, ord, reviewed_at, before, sent) "
            "VALUES (:i, :u, :o, :t, :b, 1)"
        ),
        {
            "i": rid,
            "u": uid,
            "o": int(ord_text),
            "t": int(event["reviewed_at"]),
            "b": json.dumps(event["before"]),
        },
    )
    conn.execute(text("DELETE FROM review_log WHERE id = :i"), {"i": to_db(rid)})
    conn.execute(text("DELETE FROM sync_orphan_review WHERE id = :i"), {"i": rid})
    return key


def restore_orphans(conn: Connection) -> set[str]:
    """Put set-aside answers back for cards that exist again; returns their card keys."""
    touched: set[str] = set()
    rows = conn.execute(text("SELECT id, note_uid, ord, data, sent FROM sync_orphan_review"))
    for rid, uid, ord_, data, sent in rows.all():
        key = f"{uid}/{ord_}"
        target = card_id(conn, key)
        if target is None:
            continue
        _insert(conn, rid, target, json.loads(data))
        if sent:
            mark_seen(conn, [rid])
        conn.execute(text("DELETE FROM sync_orphan_review WHERE id = :i"), {"i": rid})
        touched.add(key)
    return touched
