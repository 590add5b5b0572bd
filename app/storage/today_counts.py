"""Today's cards per deck (new, learning, due; before daily limits), kept in memory.

Counted once a study day, then adjusted on every answer and undo by what the one note
answered gave before and gives after (a note's cards are all a count depends on: their
states and due times, their suspension, and whether a sibling was answered today).

The copy is trusted only while nothing else changed the file: every connection's commit
changes ``PRAGMA data_version`` as this connection sees it, and every change made through
this connection moves its ``total_changes`` (the copy holds the connection it was
made on, so another one is never mistaken for it). Anything else (an import, a suspend, a deck
option, another process) is noticed that way and brings a full recount. A card buried
until a time later today ends the copy at that time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from app.core.limits import Available
from app.sqlite import sqlite3
from app.storage import study_repo
from app.storage.engine import raw_connection
from app.storage.study_queue import answered_notes
from app.storage.study_repo import DayWindow
from app.storage.write_stamp import Stamp, same, stamp, unwritten

_SIBLING_TODAY = (
    "EXISTS (SELECT 1 FROM card s JOIN review_log r ON r.card_id = s.id "
    "WHERE s.note_id = c.note_id AND r.reviewed_at >= :day_start)"
)
_NOT_BURIED = "(c.buried_until IS NULL OR c.buried_until <= :now)"
_ACTIVE = "c.suspended = 0 AND n.retired = 0"


def _note_counts_sql(sibling_today: str) -> str:
    return (
        "SELECT n.deck_id, "
        f"SUM(c.state = 0 AND {_ACTIVE} AND {_NOT_BURIED} "
        f"AND NOT (p.bury_new = 1 AND {sibling_today})), "
        f"SUM(c.state IN (1, 3) AND {_ACTIVE} AND c.due < :day_end), "
        f"SUM(c.state = 2 AND c.due < :day_end AND {_ACTIVE} AND {_NOT_BURIED} "
        f"AND NOT (p.bury_reviews = 1 AND {sibling_today})) "
        "FROM card c JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = n.deck_id "
        "JOIN preset p ON p.id = d.preset_id WHERE c.note_id = :note GROUP BY n.deck_id"
    )


_NOTE_COUNTS = _note_counts_sql(_SIBLING_TODAY)
_NOTE_COUNTS_KNOWN = _note_counts_sql(":answered")
"""The same, told whether the note has an answer today (the kept copy knows)."""
_NOTE_ANSWERED = (
    "SELECT EXISTS (SELECT 1 FROM card s JOIN review_log r ON r.card_id = s.id "
    "WHERE s.note_id = ? AND r.reviewed_at >= ?)"
)


def note_counts(
    raw: sqlite3.Connection, window: DayWindow, note_id: int, answered: bool | None = None
) -> list[tuple[int, Available]]:
    """What one note's cards add to today's counts, per deck (``answered``: whether the
    note has an answer today, when known; else the log is asked)."""
    params = {
        "now": window.now,
        "day_start": window.day_start,
        "day_end": window.day_end,
        "note": note_id,
    }
    if answered is None:
        rows = raw.execute(_NOTE_COUNTS, params).fetchall()
    else:
        rows = raw.execute(_NOTE_COUNTS_KNOWN, {**params, "answered": int(answered)}).fetchall()
    return [(int(d), Available(int(a or 0), int(b or 0), int(c or 0))) for d, a, b, c in rows]


@dataclass(frozen=True)
class OwnCard:
    """What an answered card's share of the counts depends on (read with its state)."""

    note_id: int
    deck_id: int
    state: int
    due: int | None
    active: bool
    buried_until: int | None
    bury_new: bool
    bury_reviews: bool
    alone: bool
    """The note has no other card."""

    def share(self, state: int, due: int | None, window: DayWindow, answered: bool) -> Available:
        """What this card adds to its deck's counts in ``state`` at ``due`` (the
        conditions of :func:`note_counts`)."""
        if not self.active:
            return Available()
        shown = self.buried_until is None or self.buried_until <= window.now
        today = due is not None and due < window.day_end
        return Available(
            int(state == 0 and shown and not (self.bury_new and answered)),
            int(state in (1, 3) and today),
            int(state == 2 and today and shown and not (self.bury_reviews and answered)),
        )


@dataclass
class _Copy:
    window: DayWindow
    stamp: Stamp
    until: int
    counts: dict[int, Available]
    answered: set[int]
    """Notes with an answer today (siblings of their cards wait until tomorrow)."""


@dataclass(frozen=True)
class Change:
    """One note's share of the counts before a write (from :meth:`TodayCounts.before`)."""

    note_id: int
    window: DayWindow
    before: list[tuple[int, Available]]
    answered: bool
    version: int
    """``PRAGMA data_version`` then: another connection's commit in between voids it."""
    own: OwnCard | None = None
    """The answered card, when its share is all that can change (no sibling of it
    changes its share: it has none, or the note had an answer today already)."""


@dataclass(frozen=True)
class Staged:
    """The counts after a write, to keep once its transaction has committed."""

    stamp: Stamp
    counts: dict[int, Available]
    note_id: int
    answered: bool


Counted = tuple[dict[int, Available], int, set[int]]
"""Today's counts per deck, the time they hold until, the notes answered today."""


def _count(raw: sqlite3.Connection, window: DayWindow) -> Counted:
    return _merge(_new_and_learning(raw, window), _due_and_rest(raw, window))


def _new_and_learning(raw: sqlite3.Connection, window: DayWindow) -> dict[int, Available]:
    return study_repo.deck_counts_raw(raw, window, columns=(0, 1))


def _due_and_rest(raw: sqlite3.Connection, window: DayWindow) -> Counted:
    due = study_repo.deck_counts_raw(raw, window, columns=(2,))
    (buried,) = raw.execute(
        "SELECT MIN(buried_until) FROM card WHERE buried_until > ?", (window.now,)
    ).fetchone()
    until = window.day_end if buried is None else min(int(buried), window.day_end)
    return due, until, answered_notes(raw, window.day_start)


def _merge(first: dict[int, Available], rest: Counted) -> Counted:
    due, until, answered = rest
    counts = {
        deck: Available(
            first.get(deck, Available()).new,
            first.get(deck, Available()).learning,
            due.get(deck, Available()).review,
        )
        for deck in first.keys() | due.keys()
    }
    return counts, until, answered


def _on_own_connection(path: Path, work: Callable[[sqlite3.Connection], Any]) -> Any:
    """``work`` on a read-only connection of its own to ``path``; None if it failed."""
    try:
        raw = sqlite3.connect(path, check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        raw.execute("PRAGMA busy_timeout = 5000")
        raw.execute("PRAGMA query_only = ON")
        return work(raw)
    except sqlite3.Error:
        return None  # counted again where they are asked for
    finally:
        raw.close()


class _Prefetch:
    """The counts made on connections of their own, in two threads (new and learning
    cards in one, due cards in the other), while the caller goes on: SQLite runs their
    queries beside the caller's Python and beside each other."""

    def __init__(self, path: Path, window: DayWindow, kept: Stamp) -> None:
        self.window = window
        self.stamp = kept
        self._parts: list[Any] = [None, None]
        self._threads = [
            threading.Thread(
                target=self._run,
                args=(path, index, work),
                name="cirrus-counts",
                daemon=True,
            )
            for index, work in enumerate((_new_and_learning, _due_and_rest))
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, path: Path, index: int, work: Callable[..., Any]) -> None:
        self._parts[index] = _on_own_connection(path, lambda raw: work(raw, self.window))

    def wait(self) -> Counted | None:
        for thread in self._threads:
            thread.join()
        first, rest = self._parts
        return None if first is None or rest is None else _merge(first, rest)


class TodayCounts:
    def __init__(self) -> None:
        self._copy: _Copy | None = None
        self._prefetch: _Prefetch | None = None

    def forget(self) -> None:
        self._copy = None
        self._drop_prefetch()

    def _drop_prefetch(self) -> None:
        pending, self._prefetch = self._prefetch, None
        if pending is not None:
            pending.wait()  # (its connection is closed before the caller goes on)

    def prefetch(self, raw: sqlite3.Connection, path: Path, window: DayWindow) -> None:
        """Start counting on a connection of its own to ``path`` (the file ``raw`` is
        on). :meth:`get` takes the result if nothing was written since, by any
        connection; else it counts again."""
        self._drop_prefetch()
        self._prefetch = _Prefetch(path, window, stamp(raw))

    def _prefetched(self, raw: sqlite3.Connection, window: DayWindow) -> _Copy | None:
        pending, self._prefetch = self._prefetch, None
        if pending is None:
            return None
        counted = pending.wait()
        if counted is None or not same(pending.stamp, stamp(raw)):
            return None  # failed, or something was written since the threads started
        # nothing was committed since the stamp: the threads read the state it names
        counts, until, answered = counted
        made = pending.window
        if made.day_start != window.day_start or not made.now <= window.now < until:
            return None
        return _Copy(made, pending.stamp, until, counts, answered)

    def _valid(self, raw: sqlite3.Connection, window: DayWindow) -> _Copy | None:
        copy = self._copy
        if copy is None or copy.window.day_start != window.day_start or window.now >= copy.until:
            return None
        return copy if same(copy.stamp, stamp(raw)) else None

    def get(self, conn: Connection, window: DayWindow) -> dict[int, Available]:
        """Per deck: its own cards available today (every deck)."""
        raw = raw_connection(conn)
        copy = self._valid(raw, window)
        if copy is not None:
            return copy.counts
        copy = self._prefetched(raw, window)
        if copy is None:
            counts, until, answered = _count(raw, window)
            copy = _Copy(window, stamp(raw), until, counts, answered)
        self._copy = copy
        return copy.counts

    def answered_today(self, raw: sqlite3.Connection, day_start: int) -> set[int] | None:
        """A copy of the notes with an answer today, while the kept counts hold (None:
        they do not; the study queue then reads the log itself)."""
        copy = self._copy
        if copy is None or copy.window.day_start != day_start or not same(copy.stamp, stamp(raw)):
            return None
        return set(copy.answered)

    def before(
        self,
        conn: Connection,
        window: DayWindow | None,
        note_id: int,
        own: OwnCard | None = None,
    ) -> Change | None:
        """Call inside a write, before changing ``note_id``'s cards (None: nothing kept).

        ``window`` None: the time the counts were made (an undo has no clock of its own;
        nothing that counts can change until the copy ends). ``own``: the card an answer
        is about to change."""
        raw = raw_connection(conn)
        if self._copy is None:
            return None
        window = window or self._copy.window
        copy = self._copy
        if copy.window.day_start != window.day_start or window.now >= copy.until:
            return None
        if not unwritten(copy.stamp, raw):
            return None  # (another connection's commit shows at the end: :meth:`after`)
        answered = note_id in copy.answered
        if own is not None and (own.alone or answered):
            before = [(own.deck_id, own.share(own.state, own.due, window, answered))]
            return Change(note_id, window, before, answered, copy.stamp[2], own)
        before = note_counts(raw, window, note_id, answered)
        return Change(note_id, window, before, answered, copy.stamp[2])

    def after(
        self,
        conn: Connection,
        change: Change | None,
        answered: bool | None = None,
        own: tuple[int, int | None] | None = None,
    ) -> Staged | None:
        """Call at the end of the same write: the counts with the change applied.

        ``answered``: the note has an answer today now (True after an answer); None asks
        the log (after an undo). ``own``: the answered card's state and due time now,
        when the answer changed nothing else."""
        copy = self._copy
        if change is None or copy is None:
            return None
        raw = raw_connection(conn)
        now = stamp(raw)  # (the write's own changes are in it: this connection made them)
        if now[2] != change.version:  # another connection committed in between
            return None
        if answered is None:
            (found,) = raw.execute(
                _NOTE_ANSWERED, (change.note_id, change.window.day_start)
            ).fetchone()
            answered = bool(found)
        if change.own is not None and own is not None:
            card = change.own
            after = [(card.deck_id, card.share(own[0], own[1], change.window, answered))]
        else:
            after = note_counts(raw, change.window, change.note_id, answered)
        counts = dict(copy.counts)
        for sign, part in ((-1, change.before), (1, after)):
            for deck_id, add in part:
                old = counts.get(deck_id, Available())
                counts[deck_id] = Available(
                    old.new + sign * add.new,
                    old.learning + sign * add.learning,
                    old.review + sign * add.review,
                )
        return Staged(now, counts, change.note_id, answered)

    def keep(self, staged: Staged | None) -> None:
        """After the write committed: keep the adjusted counts."""
        if staged is None or self._copy is None:
            self._copy = None
            return
        self._copy.stamp = staged.stamp
        self._copy.counts = staged.counts
        if staged.answered:
            self._copy.answered.add(staged.note_id)
        else:
            self._copy.answered.discard(staged.note_id)
