"""The study queue, answering and undo, in SQL (Core statements, no ORM objects).

Queue order: learning cards when due, then due reviews, then new cards in deck order.
Siblings (the other cards of a note) of a card answered today wait until tomorrow;
this is derived from today's review log, so undo needs no extra bookkeeping.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, text

from app.core.limits import Available, Done
from app.core.models import CardState, DeckSummary, Memory, NoteKind, StudyCard
from app.core.scheduling import SchedulerSettings
from app.core.timeconv import from_ms, opt_from_ms
from app.sqlite import sqlite3
from app.storage.card_sides import template_sides
from app.storage.engine import raw_connection
from app.storage.study_queue import (
    BATCH,
    BURIED_UNTIL,
    BURY_NEW,
    BURY_REVIEWS,
    NEVER,
    Session,
    StudyQueue,
)

LEARN_AHEAD_MS = 20 * 60 * 1000
_SIBLING_TODAY = (
    "c.note_id IN (SELECT c2.note_id FROM review_log r JOIN card c2 ON c2.id = r.card_id "
    "WHERE r.reviewed_at >= :day_start)"
)
_NOT_BURIED_NEW = (
    f"NOT (p.bury_new = 1 AND {_SIBLING_TODAY}) "
    "AND (c.buried_until IS NULL OR c.buried_until <= :now)"
)
_NOT_BURIED_REVIEW = (
    f"NOT (p.bury_reviews = 1 AND {_SIBLING_TODAY}) "
    "AND (c.buried_until IS NULL OR c.buried_until <= :now)"
)
# The next card's queries stop at the first card in order: a sibling check per candidate
# (through the note's cards and their logs) beats listing every note answered today.
_SIBLING_TODAY_EXISTS = (
    "EXISTS (SELECT 1 FROM card s JOIN review_log r ON r.card_id = s.id "
    "WHERE s.note_id = c.note_id AND r.reviewed_at >= :day_start)"
)
_NEW_ORDER = (
    "CASE WHEN p.new_order = 1 THEN (c.id * 1103515245 + :day_start) % 2147483648 ELSE c.due END"
)
_ACTIVE = "c.suspended = 0 AND n.retired = 0"
_CARD_COLUMNS = (
    "c.id, c.note_id, c.ord, n.kind, d.name, n.prompt_md, n.front_md, n.answer_md, n.source, "
    "c.state, c.step, c.stability, c.difficulty, c.due, c.last_review, c.reps, c.lapses, d.id, "
    "n.fields, n.notetype_id, n.case_uid, n.expected, n.exact"
)
_ANSWER_COLUMNS = "p.bury_new, p.bury_reviews, c.buried_until"
"""What answering the card reads besides its state and its note's number of cards (the
queue keeps it with the card shown: :meth:`app.storage.study_queue.StudyQueue.shown`).
The count is not among them: a sorted batch works out its columns for every candidate
before the sort (a 300,000-card collection's new cards: 92.6 -> 104.5 ms with it)."""
_BASE_SELECT = f"SELECT {_CARD_COLUMNS}, {_ANSWER_COLUMNS}"
_BASE_FROM = (
    "FROM card c JOIN note n ON n.id = c.note_id "
    "JOIN deck d ON d.id = n.deck_id JOIN preset p ON p.id = d.preset_id "
    "WHERE c.suspended = 0 AND n.retired = 0 AND n.deck_id IN ("
)
_BASE = f"{_BASE_SELECT} {_BASE_FROM}"


@dataclass(frozen=True)
class DayWindow:
    now: int
    day_start: int
    day_end: int


def preset_settings(conn: Connection, preset_id: int) -> SchedulerSettings:
    row = conn.execute(
        text(
            "SELECT desired_retention, learning_steps, relearning_steps, maximum_interval, "
            "parameters, fuzz FROM preset WHERE id = :i"
        ),
        {"i": preset_id},
    ).one()
    base = SchedulerSettings()
    return SchedulerSettings(
        desired_retention=float(row[0]),
        learning_steps=tuple(json.loads(row[1])),
        relearning_steps=tuple(json.loads(row[2])),
        maximum_interval=int(row[3]),
        parameters=tuple(json.loads(row[4])) if row[4] else base.parameters,
        fuzz=bool(row[5]),
    )


def done_today(conn: Connection, day_start_ms: int) -> dict[int, Done]:
    """Per deck (its own cards): new cards first answered and review cards answered since
    the study day started: what the daily limits count.

    Practice-exam answers (``kind`` 2) do not use up the day's limits."""
    rows = conn.execute(
        text(
            "SELECT n.deck_id, SUM(r.state_before = 0), SUM(r.state_before = 2) "
            "FROM review_log r JOIN card c ON c.id = r.card_id JOIN note n ON n.id = c.note_id "
            "WHERE r.reviewed_at >= :s AND r.kind != 2 GROUP BY n.deck_id"
        ),
        {"s": day_start_ms},
    )
    return {int(d): Done(int(new or 0), int(review or 0)) for d, new, review in rows}


def today_overrides(conn: Connection, day_start_ms: int) -> dict[int, tuple[int, int]]:
    """Per deck: (new, reviews) set "for today only" in the deck options, for this day."""
    rows = conn.execute(
        text(
            "SELECT id, today_new, today_reviews FROM deck "
            "WHERE today_day = :d AND today_new IS NOT NULL"
        ),
        {"d": day_start_ms},
    )
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}


def preset_limits(conn: Connection) -> dict[int, tuple[int, int]]:
    """Per preset: (new cards a day, reviews a day)."""
    rows = conn.execute(text("SELECT id, new_per_day, reviews_per_day FROM preset"))
    return {int(r[0]): (int(r[1]), int(r[2])) for r in rows}


def next_card(
    conn: Connection,
    deck_ids: Sequence[int],
    window: DayWindow,
    new_decks: Sequence[int],
    review_decks: Sequence[int],
    queue: StudyQueue | None = None,
) -> StudyCard | None:
    """The card to show now: learning cards when due, then due reviews, then new cards.

    ``new_decks`` and ``review_decks`` are the decks whose daily limits still have room;
    ``queue`` keeps the next candidates between calls (see :mod:`app.storage.study_queue`).
    """
    if not deck_ids:
        return None
    # fixed SQL through sqlite3: SQLAlchemy's statement handling costs more than these
    raw = raw_connection(conn)
    decks = _id_list(tuple(deck_ids))
    params: dict[str, Any] = {
        "now": window.now,
        "day_start": window.day_start,
        "day_end": window.day_end,
    }
    learning = f"{_BASE}{decks}) AND c.state IN (1, 3) AND c.due <= :cutoff ORDER BY c.due LIMIT 1"
    kept = None
    if queue is not None:
        key = (tuple(deck_ids), tuple(review_decks), tuple(new_decks))
        kept = queue.session(raw, (*key, window.day_start, window.day_end))
    if kept is None or kept.learning_after is None or kept.learning_after <= window.now:
        row = raw.execute(learning, {**params, "cutoff": window.now}).fetchone()
        if row is not None:
            return _study_card(conn, row, kept)
        if kept is not None:
            (soonest,) = raw.execute(
                f"SELECT MIN(c.due) {_BASE_FROM}{decks}) AND c.state IN (1, 3)"
            ).fetchone()
            kept.learning_after = NEVER if soonest is None else int(soonest)
    if review_decks:
        where = f"{_id_list(tuple(review_decks))}) AND c.state = 2 AND c.due < :day_end"
        row = _next_of(raw, kept, params, where, "c.due", "review")
        if row is not None:
            return _study_card(conn, row, kept)
    if new_decks:
        where = f"{_id_list(tuple(new_decks))}) AND c.state = 0"
        row = _next_of(raw, kept, params, where, _NEW_ORDER, "new")
        if row is not None:
            return _study_card(conn, row, kept)
    cutoff = min(window.now + LEARN_AHEAD_MS, window.day_end)
    if kept is not None and kept.learning_after is not None and kept.learning_after > cutoff:
        return None
    row = raw.execute(learning, {**params, "cutoff": cutoff}).fetchone()
    return _study_card(conn, row, kept) if row is not None else None


def _next_of(
    raw: sqlite3.Connection,
    kept: Session | None,
    params: dict[str, Any],
    where: str,
    order: str,
    queue: str,
) -> Any:
    """The first due review (``queue`` "review") or new card ("new") of ``where``'s decks:
    from the batch ``kept`` when it can tell, else read."""
    flag = "p.bury_new" if queue == "new" else "p.bury_reviews"
    sibling = f"NOT ({flag} = 1 AND {_SIBLING_TODAY_EXISTS})"
    if kept is not None:
        batch = kept.new if queue == "new" else kept.reviews
        if not batch.read or (not batch.rows and not batch.complete):
            rows = raw.execute(
                f"{_BASE}{where} ORDER BY {order} LIMIT {BATCH}",
                params,
            ).fetchall()
            kept.answered_notes(raw)
            kept.fill(batch, rows)
        found = kept.first(batch, params["now"])
        if found is not False:
            return found
    buried = "(c.buried_until IS NULL OR c.buried_until <= :now)"
    return raw.execute(
        f"{_BASE}{where} AND {sibling} AND {buried} ORDER BY {order} LIMIT 1", params
    ).fetchone()


_NEW = f"c.state = 0 AND {_ACTIVE} AND {_NOT_BURIED_NEW}"
_LEARNING = f"c.state IN (1, 3) AND {_ACTIVE} AND c.due < :day_end"
_DUE = f"c.state = 2 AND c.due < :day_end AND {_ACTIVE} AND {_NOT_BURIED_REVIEW}"
_FROM = (
    "FROM card c JOIN note n INDEXED BY ix_note_card ON n.id = c.note_id "
    "JOIN deck d ON d.id = n.deck_id JOIN preset p ON p.id = d.preset_id"
)
"""Counts read the note's deck and retirement from its index (the note rows hold the text:
reading them would touch most of the file); the cards' columns come from their schedule
index."""


def _window_params(window: DayWindow) -> dict[str, int]:
    return {"now": window.now, "day_start": window.day_start, "day_end": window.day_end}


def deck_counts(
    conn: Connection, window: DayWindow, deck_ids: Sequence[int] | None = None
) -> dict[int, Available]:
    """Per deck: new, learning and due cards available today, before daily limits
    (of ``deck_ids`` only, when given).

    Each count walks the (state, due) index, not the whole card table.
    """
    return deck_counts_raw(raw_connection(conn), window, deck_ids)


def deck_counts_raw(
    raw: sqlite3.Connection,
    window: DayWindow,
    deck_ids: Sequence[int] | None = None,
    columns: Sequence[int] = (0, 1, 2),
) -> dict[int, Available]:
    """:func:`deck_counts` on a ``sqlite3`` connection (any connection to the file);
    ``columns``: which of the new (0), learning (1) and due (2) counts to make (the others
    stay 0)."""
    params = _window_params(window)
    only = "" if deck_ids is None else f" AND n.deck_id IN ({_ids(deck_ids)})"
    out: dict[int, list[int]] = {}
    conditions = (_NEW, _LEARNING, _DUE)
    for column in columns:
        condition = conditions[column]
        rows = raw.execute(
            f"SELECT n.deck_id, COUNT(*) {_FROM} WHERE {condition}{only} GROUP BY n.deck_id",
            params,
        )
        for deck_id, count in rows:
            out.setdefault(int(deck_id), [0, 0, 0])[column] = int(count)
    return {deck_id: Available(c[0], c[1], c[2]) for deck_id, c in out.items()}


def totals(conn: Connection) -> dict[str, int]:
    row = conn.execute(
        text(
            "SELECT (SELECT COUNT(*) FROM deck), (SELECT COUNT(*) FROM note), "
            "(SELECT COUNT(*) FROM card), (SELECT COUNT(*) FROM review_log), "
            "(SELECT COUNT(*) FROM media)"
        )
    ).one()
    return dict(
        zip(("decks", "notes", "cards", "review_logs", "media"), map(int, row), strict=True)
    )


def deck_summaries(conn: Connection, window: DayWindow) -> list[DeckSummary]:
    """Every deck with its own counts (children not included), in deck order."""
    today = deck_counts(conn, window)
    sizes = deck_sizes(conn)
    rows = conn.execute(
        text("SELECT id, uid, name, description FROM deck ORDER BY position, name")
    ).all()
    out = []
    for deck_id, uid, name, description in rows:
        notes, cards, suspended = sizes.get(int(deck_id), (0, 0, 0))
        own = today.get(int(deck_id), Available())
        out.append(
            DeckSummary(
                int(deck_id),
                uid,
                name,
                description,
                notes,
                cards,
                own.new,
                own.learning,
                own.review,
                suspended,
            )
        )
    return out


def deck_descriptions(conn: Connection) -> dict[str, str]:
    """Per deck name: its description (the deck list shows it; no card is read)."""
    rows = conn.execute(text("SELECT name, description FROM deck"))
    return {str(name): str(description or "") for name, description in rows}


def deck_sizes(conn: Connection) -> dict[int, tuple[int, int, int]]:
    """Per deck: (notes, cards, suspended or retired cards)."""
    rows = conn.execute(
        text(
            f"SELECT n.deck_id, COUNT(DISTINCT n.id), COUNT(*), "
            f"SUM(c.suspended = 1 OR n.retired = 1) {_FROM} GROUP BY n.deck_id"
        )
    )
    return {int(r[0]): (int(r[1]), int(r[2]), int(r[3] or 0)) for r in rows}


def next_due_after(conn: Connection, deck_ids: Sequence[int], now: int) -> int | None:
    """When the next learning or review card of these decks falls due."""
    if not deck_ids:
        return None
    value = conn.execute(
        text(
            "SELECT MIN(c.due) FROM card c JOIN note n ON n.id = c.note_id "
            f"WHERE {_ACTIVE} AND c.state IN (1, 2, 3) AND n.deck_id IN ({_ids(deck_ids)})"
        )
    ).scalar()
    return int(value) if value is not None else None


def load_card(conn: Connection, card_id: int) -> StudyCard | None:
    row = conn.execute(
        text(
            f"SELECT {_CARD_COLUMNS} FROM card c JOIN note n ON n.id = c.note_id "
            "JOIN deck d ON d.id = n.deck_id WHERE c.id = :i"
        ),
        {"i": card_id},
    ).first()
    return _study_card(conn, row) if row is not None else None


def _study_card(conn: Connection, row: Any, kept: Session | None = None) -> StudyCard:
    state = CardState(int(row[9]))
    kind = NoteKind(int(row[3]))
    front, answer, css = str(row[6]), str(row[7]), ""
    if kind == NoteKind.TEMPLATE and row[19] is not None:
        front, answer, css = template_sides(
            conn,
            int(row[1]),
            int(row[2]),
            str(row[4]),
            json.loads(row[18] or "[]"),
            int(row[19]),
            None if kept is None else kept.notetypes,
        )
    card = StudyCard(
        card_id=int(row[0]),
        note_id=int(row[1]),
        ord=int(row[2]),
        kind=kind,
        deck_id=int(row[17]),
        deck_name=str(row[4]),
        prompt=str(row[5]),
        front=front,
        answer=answer,
        css=css,
        source=row[8],
        memory=Memory(
            state=state,
            step=row[10],
            stability=row[11],
            difficulty=row[12],
            due=None if state == CardState.NEW else from_ms(int(row[13])),
            last_review=opt_from_ms(row[14]),
            reps=int(row[15]),
            lapses=int(row[16]),
        ),
        expected=row[21],
        exact=bool(row[22]),
    )
    if row[20] is not None:
        card = _with_case(conn, card, str(row[20]))
    if kept is not None:
        kept.shown = (card.card_id, answer_row(row))
    return card


def answer_row(row: Any) -> tuple[Any, ...]:
    """A next-card row as :data:`app.storage.answering.CARD_QUERY` reads the card, but for
    the note's number of cards, its last column (a row of :data:`_BASE_SELECT`: a card it
    gives is neither suspended nor retired)."""
    return (
        row[1], row[17], row[9], row[10], row[11], row[12], row[13], row[14], row[15],
        row[16], 1, row[BURIED_UNTIL], row[BURY_NEW], row[BURY_REVIEWS],
    )  # fmt: skip


def _with_case(conn: Connection, card: StudyCard, case_uid: str) -> StudyCard:
    """The scenario of the case study the question belongs to (unchanged if it is gone)."""
    row = conn.execute(
        text("SELECT prompt_md, front_md, answer_md FROM note WHERE uid = :u AND retired = 0"),
        {"u": case_uid},
    ).first()
    if row is None:
        return card
    scenario = "\n\n".join(part for part in (str(row[1]), str(row[2])) if part)
    return replace(card, case_prompt=str(row[0]), case_text=scenario)


def _ids(ids: Sequence[int]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


@lru_cache(maxsize=64)
def _id_list(ids: tuple[int, ...]) -> str:
    """:func:`_ids` for the queue's deck lists, which repeat from card to card."""
    return _ids(ids)


def memories(conn: Connection, deck_ids: Sequence[int]) -> list[Memory]:
    rows = conn.execute(
        text(
            "SELECT c.state, c.step, c.stability, c.difficulty, c.due, c.last_review, c.reps, "
            "c.lapses FROM card c JOIN note n ON n.id = c.note_id WHERE c.suspended = 0 "
            f"AND n.retired = 0 AND n.deck_id IN ({_ids(deck_ids)})"
        )
    )
    out = []
    for state, step, stability, difficulty, due, last, reps, lapses in rows:
        new = state == CardState.NEW
        out.append(
            Memory(
                state=CardState(state),
                step=step,
                stability=stability,
                difficulty=difficulty,
                due=None if new or due is None else from_ms(int(due)),
                last_review=opt_from_ms(last),
                reps=int(reps),
                lapses=int(lapses),
            )
        )
    return out
