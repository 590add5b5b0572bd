"""The study queue's next candidates, kept in memory between answers.

Each next card used to cost two queries (learning cards due now, then the first due
review or new card). The queue now keeps, for the decks being studied and the day:

- a **lower bound on when a learning card next falls due**: while the clock is before it,
  no learning card can be due, so its query is skipped;
- the **next reviews and new cards in queue order** (a batch read with one query): the
  first whose burial has ended is the next card;
- the **note types** of the cards shown;
- the **notes with an answer today**: where the preset buries siblings, their other
  cards wait until tomorrow (Python leaves them out of a batch, where the single read
  asks the review log about every candidate).

What an answer through :func:`app.storage.answering.answer` changes is applied here: the
answered card leaves the batches, its siblings too where their preset buries siblings,
and a card that goes (back) into learning lowers the bound. Anything else that writes
(an edit, a suspend, an undo, another process, a deck whose daily limit fills up) is
noticed as :mod:`app.storage.today_counts` notices it (the connection's
``total_changes`` and ``PRAGMA data_version``, the decks with room), and the next card
is read afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.sqlite import sqlite3
from app.storage.write_stamp import Stamp, same, stamp, unwritten

BATCH = 128
"""Candidates read at once: a read of 128 costs about what 35 single reads cost (the
100,000-card benchmark collection), and one answer in 128 pays it."""

NEVER = 2**62
"""The bound when no learning card is left."""

Row = tuple[Any, ...]
Key = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], int, int]
"""(decks studied, decks with room for reviews, for new cards, day start, day end)."""


BURY_NEW = 23
BURY_REVIEWS = 24
BURIED_UNTIL = 25
"""Where a :class:`Row` (a row of ``study_repo._BASE_SELECT``: the card's columns, its id
first, then its note's) holds the preset's bury flags and the card's burial."""


@dataclass
class Batch:
    buries: int
    """Where a row holds its preset's bury flag for this queue."""
    rows: list[Row] = field(default_factory=list)
    complete: bool = False
    """The query gave fewer rows than asked: no candidate is left beyond these."""
    read: bool = False


@dataclass
class Session:
    key: Key
    stamp: Stamp
    learning_after: int | None = None
    """No learning card of these decks falls due before this time (None: not known)."""
    reviews: Batch = field(default_factory=lambda: Batch(BURY_REVIEWS))
    new: Batch = field(default_factory=lambda: Batch(BURY_NEW))
    answered: set[int] | None = None
    """Notes with an answer today (None: not read yet)."""
    gone: set[int] = field(default_factory=set)
    """Cards answered since the batches were read (they left today's queue)."""
    notetypes: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    """Note types read for the cards shown (their rows, by id)."""
    shown: tuple[int, Row] | None = None
    """The card last given as the next one, as answering it reads it."""

    known: Callable[[sqlite3.Connection, int], set[int] | None] | None = None
    """Where the notes answered today may be known already (today's counts keep them)."""

    def answered_notes(self, raw: sqlite3.Connection) -> set[int]:
        if self.answered is None:
            found = None if self.known is None else self.known(raw, self.key[3])
            self.answered = answered_notes(raw, self.key[3]) if found is None else found
        return self.answered

    def fill(self, batch: Batch, rows: list[Row]) -> None:
        """Keep what a batch read gave (the cards answered since are not in it)."""
        batch.read, batch.complete, batch.rows = True, len(rows) < BATCH, rows

    def first(self, batch: Batch, now_ms: int) -> Row | bool | None:
        """The first row of ``batch`` shown now: not answered, not waiting for a sibling
        answered today, not buried at ``now_ms``. None when the batch says there is
        none; False when it cannot tell (every row it holds is buried)."""
        rows, gone, answered = batch.rows, self.gone, self.answered or set()
        buries = batch.buries
        while rows and (rows[0][0] in gone or (rows[0][buries] and rows[0][1] in answered)):
            del rows[0]  # (for the rest of the session)
        for row in rows:
            until = row[BURIED_UNTIL]
            if (until is None or until <= now_ms) and not (
                row[0] in gone or (row[buries] and row[1] in answered)
            ):
                return row
        return None if batch.complete else False


_ANSWERED_NOTES = (
    "SELECT DISTINCT c.note_id FROM review_log r CROSS JOIN card c ON c.id = r.card_id "
    "WHERE r.reviewed_at >= ?"
)


def answered_notes(raw: sqlite3.Connection, day_start: int) -> set[int]:
    """Notes with an answer (of any kind) since ``day_start``."""
    return {int(n) for (n,) in raw.execute(_ANSWERED_NOTES, (day_start,))}


class StudyQueue:
    def __init__(
        self, known: Callable[[sqlite3.Connection, int], set[int] | None] | None = None
    ) -> None:
        """``known``: where the notes answered today may be read without the log."""
        self._session: Session | None = None
        self._known = known

    def forget(self) -> None:
        self._session = None

    def session(self, raw: sqlite3.Connection, key: Key) -> Session:
        """What is kept for ``key``, or a fresh start when anything else changed."""
        now = stamp(raw)
        kept = self._session
        if kept is None or kept.key != key or not same(kept.stamp, now):
            kept = self._session = Session(key, now, known=self._known)
        return kept

    def shown(self, raw: sqlite3.Connection, card_id: int) -> Row | None:
        """``card_id``'s row as answering reads it, when it is the card last given as the
        next one and nothing was written since (by any connection); None otherwise."""
        kept = self._session
        if kept is None or kept.shown is None or kept.shown[0] != card_id:
            return None
        row = kept.shown[1]
        kept.shown = None
        return row if same(kept.stamp, stamp(raw)) else None

    def before_write(self, raw: sqlite3.Connection) -> bool:
        """Call inside an answer's write, before it changes anything: whether nothing
        was written through this connection since what is kept was last checked (another
        connection's commit shows in the stamp at the end: :meth:`answered`)."""
        kept = self._session
        if kept is None or not unwritten(kept.stamp, raw):
            self._session = None
            return False
        return True

    def answered(
        self, held: bool, after: Stamp, card_id: int, note_id: int, state: int, due: int | None
    ) -> None:
        """After an answer committed (``held``: what :meth:`before_write` said; ``after``
        the stamp at the end of its write): the card leaves the batches, and so do its
        siblings where their preset buries them; ``state`` and ``due`` are the card's
        after the answer."""
        kept = self._session
        if kept is None or not held or after[2] != kept.stamp[2]:
            self._session = None  # (another connection committed in between)
            return
        if state == 0 or (state == 2 and (due is None or due < kept.key[4])):
            self._session = None  # back in today's queue itself: read it afresh
            return
        kept.gone.add(card_id)
        if kept.answered is not None:
            kept.answered.add(note_id)
        if state in (1, 3) and kept.learning_after is not None:
            kept.learning_after = min(kept.learning_after, due or 0)
        kept.stamp = after
