"""Review histories an import brings.

Each row's id is derived from its source (note guid, card number, source id), so a
second import of the same package adds nothing twice. An Anki package's history is
copied straight from its database (attached read-only) by two statements, with no Python
work per review; a long history going into a shorter log is written without the log's
indexes, which are built once afterwards (in the same transaction): far cheaper than a
million random index updates. Other histories are written in chunks.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, event

from app.core.models import CardState
from app.interop.anki_reviews import AnkiReviews, shaped_reviews
from app.interop.foreign import ForeignReview, ReviewTuple, StoredReviews, review_rows
from app.sqlite import sqlite3
from app.storage import bulk_indexes
from app.storage.engine import raw_connection

LOG_NAMESPACE = uuid.UUID("6f0c2b2e-8a56-4c2e-9d5e-2b1f4f3c9a10")
CHUNK = 20_000
BULK = 50_000
"""Histories at least this long (and longer than the log) rebuild the indexes."""
_INSERT = (
    "INSERT OR IGNORE INTO review_log (id, card_id, rating, reviewed_at, duration_ms, "
    "state_before, reps_before, lapses_before, state_after, kind, anki_ivl, anki_last_ivl, "
    "anki_factor) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)"
)
_UNIQUE_ID = "ix_review_log_id"
"""The log's unique index on the derived id: built first after a bulk copy, as the check."""
_CARD_INDEX = "ix_review_log_card_id"
"""The log's card index: filled row by row even in a bulk copy (every later answer lands
inside it, not at its end: built in one pass, each of its pages would be full, and the
answers after the import would split one page each, three or four page writes more)."""
_AFTER = {0: None, 1: int(CardState.RELEARNING)}
_REVIEW = int(CardState.REVIEW)
_PREFIX = LOG_NAMESPACE.bytes


def note_uid(guid: str) -> str:
    return f"guid:{guid}"


def log_id(guid: str, ord_: int, source_id: str) -> bytes:
    """``uuid5(LOG_NAMESPACE, "guid/ord/source_id").bytes``, without the UUID object (the
    hash starts from a copy of one that has read the namespace already)."""
    return _sql_log_id(f"{guid}/{ord_}/{source_id}".encode())


_SEEDED = hashlib.sha1(_PREFIX)
_VERSION = (0x5000 << 64) | (0x8000 << 48)
"""UUID version 5, RFC 4122 variant."""
_KEEP = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)


def insert_reviews(
    conn: Connection,
    reviews: Iterable[ForeignReview] | StoredReviews,
    new_cards: dict[tuple[str, int], int],
) -> int:
    """Write the reviews of known cards (new ones by ``new_cards``, others looked up);
    returns how many rows were added."""
    raw = raw_connection(conn)
    if isinstance(reviews, AnkiReviews):
        if not reviews.at_most:
            return 0
        try:
            _attach(conn, raw, reviews.path)
        except sqlite3.Error:
            pass  # the package cannot be attached: its rows are read through Python
        else:
            return _copy(raw, reviews)
    return _write(raw, review_rows(reviews), _Lookup(raw, new_cards))


# -- straight from the package's database ---------------------------------------------

_ATTACHED: dict[int, Path] = {}
"""``id()`` of connections with a package attached -> its file (sqlite3 connections take
no weak references)."""
_SOURCE = "cirrus_package"
_COPY = (
    "INSERT {mode} INTO main.review_log (id, card_id, rating, reviewed_at, duration_ms, "
    "state_before, reps_before, lapses_before, state_after, kind, anki_ivl, anki_last_ivl, "
    "anki_factor) SELECT cirrus_import_log_id(CAST(s.key || s.source AS BLOB)), s.card_id, "
    "s.rating, "
    "s.at, s.duration, s.before, 0, 0, CASE s.rating WHEN 0 THEN s.before WHEN 1 THEN "
    f"{int(CardState.RELEARNING)} ELSE {_REVIEW} END, s.kind, s.ivl, s.last_ivl, s.factor "
    "FROM ({rows}) s WHERE s.fresh = {fresh}"
)
_CARD_COLUMNS = "c.key AS key, c.card_id AS card_id, c.fresh AS fresh"
"""What the copy takes from ``temp.import_card`` beside each review."""
_COPY_CACHE_KIB = 65_536
"""The page cache of the package, and of the collection while the log is copied (with the
default 2 MiB, each review's card lookup reads from the file and the index builds sort
in small runs: a million reviews take seconds more)."""


def _attach(conn: Connection, raw: sqlite3.Connection, path: Path) -> None:
    """Attach the package (read-only) until the connection goes back to the pool: a
    database read in a transaction can only be detached after it."""
    if not event.contains(conn.engine, "checkin", _detach):
        event.listen(conn.engine, "checkin", _detach)
    if _ATTACHED.get(id(raw)) == path.resolve():  # already (the notes were copied from it)
        raw.create_function("cirrus_import_log_id", 1, _sql_log_id, deterministic=True)
        return
    if id(raw) in _ATTACHED:
        _ATTACHED.pop(id(raw))
        with suppress(sqlite3.Error):
            raw.execute(f"DETACH DATABASE {_SOURCE}")
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    raw.execute(f"ATTACH DATABASE ? AS {_SOURCE}", (uri,))
    _ATTACHED[id(raw)] = path.resolve()
    found = raw.execute(
        f"SELECT COUNT(*) FROM {_SOURCE}.sqlite_master WHERE name IN ('revlog', 'cards')"
    ).fetchone()[0]
    if found != 2:  # not the package (a SQLite that reads no URI opened another file)
        _ATTACHED[id(raw)] = Path()  # (detached when the connection goes back)
        raise sqlite3.OperationalError("the package's database did not attach")
    raw.execute(f"PRAGMA {_SOURCE}.cache_size = -{_COPY_CACHE_KIB}")
    raw.create_function("cirrus_import_log_id", 1, _sql_log_id, deterministic=True)


def _sql_log_id(name: bytes) -> bytes:
    """:func:`log_id` of ``b"guid/ord/source_id"`` (the card's part made once, in SQL)."""
    digest = _SEEDED.copy()
    digest.update(name)
    return ((int.from_bytes(digest.digest()[:16]) & _KEEP) | _VERSION).to_bytes(16)


def _detach(dbapi_connection: Any, _record: Any) -> None:
    if id(dbapi_connection) in _ATTACHED:
        _ATTACHED.pop(id(dbapi_connection))
        with suppress(sqlite3.Error):
            dbapi_connection.execute(f"DETACH DATABASE {_SOURCE}")


def _copy(raw: sqlite3.Connection, reviews: AnkiReviews) -> int:
    """The reviews of the batch's cards: one statement for cards without reviews in the
    log (theirs cannot be there yet: plain inserts), one for the others (whose reviews
    may be there already: ignored)."""
    raw.execute("DROP TABLE IF EXISTS temp.import_note")
    raw.execute("DROP TABLE IF EXISTS temp.import_card")
    raw.execute("CREATE TEMP TABLE import_note (nid INTEGER PRIMARY KEY, uid TEXT NOT NULL)")
    raw.executemany(
        "INSERT INTO temp.import_note (nid, uid) VALUES (?, ?)",
        ((nid, note_uid(guid)) for nid, guid in reviews.guids.items()),
    )
    # each package card (by its id, as the log names it) with the card it became here
    raw.execute(
        "CREATE TEMP TABLE import_card (id INTEGER PRIMARY KEY, nid INTEGER, ord INTEGER, "
        "key TEXT, card_id INTEGER, fresh INTEGER)"
    )
    raw.execute(
        "INSERT OR IGNORE INTO temp.import_card SELECT p.id, g.nid, c.ord, "
        "substr(g.uid, 6) || '/' || c.ord || '/', c.id, "
        "NOT EXISTS (SELECT 1 FROM main.review_log r WHERE r.card_id = c.id) "
        f"FROM temp.import_note g JOIN {_SOURCE}.cards p ON p.nid = g.nid "
        "JOIN main.note n ON n.uid = g.uid "
        "JOIN main.card c ON c.note_id = n.id AND c.ord = CAST(p.ord AS INTEGER) "
        "WHERE typeof(p.id) = 'integer'"
    )
    rows = shaped_reviews(_SOURCE, "temp.import_card", _CARD_COLUMNS)
    # the package's schema calls no function while it is read (as when the reader opened it)
    trusted = int(raw.execute("PRAGMA trusted_schema").fetchone()[0])
    raw.execute("PRAGMA trusted_schema = OFF")
    cache = int(raw.execute("PRAGMA main.cache_size").fetchone()[0])
    raw.execute(f"PRAGMA main.cache_size = -{_COPY_CACHE_KIB}")  # the log and its sorts
    last = int(raw.execute("SELECT COALESCE(MAX(seq), 0) FROM review_log").fetchone()[0])
    bulk = reviews.at_most >= BULK and reviews.at_most > 2 * last
    try:
        with bulk_indexes.rebuilt(raw, ["review_log"], bulk, kept=[_CARD_INDEX]) as build:
            try:
                added = int(raw.execute(_COPY.format(mode="", rows=rows, fresh=1)).rowcount)
            except sqlite3.IntegrityError:  # a package listing one answer twice: once is kept
                added = int(
                    raw.execute(_COPY.format(mode="OR IGNORE", rows=rows, fresh=1)).rowcount
                )
            if bulk:  # without the unique index, an answer listed twice went in twice
                try:
                    build(_UNIQUE_ID)
                except sqlite3.IntegrityError:
                    added -= _drop_repeated_ids(raw, last)
                    build(_UNIQUE_ID)
        if raw.execute("SELECT EXISTS (SELECT 1 FROM temp.import_card WHERE fresh = 0)").fetchone()[
            0
        ]:
            added += int(raw.execute(_COPY.format(mode="OR IGNORE", rows=rows, fresh=0)).rowcount)
    finally:
        raw.execute(f"PRAGMA trusted_schema = {trusted}")
        raw.execute(f"PRAGMA main.cache_size = {cache}")
        raw.execute("DROP TABLE IF EXISTS temp.import_note")
        raw.execute("DROP TABLE IF EXISTS temp.import_card")
    return added


def _drop_repeated_ids(raw: sqlite3.Connection, last: int) -> int:
    """Rows copied after ``last`` whose id came earlier (written while the unique index was
    dropped); returns how many were removed."""
    return int(
        raw.execute(
            "DELETE FROM review_log WHERE seq > ? AND seq NOT IN "
            "(SELECT MIN(seq) FROM review_log WHERE seq > ? GROUP BY id)",
            (last, last),
        ).rowcount
    )


# -- through Python ---------------------------------------------------------------------


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
    raw: sqlite3.Connection, rows: Iterator[ReviewTuple], cards: dict[tuple[str, int], int]
) -> int:
    sql = _INSERT
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
