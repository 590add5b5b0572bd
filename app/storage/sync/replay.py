"""Each card's state replayed over its merged log, the same on every device.

Walking the log in (time, id) order from the card's import base if it has one (see
:mod:`app.storage.sync.imports`), an answer whose recorded before-state is the state the
replay reached keeps its recorded after-state and due verbatim; any other (two devices
answered the card offline) is scheduled again by FSRS from the replayed state, with fuzz
drawn from a generator seeded by the log id. Rows without an answer (a due date set by
hand, a card forgotten, Anki's rescheduling) stand as recorded.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, text

from app.core.models import CardState, Memory, Rating, ReviewKind
from app.core.scheduling import CardScheduler
from app.core.timeconv import from_ms, opt_from_ms, opt_to_ms
from app.storage import study_repo
from app.storage.log_ids import text_sql
from app.storage.sync import base_rows, imports
from app.storage.sync.reviews import BEFORE, COLUMNS, card_id


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
            text(
                f"SELECT {text_sql('id')}, {cols} FROM review_log WHERE card_id = :c "
                "ORDER BY reviewed_at, id"
            ),
            {"c": cid},
        ).all()
        base = imports.base_of(conn, key)
        if base is None:
            state, rescheduled = _replayed(conn, key, logs, schedulers[preset])
        else:  # from the schedule an import gave, the answers it does not cover on top
            covered = base_rows.covered(key, base)
            logs = [r for r in logs if str(r[0]) not in covered]
            given = base_rows.state(base)
            start = {b: given.get(b) for b in BEFORE}
            state, rescheduled = _replayed(conn, key, logs, schedulers[preset], start)
        if state is not None and state["state"] == CardState.NEW:
            # a new card's place in the queue is its merged position, wherever it is replayed
            position = _new_position(conn, key)
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
                "stability": _kept(row, state, "stability"),
                "difficulty": _kept(row, state, "difficulty"),
                "due": _due_after(row, state),
                "last_review": row["reviewed_at"],
                "reps": row["reps_before"] + 1,
                "lapses": row["lapses_before"]
                + int(row["state_before"] == CardState.REVIEW and row["rating"] == 1),
            }
            _estimate_memory(state)
            continue
        state = _rescheduled(state, row, str(log_row[0]), scheduler)
        rescheduled = True
    return state, rescheduled


def _estimate_memory(state: dict[str, Any]) -> None:
    """A review or relearning card that Anki rows left without FSRS memory gets the memory
    its interval implies (stability = the interval in days, the middle difficulty), so the
    next answer can be scheduled."""
    if state["state"] not in (CardState.REVIEW, CardState.RELEARNING):
        return
    if state["stability"] is None:
        due, last = state["due"], state["last_review"]
        days = (due - last) / 86_400_000 if due is not None and last is not None else 1.0
        state["stability"] = max(days, 0.1)
    if state["difficulty"] is None:
        state["difficulty"] = 5.0


def _kept(row: dict[str, Any], state: dict[str, Any] | None, name: str) -> Any:
    """The row's value after the answer; a row from Anki carries none (no FSRS memory in
    its log), so the card keeps the value it had."""
    value = row[f"{name}_after"]
    return state.get(name) if value is None and state is not None else value


def _due_after(row: dict[str, Any], state: dict[str, Any] | None) -> int | None:
    """The due time after the answer. A row from Anki has none: its ``ivl`` says it (days,
    or seconds when negative), else the card stays due when it was (or at the answer)."""
    if row["due_after"] is not None or row["state_after"] == CardState.NEW:
        return cast(int | None, row["due_after"])
    at = int(row["reviewed_at"])
    ivl = row.get("anki_ivl")
    if ivl:
        return at + (int(ivl) * 86_400_000 if ivl > 0 else -int(ivl) * 1000)
    return cast(int | None, state.get("due")) if state and state.get("due") is not None else at


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


def _new_position(conn: Connection, key: str) -> int | None:
    """A card's merged queue position (while new), the same on every device."""
    found = conn.execute(
        text('SELECT "values" FROM sync_register WHERE kind = \'card\' AND "key" = :y'),
        {"y": key},
    ).scalar()
    if found is None:
        return None
    position = json.loads(found).get("position")
    return int(position) if isinstance(position, int) else None
