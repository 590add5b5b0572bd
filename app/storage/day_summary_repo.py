"""Today's answers in a set of decks, and the cards held back, for the done screen and
for custom study (today's forgotten cards, studying ahead, one tag)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from app.storage.study_repo import DayWindow, _ids

_IN_DECKS = "c.note_id IN (SELECT id FROM note WHERE deck_id IN ({ids}))"


def today_answers(conn: Connection, deck_ids: Sequence[int], window: DayWindow) -> tuple[int, ...]:
    """(answers, duration ms, again, review-state passes, review-state fails)."""
    row = conn.execute(
        text(
            "SELECT COUNT(*), COALESCE(SUM(r.duration_ms), 0), COALESCE(SUM(r.rating = 1), 0), "
            "COALESCE(SUM(r.state_before = 2 AND r.rating > 1), 0), "
            "COALESCE(SUM(r.state_before = 2 AND r.rating = 1), 0) "
            # today's rows first, by the reviewed_at index (not every card of the decks)
            "FROM review_log r CROSS JOIN card c ON c.id = r.card_id "
            f"WHERE r.reviewed_at >= :s AND r.kind != 2 AND {_IN_DECKS.format(ids=_ids(deck_ids))}"
        ),
        {"s": window.day_start},
    ).one()
    return tuple(int(v) for v in row)


def buried_siblings(conn: Connection, deck_ids: Sequence[int], window: DayWindow) -> int:
    """New and due review cards hidden today because a sibling was answered today."""
    value = conn.execute(
        text(
            # from the notes answered today (by the reviewed_at index), not from every
            # new and due card of the decks
            "SELECT COUNT(*) FROM (SELECT DISTINCT c2.note_id AS note_id FROM review_log r "
            "JOIN card c2 ON c2.id = r.card_id WHERE r.reviewed_at >= :s) t "
            "CROSS JOIN card c ON c.note_id = t.note_id JOIN note n ON n.id = c.note_id "
            "JOIN deck d ON d.id = n.deck_id JOIN preset p ON p.id = d.preset_id "
            f"WHERE n.deck_id IN ({_ids(deck_ids)}) AND c.suspended = 0 AND n.retired = 0 "
            "AND ((c.state = 0 AND p.bury_new = 1) "
            "OR (c.state = 2 AND c.due < :e AND p.bury_reviews = 1)) "
            "AND c.id NOT IN (SELECT card_id FROM review_log WHERE reviewed_at >= :s)"
        ),
        {"s": window.day_start, "e": window.day_end},
    ).scalar_one()
    return int(value)


def next_learning(conn: Connection, deck_ids: Sequence[int], window: DayWindow) -> int | None:
    value = conn.execute(
        text(
            "SELECT MIN(c.due) FROM card c JOIN note n ON n.id = c.note_id "
            f"WHERE n.deck_id IN ({_ids(deck_ids)}) AND c.state IN (1, 3) AND c.suspended = 0 "
            "AND n.retired = 0 AND c.due > :now AND c.due < :e"
        ),
        {"now": window.now, "e": window.day_end},
    ).scalar()
    return int(value) if value is not None else None


def forgotten_today(conn: Connection, deck_ids: Sequence[int], window: DayWindow) -> list[int]:
    """Cards rated Again today, in the order they were forgotten."""
    rows = conn.execute(
        text(
            "SELECT r.card_id FROM review_log r JOIN card c ON c.id = r.card_id "
            f"WHERE r.reviewed_at >= :s AND r.rating = 1 AND {_IN_DECKS.format(ids=_ids(deck_ids))}"
            " AND c.suspended = 0 GROUP BY r.card_id ORDER BY MIN(r.reviewed_at)"
        ),
        {"s": window.day_start},
    )
    return [int(r[0]) for r in rows]


def due_ahead(
    conn: Connection, deck_ids: Sequence[int], window: DayWindow, days: int, limit: int
) -> list[int]:
    """Review cards due in the next ``days`` days (not today), soonest first."""
    rows = conn.execute(
        text(
            "SELECT c.id FROM card c JOIN note n ON n.id = c.note_id "
            f"WHERE n.deck_id IN ({_ids(deck_ids)}) AND c.state = 2 AND c.suspended = 0 "
            "AND n.retired = 0 AND c.due >= :e AND c.due < :until ORDER BY c.due LIMIT :n"
        ),
        {"e": window.day_end, "until": window.day_end + days * 86_400_000, "n": limit},
    )
    return [int(r[0]) for r in rows]


def with_tag(conn: Connection, deck_ids: Sequence[int], tag: str, limit: int) -> list[int]:
    """Cards of notes tagged ``tag`` (or below it), studied ones by due date, then new."""
    rows = conn.execute(
        text(
            "SELECT c.id FROM card c JOIN note n ON n.id = c.note_id "
            f"WHERE n.deck_id IN ({_ids(deck_ids)}) AND c.suspended = 0 AND n.retired = 0 "
            "AND c.note_id IN (SELECT note_id FROM note_tag WHERE tag = :t OR tag LIKE :p) "
            "ORDER BY c.state = 0, c.due LIMIT :n"
        ),
        {"t": tag, "p": tag + "/%", "n": limit},
    )
    return [int(r[0]) for r in rows]


def tags_with_prefix(conn: Connection, prefix: str) -> list[str]:
    rows = conn.execute(
        text("SELECT DISTINCT tag FROM note_tag WHERE tag LIKE :p ORDER BY tag"),
        {"p": prefix + "%"},
    )
    return [str(r[0]) for r in rows]
