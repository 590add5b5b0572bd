"""What an undo of a bulk change must respect: answers given since to the same cards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.storage import log_ids
from app.storage.row_snapshot import ids_sql

if TYPE_CHECKING:
    from app.storage.collection import Collection
    from app.storage.editing import UndoEntry


def answered_since(col: Collection, entry: UndoEntry) -> set[int]:
    """The entry's cards (the same note and card as then) answered since it was made."""
    since = [log_ids.to_db(i) for i in col._undo[entry.answers :]]
    uids = {int(r["id"]): r["uid"] for r in entry.snapshot.tables.get("note", [])}
    cards = {
        int(r["id"]): (uids.get(int(r["note_id"])), r["ord"])
        for r in entry.snapshot.tables.get("card", [])
    }
    if not since or not cards:
        return set()
    marks = ",".join("?" for _ in since)
    with col._read() as conn:
        found = conn.exec_driver_sql(
            "SELECT c.id, n.uid, c.ord FROM review_log r JOIN card c ON c.id = r.card_id "
            f"JOIN note n ON n.id = c.note_id WHERE r.id IN ({marks}) "
            f"AND r.card_id IN ({ids_sql(list(cards))})",
            tuple(since),
        ).all()
    return {int(c) for c, uid, ord_ in found if cards[int(c)] == (uid, ord_)}


def logged_cards(col: Collection, entry: UndoEntry) -> set[int]:
    if not entry.logs:
        return set()
    marks = ",".join("?" for _ in entry.logs)
    with col._read() as conn:
        rows = conn.exec_driver_sql(
            f"SELECT card_id FROM review_log WHERE id IN ({marks})",
            tuple(log_ids.to_db(i) for i in entry.logs),
        ).all()
    return {int(r[0]) for r in rows}
