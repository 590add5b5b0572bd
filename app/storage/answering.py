"""Answering a card and taking the answer back, for the Collection.

Each is one transaction through ``sqlite3`` with fixed SQL (the study screen's hot path);
today's counts and daily-limit totals in memory are adjusted by what the write changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.core.errors import BadInputError
from app.core.models import CardState, Memory, Rating
from app.core.timeconv import from_ms, opt_from_ms, to_ms
from app.sqlite import sqlite3
from app.storage import review_repo, stats_repo
from app.storage.card_actions import PREFIX as ACTION_PREFIX
from app.storage.engine import raw_connection
from app.storage.log_ids import to_db
from app.storage.sync import reviews as sync_reviews
from app.storage.today_counts import OwnCard
from app.storage.write_stamp import stamp

if TYPE_CHECKING:
    from app.storage.collection import Collection

CARD_QUERY = (
    "SELECT c.note_id, n.deck_id, c.state, c.step, c.stability, c.difficulty, c.due, "
    "c.last_review, c.reps, c.lapses, c.suspended = 0 AND n.retired = 0, c.buried_until, "
    "p.bury_new, p.bury_reviews, (SELECT COUNT(*) FROM card s WHERE s.note_id = c.note_id) "
    "FROM card c JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = n.deck_id "
    "JOIN preset p ON p.id = d.preset_id WHERE c.id = ?"
)

_NOTE_CARDS = "SELECT COUNT(*) FROM card WHERE note_id = ?"


def card_memory(raw: sqlite3.Connection, card_id: int) -> tuple[Memory, OwnCard] | None:
    """The card's scheduling state, and what today's counts need to know of it."""
    row = raw.execute(CARD_QUERY, (card_id,)).fetchone()
    return None if row is None else memory_of(row)


def memory_of(row: Any) -> tuple[Memory, OwnCard]:
    """What :func:`card_memory` makes of a row of :data:`CARD_QUERY`."""
    state = CardState(int(row[2]))
    memory = Memory(
        state=state,
        step=row[3],
        stability=row[4],
        difficulty=row[5],
        due=None if state == CardState.NEW else from_ms(int(row[6])),
        last_review=opt_from_ms(row[7]),
        reps=int(row[8]),
        lapses=int(row[9]),
    )
    own = OwnCard(
        note_id=int(row[0]),
        deck_id=int(row[1]),
        state=int(row[2]),
        due=row[6],
        active=bool(row[10]),
        buried_until=row[11],
        bury_new=bool(row[12]),
        bury_reviews=bool(row[13]),
        alone=int(row[14]) == 1,
    )
    return memory, own


def answer(
    col: Collection, card_id: int, rating: Rating, now: datetime, duration_ms: int, early_ok: bool
) -> str:
    """See :meth:`Collection.answer`."""
    window = col.window(now)
    with col._write() as conn:
        raw = raw_connection(conn)
        shown = col._queue.shown(raw, card_id)  # (the study screen's card: read already)
        if shown is None:
            found = card_memory(raw, card_id)
        else:
            found = memory_of((*shown, raw.execute(_NOTE_CARDS, (shown[0],)).fetchone()[0]))
        if found is None:
            raise BadInputError(f"no card with id {card_id}")
        memory, own = found
        note_id, deck_id, raw_due = own.note_id, own.deck_id, own.due
        held = col._queue.before_write(raw)
        leech = False
        change = col._today.before(conn, window, note_id, own)
        preset = col._presets(conn)[deck_id]
        order = raw_due if memory.due is None else None
        scheduler = col._scheduler(conn, preset)
        after = scheduler.review(memory, rating, now, col.rng)
        after = col.exams.adjust(conn, scheduler, after, now, preset)
        early = int(early_ok and memory.due is not None and memory.due > now)
        due = None if after.due is None else to_ms(after.due)
        log_id = review_repo.write_answer(
            raw, card_id, memory, after, rating, window.now, duration_ms, order, early
        )
        if after.lapses > memory.lapses and col.deck_options.after_lapse(
            conn, card_id, after.lapses, preset
        ):
            col._leeches.add(log_id)
            leech = True  # (it may be suspended or tagged: counted and queued afresh)
        moved = None if leech else (int(after.state), due)
        staged = col._today.after(conn, change, answered=True, own=moved)
        written = staged.stamp if staged is not None else stamp(raw)
    col._today.keep(staged)
    col._queue.answered(held and not leech, written, card_id, note_id, int(after.state), due)
    col._limits.answered(deck_id, memory.state, window.day_start)
    col._undo.append(log_id)
    return log_id


class _NothingToUndo(Exception):
    """The answer was taken back already, or the card was answered again since."""


def undo(col: Collection) -> int | None:
    """See :meth:`Collection.undo`."""
    while col._undo:
        log_id = col._undo.pop()
        if log_id.startswith(ACTION_PREFIX):
            undone = col.card_actions.undo(log_id)
            if undone is None:
                continue
            col.undone = undone[1]
            return undone[0]
        col.undone = "Answer"
        staged = None
        try:
            with col._write() as conn:
                raw = raw_connection(conn)
                row = raw.execute(
                    "SELECT c.note_id FROM review_log r JOIN card c ON c.id = r.card_id "
                    "WHERE r.id = ?",
                    (to_db(log_id),),
                ).fetchone()
                change = col._today.before(conn, None, int(row[0])) if row else None
                stats_repo.forget(conn, log_id, col._model(conn), col._day_offset())
                sync_reviews.record_undo(conn, log_id)
                card_id = review_repo.revert_answer(conn, log_id)
                if card_id is None:
                    raise _NothingToUndo
                if log_id in col._leeches:
                    col._leeches.discard(log_id)
                    col.deck_options.undo_leech(conn, card_id)
                staged = col._today.after(conn, change)
        except _NothingToUndo:
            continue
        finally:
            col._today.keep(staged)
            col._limits.forget_today()
        return card_id
    return None
