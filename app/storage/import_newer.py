"""A merged package never leaves an older schedule beside its newer review log.

When a card is already in the collection and the package's copy was reviewed later than
ours (say, a newer backup of the same collection), the card takes the package's schedule:
state, due date, memory, counts, suspension, burying and flag. A card we reviewed later
keeps ours; either way the review log holds the answers of both.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from app.interop.foreign import ForeignBatch, ForeignCard
from app.storage.foreign_import import _card_row, note_uid
from app.storage.import_schedule import Replay

_UPDATE = (
    "UPDATE card SET state = :s, step = :st, stability = :sa, difficulty = :di, due = :due, "
    "last_review = :lr, reps = :r, lapses = :l, suspended = :su, buried_until = :b, flag = :f "
    "WHERE id = :i"
)


def take_newer_schedules(conn: Connection, batch: ForeignBatch, bury_until_ms: int) -> list[int]:
    """Give cards reviewed later in the package its schedule; returns the cards changed."""
    reviewed: dict[tuple[str, int], ForeignCard] = {
        (note.guid, card.ord): card
        for note in batch.notes
        for card in note.cards
        if card.last_review_ms is not None
    }
    if not reviewed:
        return []
    ours: dict[tuple[str, int], tuple[int, int | None]] = {}
    guids = sorted({guid for guid, _ in reviewed})
    for start in range(0, len(guids), 500):
        chunk = {f"u{i}": note_uid(g) for i, g in enumerate(guids[start : start + 500])}
        marks = ", ".join(f":{k}" for k in chunk)
        for uid, ord_, card_id, last in conn.execute(
            text(
                "SELECT n.uid, c.ord, c.id, c.last_review FROM card c JOIN note n "
                f"ON n.id = c.note_id WHERE n.uid IN ({marks})"
            ),
            chunk,
        ):
            ours[(str(uid).removeprefix("guid:"), int(ord_))] = (int(card_id), last)
    # Anki keeps the last review time in seconds; its review log has the milliseconds
    latest = {key: card.last_review_ms or 0 for key, card in reviewed.items()}
    for review in batch.reviews:
        key = (review.guid, review.ord)
        if key in latest:
            latest[key] = max(latest[key], review.reviewed_at_ms)
    replay = Replay(batch.reviews)
    rows = []
    for key, card in reviewed.items():
        found = ours.get(key)
        if found is None or (found[1] is not None and found[1] >= latest[key]):
            continue
        rows.append(_card_row(found[0], 0, card, 0, {}, replay, key[0], bury_until_ms))
    if rows:
        conn.execute(text(_UPDATE), rows)
    return [int(r["i"]) for r in rows]
