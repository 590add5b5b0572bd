"""Answering a card and undoing it: one transaction each."""

from __future__ import annotations

from sqlalchemy import Connection, text

from app.core.models import Memory, Rating
from app.core.timeconv import opt_to_ms, to_ms
from app.sqlite import sqlite3
from app.storage.log_ids import new_log_id, to_db

_INSERT_LOG = (
    "INSERT INTO review_log (id, card_id, rating, reviewed_at, duration_ms, "
    "state_before, step_before, stability_before, difficulty_before, due_before, "
    "last_review_before, reps_before, lapses_before, state_after, step_after, "
    "stability_after, difficulty_after, due_after, kind) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_CARD = (
    "UPDATE card SET state = ?, step = ?, stability = ?, difficulty = ?, due = ?, "
    "last_review = ?, reps = ?, lapses = ? WHERE id = ?"
)
"""Positional parameters: binding them costs half what binding names does."""


def write_answer(
    raw: sqlite3.Connection,
    card_id: int,
    before: Memory,
    after: Memory,
    rating: Rating,
    reviewed_at_ms: int,
    duration_ms: int,
    new_order: int | None,
    kind: int = 0,
) -> str:
    """Append the review log row and store the card's new state. Returns the log id.

    Plain ``sqlite3`` with fixed SQL: this runs on every answer (inside the caller's
    transaction, on the connection under its SQLAlchemy one).

    ``new_order`` is the queue position a new card had (kept in the log's ``due_before``
    so undo can put the card back in place).
    """
    stored = new_log_id()  # what ``to_db`` makes of the id's 32 hex digits
    log_id = stored.hex()
    raw.execute(
        _INSERT_LOG,
        (
            stored,
            card_id,
            int(rating),
            reviewed_at_ms,
            duration_ms,
            int(before.state),
            before.step,
            before.stability,
            before.difficulty,
            new_order if new_order is not None else opt_to_ms(before.due),
            opt_to_ms(before.last_review),
            before.reps,
            before.lapses,
            int(after.state),
            after.step,
            after.stability,
            after.difficulty,
            opt_to_ms(after.due),
            kind,
        ),
    )
    raw.execute(
        _UPDATE_CARD,
        (
            int(after.state),
            after.step,
            after.stability,
            after.difficulty,
            to_ms(after.due) if after.due else None,
            opt_to_ms(after.last_review),
            after.reps,
            after.lapses,
            card_id,
        ),
    )
    return log_id


def revert_answer(conn: Connection, log_id: str) -> int | None:
    """Restore the card's state from before the logged answer and delete the log row.

    Returns the card id, or None when the log row is gone or the card has been
    answered again since (undo is only for the most recent answer of a card).
    """
    row = conn.execute(
        text(
            "SELECT card_id, state_before, step_before, stability_before, difficulty_before, "
            "due_before, last_review_before, reps_before, lapses_before, rowid "
            "FROM review_log WHERE id = :i"
        ),
        {"i": to_db(log_id)},
    ).first()
    if row is None:
        return None
    # "Later" is by the order answers were written (rowid), never by their clock time:
    # after the clock went back, a later answer carries an earlier time.
    later = conn.execute(
        text("SELECT 1 FROM review_log WHERE card_id = :c AND rowid > :r"),
        {"c": row[0], "r": row[9]},
    ).first()
    if later is not None:
        return None
    conn.execute(
        text(
            "UPDATE card SET state = :s, step = :st, stability = :sa, difficulty = :d, "
            "due = :due, last_review = :lr, reps = :reps, lapses = :lapses WHERE id = :id"
        ),
        {
            "s": row[1],
            "st": row[2],
            "sa": row[3],
            "d": row[4],
            "due": row[5],
            "lr": row[6],
            "reps": row[7],
            "lapses": row[8],
            "id": row[0],
        },
    )
    conn.execute(text("DELETE FROM review_log WHERE id = :i"), {"i": to_db(log_id)})
    return int(row[0])
