"""Answers across devices: the union of review-log rows by id, minus undone ones, and
each card's state replayed over its merged log.

The replay is deterministic, so every device that holds the same log computes the same
state: walking the log in (time, id) order, an answer whose recorded before-state is the
state the replay reached keeps its recorded after-state and due verbatim; any other
(two devices answered the card offline) is scheduled again by FSRS from the replayed
state, with fuzz drawn from a generator seeded by the log id.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text

from app.core.models import CardState, Memory, Rating, ReviewKind
from app.core.scheduling import CardScheduler
from app.core.timeconv import from_ms, opt_from_ms, opt_to_ms
from app.storage import study_repo
from app.storage.sync import imports

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
        text(f"SELECT card_id, reviewed_at, {cols} FROM review_log WHERE id = :i"), {"i": log_id}
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
                f"SELECT id, EXISTS (SELECT 1 FROM sync_review_seen s WHERE s.id = r.id), {cols} "
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
                    "i": row[0],
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
    cols = ", ".join(f"r.{c}" for c in COLUMNS)
    rows = conn.execute(
        text(
            f"SELECT r.id, n.uid || '/' || c.ord, {cols} FROM review_log r "
            "JOIN card c ON c.id = r.card_id JOIN note n ON n.id = c.note_id "
            "WHERE NOT EXISTS (SELECT 1 FROM sync_review_seen s WHERE s.id = r.id) "
            "ORDER BY r.rowid"
        ),
    ).all()
    out = [
        {"type": "review", "rid": r[0], "card": r[1], "row": dict(zip(COLUMNS, r[2:], strict=True))}
        for r in rows
    ]
    for rid, uid, ord_, data in conn.execute(
        text("SELECT id, note_uid, ord, data FROM sync_orphan_review WHERE sent = 0")
    ):
        out.append({"type": "review", "rid": rid, "card": f"{uid}/{ord_}", "row": json.loads(data)})
    for rid, uid, ord_, at, before in conn.execute(
        text("SELECT id, note_uid, ord, reviewed_at, before FROM sync_tombstone WHERE sent = 0")
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
    if conn.execute(text("SELECT 1 FROM review_log WHERE id = :i"), {"i": rid}).first():
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
        {**row, "id": rid, "cid": target},
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
    conn.execute(text("DELETE FROM review_log WHERE id = :i"), {"i": rid})
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


# -- replay ---------------------------------------------------------------------------


def replay(conn: Connection, keys: Iterable[str], only_if_rescheduled: bool = False) -> int:
    """Recompute each card's state from its merged log; returns how many changed.

    With ``only_if_rescheduled`` (cards whose log this sync did not change: answers only
    sent, a preset changed), a card keeps its state unless an answer had to be scheduled
    again; a state set outside the log (imported from Anki, a due date set by hand) stays.
    """
    schedulers: dict[int, CardScheduler] = {}
    changed = 0
    cols = ", ".join(COLUMNS)
    for key in sorted(set(keys)):
        cid = card_id(conn, key)
        if cid is None:
            continue
        preset = int(
            conn.execute(
                text(
                    "SELECT d.preset_id FROM card c JOIN note n ON n.id = c.note_id "
                    "JOIN deck d ON d.id = n.deck_id WHERE c.id = :c"
                ),
                {"c": cid},
            ).scalar_one()
        )
        if preset not in schedulers:
            schedulers[preset] = CardScheduler(study_repo.preset_settings(conn, preset))
        logs = conn.execute(
            text(f"SELECT id, {cols} FROM review_log WHERE card_id = :c ORDER BY reviewed_at, id"),
            {"c": cid},
        ).all()
        base = imports.base_of(conn, key)
        if base is None:
            state, rescheduled = _replayed(conn, key, logs, schedulers[preset])
        else:  # from the schedule an import gave, the answers it does not cover on top
            covered = set(base["rows"])
            logs = [r for r in logs if str(r[0]) not in covered]
            start = {b: base["state"].get(b) for b in BEFORE}
            state, rescheduled = _replayed(conn, key, logs, schedulers[preset], start)
        if state is not None and state["state"] == CardState.NEW:
            # a new card's place in the queue is its merged position, wherever it is replayed
            position = imports.new_position(conn, key)
            state["due"] = state["due"] if position is None else position
        if state is None or (only_if_rescheduled and not rescheduled):
            continue
        current = conn.execute(
            text(f"SELECT {', '.join(BEFORE)} FROM card WHERE id = :c"), {"c": cid}
        ).one()
        if tuple(current) != tuple(state[b] for b in BEFORE):
            changed += 1
            sets = ", ".join(f"{b} = :{b}" for b in BEFORE)
            conn.execute(text(f"UPDATE card SET {sets} WHERE id = :c"), {**state, "c": cid})
    return changed


def _replayed(
    conn: Connection,
    key: str,
    logs: Sequence[Any],
    scheduler: CardScheduler,
    start: dict[str, Any] | None = None,
) -> tuple[dict[str, Any] | None, bool]:
    if not logs and start is None:
        uid, _, ord_text = key.rpartition("/")
        first = conn.execute(
            text(
                "SELECT before FROM sync_tombstone WHERE note_uid = :u AND ord = :o "
                "ORDER BY reviewed_at, id LIMIT 1"
            ),
            {"u": uid, "o": int(ord_text)},
        ).first()
        return (None if first is None else dict(json.loads(first[0]))), False
    state: dict[str, Any] | None = start
    rescheduled = False
    for log_row in logs:
        row = dict(zip(COLUMNS, log_row[1:], strict=True))
        recorded = {b: row[f"{b}_before"] for b in BEFORE}
        if not row["rating"]:
            # no answer (a due date set by hand, Anki's rescheduling): what it set stands
            if row["state_after"] is not None:
                # met out of order (clock skew): the card's state here may differ
                rescheduled = rescheduled or (state is not None and not _same(state, recorded))
                state = {**(state or recorded), **_after(row)}
                state["reps"] = row["reps_before"] or 0
                state["lapses"] = row["lapses_before"] or 0
                if row["kind"] == ReviewKind.MANUAL and row["state_after"] == CardState.NEW:
                    state.update(step=None, last_review=None, reps=0, lapses=0)  # forgotten
                elif state["last_review"] is None and row["state_after"] != CardState.NEW:
                    state["last_review"] = row["reviewed_at"]  # a due date set on a new card
            continue
        if state is None or _same(state, recorded) or not _schedulable(state):
            # in order, or a history FSRS cannot continue (Anki's SM-2 rows carry no
            # memory): the answer stands as it was recorded
            state = {
                "state": row["state_after"],
                "step": row["step_after"],
                "stability": row["stability_after"],
                "difficulty": row["difficulty_after"],
                "due": row["due_after"],
                "last_review": row["reviewed_at"],
                "reps": row["reps_before"] + 1,
                "lapses": row["lapses_before"]
                + int(row["state_before"] == CardState.REVIEW and row["rating"] == 1),
            }
            continue
        state = _rescheduled(state, row, str(log_row[0]), scheduler)
        rescheduled = True
    return state, rescheduled


def _after(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "state": row["state_after"],
        "step": row["step_after"],
        "stability": row["stability_after"],
        "difficulty": row["difficulty_after"],
        "due": row["due_after"],
    }


def _schedulable(state: dict[str, Any]) -> bool:
    return state["state"] == CardState.NEW or (
        state["stability"] is not None and state["difficulty"] is not None
    )


def _same(state: dict[str, Any], recorded: dict[str, Any]) -> bool:
    if state["state"] == CardState.NEW and recorded["state"] == CardState.NEW:
        return bool(state["reps"] == recorded["reps"])
    return all(state[b] == recorded[b] for b in BEFORE)


def _rescheduled(
    state: dict[str, Any], row: dict[str, Any], log_id: str, scheduler: CardScheduler
) -> dict[str, Any]:
    memory = Memory(
        CardState(int(state["state"])),
        state["step"],
        state["stability"],
        state["difficulty"],
        opt_from_ms(state["due"]) if state["state"] != CardState.NEW else None,
        opt_from_ms(state["last_review"]),
        int(state["reps"]),
        int(state["lapses"]),
    )
    seed = uuid.UUID(hex=log_id).int if _is_hex(log_id) else sum(map(ord, log_id))
    after = scheduler.review(
        memory, Rating(int(row["rating"])), from_ms(int(row["reviewed_at"])), random.Random(seed)
    )
    return {
        "state": int(after.state),
        "step": after.step,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": opt_to_ms(after.due),
        "last_review": opt_to_ms(after.last_review),
        "reps": after.reps,
        "lapses": after.lapses,
    }


def _is_hex(value: str) -> bool:
    try:
        uuid.UUID(hex=value)
    except ValueError:
        return False
    return True
