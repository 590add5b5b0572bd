"""An Anki package's review history, read from its database when it is written.

A package can hold millions of reviews: holding each as an object until the import is
written would take gigabytes. The reader checks every row in SQL first (a bad value gets
the same clear error as before); the rows themselves are read again, in order, when the
importer asks for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from app.core.models import ANKI_REVLOG_KIND, CardState, ReviewKind
from app.interop.anki_rows import number
from app.interop.foreign import ReviewTuple, StoredReviews
from app.sqlite import sqlite3

MAX_DURATION_MS = 86_400_000
REVLOG_STATE = {
    0: CardState.LEARNING,
    1: CardState.REVIEW,
    2: CardState.RELEARNING,
    3: CardState.REVIEW,
}
_MANUAL = tuple(
    k for k, v in ANKI_REVLOG_KIND.items() if v in (ReviewKind.MANUAL, ReviewKind.RESCHEDULED)
)
_KIND = {k: int(ANKI_REVLOG_KIND.get(k, ReviewKind.SCHEDULED)) for k in range(6)}
_INT = "typeof({c}) = 'integer' AND {c} BETWEEN {lo} AND {hi}"
_CHECKED = " AND ".join(
    _INT.format(c=c, lo=lo, hi=hi)
    for c, lo, hi in (
        ("id", 0, 2**37 * 1000),
        ("cid", -(2**53), 2**53),
        ("ease", -(2**31), 2**31),
        ("time", -(2**53), 2**53),
        ("type", -(2**31), 2**31),
    )
)
_KEPT = (
    "r.type BETWEEN 0 AND 5 AND (r.ease BETWEEN 1 AND 4 OR (r.ease = 0 AND r.type IN ({m})))"
).format(m=", ".join(map(str, _MANUAL)))
_FROM = "FROM @S@.revlog r JOIN @S@.cards c ON c.id = r.cid WHERE " + _KEPT
_SAFE = "BETWEEN -9007199254740991 AND 9007199254740991"
_OPTIONAL = (
    "CASE WHEN typeof({c}) = 'integer' AND {c} " + _SAFE + " THEN {c} "
    "WHEN typeof({c}) = 'real' AND {c} = CAST({c} AS INTEGER) AND {c} " + _SAFE + " "
    "THEN CAST({c} AS INTEGER) END"
)
_TYPE = "CAST(r.type AS INTEGER)"
_BEFORE = (
    f"CASE WHEN {_TYPE} = 0 AND NOT EXISTS (SELECT 1 FROM @S@.revlog p WHERE p.cid = r.cid "
    f"AND p.id < r.id AND p.type NOT IN ({', '.join(map(str, _MANUAL))}) AND "
    + _KEPT.replace("r.", "p.")
    + f") THEN {int(CardState.NEW)} ELSE CASE {_TYPE} "
    + " ".join(f"WHEN {k} THEN {int(v)}" for k, v in REVLOG_STATE.items())
    + f" ELSE {int(CardState.REVIEW)} END END"
)
_ROWS = (
    "SELECT c.nid AS nid, CAST(c.ord AS INTEGER) AS ord, CAST(r.id AS INTEGER) AS at, "
    "CAST(r.ease AS INTEGER) AS rating, "
    f"MIN(MAX(0, CAST(r.time AS INTEGER)), {MAX_DURATION_MS}) AS duration, {_BEFORE} AS before, "
    f"CAST(CAST(r.id AS INTEGER) AS TEXT) AS source, CASE {_TYPE} "
    + " ".join(f"WHEN {k} THEN {v}" for k, v in _KIND.items())
    + f" END AS kind, {_OPTIONAL.format(c='r.ivl')} AS ivl, "
    f"{_OPTIONAL.format(c='r.lastIvl')} AS last_ivl, {_OPTIONAL.format(c='r.factor')} AS factor "
    f"{_FROM} ORDER BY r.id"
)
_COUNT = f"SELECT COUNT(*) {_FROM}".replace("@S@", "main")
_COUNT_NOTES = f"SELECT c.nid, COUNT(*) {_FROM} AND c.nid IN ({{ids}}) GROUP BY c.nid".replace(
    "@S@", "main"
)


def shaped_reviews(schema: str = "main", cards: str = "", extra: str = "") -> str:
    """SQL giving each kept review of the package's database ``schema`` as a
    :data:`ReviewTuple`'s values, with the note id in place of the guid (columns ``nid,
    ord, at, rating, duration, before, source, kind, ivl, last_ivl, factor``).

    ``cards`` names a table to take each review's card from in place of the package's
    (columns ``id``, ``nid`` and ``ord`` as there, and those ``extra`` selects through
    ``c``, written before the others): a review whose card it lacks is left out."""
    sql = _ROWS.replace("@S@", schema)
    if cards:
        sql = sql.replace(f"JOIN {schema}.cards c ON", f"JOIN {cards} c ON", 1)
    if extra:
        sql = sql.replace("SELECT c.nid AS nid", f"SELECT {extra}, c.nid AS nid", 1)
    return sql


def check_revlog(db: sqlite3.Connection) -> None:
    """Raise the clear error for the first review row a number is wrong in."""
    for rid, cid, ease, duration, kind in db.execute(
        f"SELECT id, cid, ease, time, type FROM revlog WHERE NOT ({_CHECKED}) ORDER BY id"
    ):
        rid = number(rid, "a review's id (its time)", 0, 2**37 * 1000)
        number(ease, f"review {rid}: its answer", -(2**31), 2**31)
        number(duration, f"review {rid}: its duration", -(2**53), 2**53)
        number(kind, f"review {rid}: its kind", -(2**31), 2**31)
        number(cid, f"review {rid}: its card id")


def last_review_ids(db: sqlite3.Connection) -> dict[int, int]:
    """Each card's latest review id (its time, ms)."""
    return {
        int(cid): int(rid)
        for cid, rid in db.execute("SELECT CAST(cid AS INTEGER), MAX(id) FROM revlog GROUP BY cid")
    }


class AnkiReviews(StoredReviews):
    """The reviews of the notes a batch imports, read from the package when asked."""

    def __init__(
        self, db: sqlite3.Connection, path: Path, guids: dict[int, str], skipped: list[int]
    ) -> None:
        self.path = path
        self.guids = guids
        self.skipped = skipped
        self.at_most = int(db.execute("SELECT COUNT(*) FROM revlog").fetchone()[0])
        """Rows in the package's log (the reviews kept are at most these)."""
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            from app.interop.anki_collection import open_readonly

            db = open_readonly(self.path)
            try:
                count = int(db.execute(_COUNT).fetchone()[0])
                if self.skipped:  # notes left out (an unknown note type): their reviews too
                    ids = ", ".join(str(int(n)) for n in self.skipped)
                    count -= sum(int(n) for _, n in db.execute(_COUNT_NOTES.format(ids=ids)))
            finally:
                db.close()
            self._count = count
        return self._count

    def rows(self) -> Iterator[ReviewTuple]:
        from app.interop.anki_collection import open_readonly

        db = open_readonly(self.path)
        try:
            yield from review_tuples(db, self.guids)
        finally:
            db.close()


def review_tuples(db: sqlite3.Connection, guids: dict[int, str]) -> Iterator[ReviewTuple]:
    """The kept reviews of the notes in ``guids`` (note id -> guid), card by card in time
    order; the first answer of a card that was new says so."""
    get = guids.get
    for row in db.execute(shaped_reviews()):
        guid = get(row[0])
        if guid is not None:
            yield (guid, *row[1:])
