"""Review histories an import brings, written in chunks as they are read.

Each row's id is derived from its source (note guid, card number, source id), so a
second import of the same package adds nothing twice. A big history going into a smaller
log is written with the log's indexes dropped and rebuilt afterwards (in the same
transaction): building an index once is far cheaper than a million random updates.
"""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from collections.abc import Iterable, Iterator

from sqlalchemy import Connection

from app.core.models import CardState
from app.interop.foreign import ForeignReview, ReviewTuple, StoredReviews, review_rows
from app.storage.engine import raw_connection

LOG_NAMESPACE = uuid.UUID("6f0c2b2e-8a56-4c2e-9d5e-2b1f4f3c9a10")
CHUNK = 20_000
BULK = 50_000
"""Histories at least this long (and longer than the log) rebuild the indexes."""
_INDEXES = (
    "CREATE UNIQUE INDEX ix_review_log_id ON review_log (id)",
    "CREATE INDEX ix_review_log_card_id ON review_log (card_id)",
    "CREATE INDEX ix_review_log_answered ON review_log (reviewed_at, card_id)",
)
_INSERT = (
    "INSERT {} INTO review_log (id, card_id, rating, reviewed_at, duration_ms, state_before, "
    "reps_before, lapses_before, state_after, kind, anki_ivl, anki_last_ivl, anki_factor) "
    "VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)"
)
_AFTER = {0: None, 1: int(CardState.RELEARNING)}
_REVIEW = int(CardState.REVIEW)


def note_uid(guid: str) -> str:
    return f"guid:{guid}"


def log_id(guid: str, ord_: int, source_id: str) -> bytes:
    """``uuid5(LOG_NAMESPACE, "guid/ord/source_id").bytes``, without the UUID object."""
    digest = bytearray(hashlib.sha1(_PREFIX + f"{guid}/{ord_}/{source_id}".encode()).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return bytes(digest[:16])


_PREFIX = LOG_NAMESPACE.bytes


def insert_reviews(
    conn: Connection,
    reviews: Iterable[ForeignReview] | StoredReviews,
    new_cards: dict[tuple[str, int], int],
) -> int:
    """Write the reviews of known cards (new ones by ``new_cards``, others looked up);
    returns how many rows were added."""
    raw = raw_connection(conn)
    rows = review_rows(reviews)
    bulk = (
        isinstance(reviews, StoredReviews)
        and len(reviews) >= BULK
        and len(reviews)
        > int(raw.execute("SELECT COALESCE(MAX(seq), 0) FROM review_log").fetchone()[0])
    )
    added = 0
    if bulk:
        # a package's reviews of its new cards cannot be in the log yet (their cards are
        # new) nor twice in the package (Anki keys its log by time per card): plain
        # inserts; reviews of cards the collection had wait for the unique index
        for name in ("ix_review_log_id", "ix_review_log_card_id", "ix_review_log_answered"):
            raw.execute(f"DROP INDEX IF EXISTS {name}")
        later: list[ReviewTuple] = []
        added += _write(raw, "", _split(rows, new_cards, later), new_cards)
        for statement in _INDEXES:
            raw.execute(statement)
        rows = iter(later)
    added += _write(raw, "OR IGNORE", rows, _Lookup(raw, new_cards))
    return added


def _split(
    rows: Iterator[ReviewTuple], new_cards: dict[tuple[str, int], int], later: list[ReviewTuple]
) -> Iterator[ReviewTuple]:
    for row in rows:
        if (row[0], row[1]) in new_cards:
            yield row
        else:
            later.append(row)


class _Lookup(dict[tuple[str, int], int]):
    """Card ids by (guid, ord): the new cards, then the collection's, read per note."""

    def __init__(self, raw: sqlite3.Connection, known: dict[tuple[str, int], int]) -> None:
        super().__init__(known)
        self.raw = raw
        self.asked: set[str] = set()

    def __missing__(self, key: tuple[str, int]) -> int:
        guid = key[0]
        if guid not in self.asked:
            self.asked.add(guid)
            for ord_, cid in self.raw.execute(
                "SELECT c.ord, c.id FROM note n JOIN card c ON c.note_id = n.id WHERE n.uid = ?",
                (note_uid(guid),),
            ):
                self[(guid, int(ord_))] = int(cid)
            if key in self:
                return self[key]
        raise KeyError(key)


def _write(
    raw: sqlite3.Connection,
    mode: str,
    rows: Iterator[ReviewTuple],
    cards: dict[tuple[str, int], int],
) -> int:
    sql = _INSERT.format(mode)
    added = 0
    chunk: list[tuple[object, ...]] = []
    for guid, ord_, at, rating, duration, before, source, kind, ivl, last, factor in rows:
        try:
            card = cards[(guid, ord_)]
        except KeyError:  # a card the import did not bring and the collection lacks
            continue
        after = _AFTER.get(rating, _REVIEW)
        chunk.append(
            (
                log_id(guid, ord_, source),
                card,
                rating,
                at,
                duration,
                before,
                before if after is None else after,
                kind,
                ivl,
                last,
                factor,
            )
        )
        if len(chunk) == CHUNK:
            added += raw.executemany(sql, chunk).rowcount
            chunk = []
    if chunk:
        added += raw.executemany(sql, chunk).rowcount
    return added
