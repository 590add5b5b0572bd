"""The rows a card list shows (browser table, ``cirrus search``), fetched by card id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.storage.search_props import DAY, SearchClock

_CHUNK = 500


@dataclass(frozen=True)
class CardListRow:
    """One card as a list shows it. Times are UTC epoch ms."""

    id: int
    note_id: int
    note_guid: str
    """The Anki guid of an imported note; ``deck-id/card-id`` of a Markdown note."""
    ord: int
    deck: str
    state: int
    due: int | None
    """When a learning or review card is due; None for a new card."""
    interval_days: int
    stability: float | None
    difficulty: float | None
    """On Anki's 0-1 scale (FSRS difficulty 1-10 mapped to 0-1)."""
    retrievability: float | None
    reviews: int
    lapses: int
    suspended: bool
    buried: bool
    flag: int
    sort_field: str
    tags: tuple[str, ...]
    created: int | None
    modified: int


_SQL = """
SELECT c.id, n.id, n.uid, c.ord, d.name, c.state, c.due, c.last_review, c.stability,
       c.difficulty, c.reps, c.lapses, c.suspended, c.buried_until, c.flag, n.prompt_md,
       (SELECT group_concat(tag, char(31)) FROM note_tag WHERE note_id = n.id), c.created, n.mtime
FROM card c JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = n.deck_id
WHERE c.id IN ({ids})
"""


def card_rows(conn: Connection, ids: Sequence[int], clock: SearchClock) -> list[CardListRow]:
    """Rows for ``ids``, in the order given (ids that do not exist are left out)."""
    found: dict[int, CardListRow] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ", ".join(str(int(i)) for i in ids[start : start + _CHUNK])
        for row in conn.execute(text(_SQL.format(ids=chunk))):
            found[int(row[0])] = _row(row, clock)
    return [found[i] for i in ids if i in found]


def _row(row: Sequence[object], clock: SearchClock) -> CardListRow:
    (cid, nid, uid, ord_, deck, state, due, last, stability, difficulty, reps, lapses) = row[:12]
    suspended, buried_until, flag, sort_field, tags, created, mtime = row[12:]
    new = int(str(state)) == 0
    due_ms = None if new or due is None else int(str(due))
    last_ms = None if last is None else int(str(last))
    s = None if stability is None else float(str(stability))
    interval = 0
    if int(str(state)) == 2 and due_ms is not None and last_ms is not None:
        interval = _day(due_ms, clock) - _day(last_ms, clock)
    elif int(str(state)) == 3 and s is not None:
        interval = max(1, int(s * clock.interval_per_stability + 0.5))
    recall = None
    if not new and s is not None and s > 0 and last_ms is not None:
        elapsed = max(clock.now - last_ms, 0) / DAY
        recall = (1 + clock.factor * elapsed / s) ** clock.decay
    return CardListRow(
        id=int(str(cid)),
        note_id=int(str(nid)),
        note_guid=str(uid).removeprefix("guid:"),
        ord=int(str(ord_)),
        deck=str(deck),
        state=int(str(state)),
        due=due_ms,
        interval_days=interval,
        stability=s,
        difficulty=None if difficulty is None else (float(str(difficulty)) - 1) / 9,
        retrievability=recall,
        reviews=int(str(reps)),
        lapses=int(str(lapses)),
        suspended=bool(suspended),
        buried=buried_until is not None and int(str(buried_until)) > clock.now,
        flag=int(str(flag)),
        sort_field=str(sort_field),
        tags=tuple(str(tags).split("\x1f")) if tags else (),
        created=None if created is None else int(str(created)),
        modified=int(str(mtime)),
    )


def _day(ms: int, clock: SearchClock) -> int:
    return (ms - clock.day_start) // DAY
