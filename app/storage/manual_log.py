"""Review-log rows for schedule changes made by hand (a due date set, a card forgotten),
as Anki writes them: rating 0, kind ``MANUAL``, the card's state before and after. The
row is what carries the change to the other devices (their replay keeps it as
recorded) and what undo takes back."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, text

from app.core.models import ReviewKind
from app.storage.log_ids import from_db, new_log_id, to_db
from app.storage.row_snapshot import ids_sql
from app.storage.sync.reviews import record_undo

STATE = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def logged(
    conn: Connection, card_ids: Sequence[int], now_ms: int, change: Callable[[], None]
) -> list[str]:
    """Run ``change`` (an update of the cards' schedule) and log each card it changed;
    returns the new log ids."""
    cols = ", ".join(("id", *STATE))
    query = text(f"SELECT {cols} FROM card WHERE id IN ({ids_sql(card_ids)})")
    before = {int(r[0]): tuple(r[1:]) for r in conn.execute(query)}
    change()
    # after every row this device holds of the card, whatever its clock says, so that
    # every device replays the change after what it followed
    latest: dict[int, int] = dict(
        conn.execute(
            text(
                "SELECT card_id, MAX(reviewed_at) FROM review_log "
                f"WHERE card_id IN ({ids_sql(card_ids)}) GROUP BY card_id"
            )
        ).all()
    )
    rows = []
    for row in conn.execute(query).all():
        old, new = before.get(int(row[0])), tuple(row[1:])
        if old is None or old == new:
            continue
        b, a = dict(zip(STATE, old, strict=True)), dict(zip(STATE, new, strict=True))
        at = max(now_ms, int(latest.get(int(row[0])) or 0) + 1)
        if b["last_review"] is None and a["last_review"] is not None:
            # a new card given a due date counts as seen when the row says (as replayed)
            conn.execute(
                text("UPDATE card SET last_review = :t WHERE id = :c"), {"t": at, "c": row[0]}
            )
        rows.append(
            {
                "id": new_log_id(),
                "c": int(row[0]),
                "t": at,
                "k": int(ReviewKind.MANUAL),
                **{f"{k}_b": v for k, v in b.items()},
                **{f"{k}_a": a[k] for k in ("state", "step", "stability", "difficulty", "due")},
            }
        )
    if rows:
        conn.execute(
            text(
                "INSERT INTO review_log (id, card_id, rating, reviewed_at, duration_ms, "
                "state_before, step_before, stability_before, difficulty_before, due_before, "
                "last_review_before, reps_before, lapses_before, state_after, step_after, "
                "stability_after, difficulty_after, due_after, kind) VALUES (:id, :c, 0, :t, 0, "
                ":state_b, :step_b, :stability_b, :difficulty_b, :due_b, :last_review_b, "
                ":reps_b, :lapses_b, :state_a, :step_a, :stability_a, :difficulty_a, :due_a, :k)"
            ),
            rows,
        )
    return [from_db(r["id"]) for r in rows]


def take_back(conn: Connection, log_ids: Sequence[str]) -> None:
    """Remove rows written by :func:`logged` (undo), everywhere: a tombstone each."""
    for log_id in log_ids:
        record_undo(conn, log_id)
        conn.execute(text("DELETE FROM review_log WHERE id = :i"), {"i": to_db(log_id)})
