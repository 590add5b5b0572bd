"""Bulk changes from the browser: deck, tags, suspend, bury, flag, forget, reschedule."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from app.core.models import CardState
from app.storage.deck_sync import NEW_ORDER_DECK, NEW_ORDER_NOTE
from app.storage.row_snapshot import ids_sql


def note_ids_of(conn: Connection, card_ids: Sequence[int]) -> list[int]:
    rows = conn.execute(
        text(f"SELECT DISTINCT note_id FROM card WHERE id IN ({ids_sql(card_ids)})")
    )
    return sorted(int(r[0]) for r in rows)


def card_ids_of(conn: Connection, note_ids: Sequence[int]) -> list[int]:
    rows = conn.execute(text(f"SELECT id FROM card WHERE note_id IN ({ids_sql(note_ids)})"))
    return sorted(int(r[0]) for r in rows)


def set_deck(conn: Connection, note_ids: Sequence[int], deck_id: int, now_ms: int) -> None:
    conn.execute(
        text(f"UPDATE note SET deck_id = :d, mtime = :m WHERE id IN ({ids_sql(note_ids)})"),
        {"d": deck_id, "m": now_ms},
    )


def add_tags(conn: Connection, note_ids: Sequence[int], tags: Sequence[str], now_ms: int) -> None:
    for tag in tags:
        conn.execute(
            text(
                "INSERT OR IGNORE INTO note_tag (note_id, tag) SELECT id, :t FROM note "
                f"WHERE id IN ({ids_sql(note_ids)})"
            ),
            {"t": tag},
        )
    _touch(conn, note_ids, now_ms)


def remove_tags(
    conn: Connection, note_ids: Sequence[int], tags: Sequence[str], now_ms: int
) -> None:
    for tag in tags:
        conn.execute(
            text(
                f"DELETE FROM note_tag WHERE note_id IN ({ids_sql(note_ids)}) "
                "AND (tag = :t OR tag LIKE :c)"
            ),
            {"t": tag, "c": tag + "/%"},
        )
    _touch(conn, note_ids, now_ms)


def _touch(conn: Connection, note_ids: Sequence[int], now_ms: int) -> None:
    conn.execute(
        text(f"UPDATE note SET mtime = :m WHERE id IN ({ids_sql(note_ids)})"), {"m": now_ms}
    )


def set_suspended(conn: Connection, card_ids: Sequence[int], suspended: bool) -> None:
    conn.execute(
        text(f"UPDATE card SET suspended = :s WHERE id IN ({ids_sql(card_ids)})"),
        {"s": suspended},
    )


def set_buried(conn: Connection, card_ids: Sequence[int], until_ms: int | None) -> None:
    conn.execute(
        text(f"UPDATE card SET buried_until = :b WHERE id IN ({ids_sql(card_ids)})"),
        {"b": until_ms},
    )


def set_flag(conn: Connection, card_ids: Sequence[int], flag: int) -> None:
    conn.execute(text(f"UPDATE card SET flag = :f WHERE id IN ({ids_sql(card_ids)})"), {"f": flag})


def reset_to_new(conn: Connection, card_ids: Sequence[int]) -> None:
    """Forget the cards' memory; they go back to their place in the new queue (the review
    history stays)."""
    conn.execute(
        text(
            f"UPDATE card SET state = {int(CardState.NEW)}, step = NULL, stability = NULL, "
            "difficulty = NULL, last_review = NULL, reps = 0, lapses = 0, buried_until = NULL, "
            f"due = (SELECT d.position * {NEW_ORDER_DECK} + MIN(n.position, 999999) * "
            f"{NEW_ORDER_NOTE} + card.ord FROM note n JOIN deck d ON d.id = n.deck_id "
            f"WHERE n.id = card.note_id) WHERE id IN ({ids_sql(card_ids)})"
        )
    )


def reschedule(conn: Connection, card_ids: Sequence[int], due_ms: int, now_ms: int) -> None:
    """Make the cards due at ``due_ms``; new cards become review cards with a first
    memory estimate of the interval, as Anki's "set due date" does."""
    conn.execute(
        text(
            f"UPDATE card SET due = :d, state = CASE WHEN state = {int(CardState.NEW)} "
            f"THEN {int(CardState.REVIEW)} ELSE state END, "
            "last_review = COALESCE(last_review, :now), "
            "stability = COALESCE(stability, MAX((:d - :now) / 86400000.0, 0.5)), "
            f"difficulty = COALESCE(difficulty, 5.0) WHERE id IN ({ids_sql(card_ids)})"
        ),
        {"d": due_ms, "now": now_ms},
    )
