"""Whether an Anki package's notes and cards can be copied by SQL, and how they are shaped.

The row-by-row reader (``anki_collection``) checks every note and card and names the
first wrong value. The same checks are made here in SQL over whole tables; a package that
passes every one of them would read without an error, a warning or a skipped note, so its
notes need not be read one by one: the importer copies them with ``INSERT ... SELECT``
from the package's database (``app/storage/import_notes_sql.py``). A package that fails
any check is read the old way, which gives the message.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from app.interop.foreign import ForeignNotetype
from app.sqlite import sqlite3

T = TypeVar("T")
MAX_SECONDS = 2**37
"""Epoch seconds after the year 6000 are not a real time."""
MAX_DAYS = 1_500_000
_SAFE = 2**53

CARD_INTS = " AND ".join(
    f"typeof({c}) = 'integer' AND {c} BETWEEN {lo} AND {hi}"
    for c, lo, hi in (
        ("id", 0, MAX_SECONDS * 1000),
        ("nid", -_SAFE, _SAFE),
        ("did", -_SAFE, _SAFE),
        ("odid", -_SAFE, _SAFE),
        ("ord", 0, 10_000),
        ("type", -(2**31), 2**31),
        ("queue", -(2**31), 2**31),
        ("reps", 0, 2**31),
        ("lapses", 0, 2**31),
        ("flags", -(2**31), 2**31),
    )
)
"""The card columns the row-by-row reader checks one by one, checked in SQL at once."""
_DUE = "CASE WHEN {c}.odid != 0 AND {c}.odue != 0 THEN {c}.odue ELSE {c}.due END"
_STATE = "CASE WHEN {c}.type IN (1, 2, 3) THEN {c}.type ELSE 0 END"
_NOTES_OK = (
    f"typeof(id) = 'integer' AND id BETWEEN {-_SAFE} AND {_SAFE} AND typeof(guid) = 'text' "
    "AND typeof(tags) = 'text' AND typeof(flds) = 'text' AND typeof(mod) != 'text' AND "
    "typeof(mid) = 'integer' AND mid IN (SELECT mid FROM known) AND "
    "instr(CAST(tags AS BLOB), x'00') = 0"
)
_NOTES = (
    # every note: the values the reader reads, of the types it accepts, its note type known;
    # ids and guids unique
    f"SELECT COUNT(*), TOTAL(NOT ({_NOTES_OK})), COUNT(DISTINCT id), "
    "COUNT(DISTINCT guid COLLATE BINARY) FROM notes"
)
_CARDS = (
    f"SELECT NOT EXISTS (SELECT 1 FROM cards WHERE NOT ({CARD_INTS}) OR typeof(ivl) = 'text') "
    "AND NOT EXISTS (SELECT 1 FROM cards GROUP BY nid, ord HAVING COUNT(*) > 1)"
)
_KEPT_CARDS = (
    # every card of a note: a template its note type has, a due date in range for its state;
    # how many notes have cards (a note without one gets cards from its templates), the
    # cards' home decks, and how many sit in a filtered deck
    "SELECT TOTAL(NOT (typeof(c.due) = 'integer' AND typeof(c.odue) = 'integer' AND "
    f"(k.cloze OR c.ord < k.templates) AND CASE WHEN {_STATE.format(c='c')} = 0 THEN "
    f"{_DUE.format(c='c')} BETWEEN {-_SAFE} AND {_SAFE} WHEN c.type = 2 OR c.queue = 3 THEN "
    f"{_DUE.format(c='c')} BETWEEN {-MAX_DAYS} AND {MAX_DAYS} ELSE {_DUE.format(c='c')} "
    f"BETWEEN 0 AND {MAX_SECONDS} END)), COUNT(DISTINCT c.nid), "
    "group_concat(DISTINCT CASE WHEN c.odid != 0 THEN c.odid ELSE c.did END), "
    "TOTAL(c.odid != 0 AND c.odid != c.did AND c.did IN ({dids})) "
    "FROM cards c JOIN notes n ON n.id = c.nid JOIN known k ON k.mid = n.mid"
)
_UNDECODED = ("SELECT guid, tags, flds FROM notes", "SELECT data FROM cards")
"""Text Python decodes as it fetches it: text that is not UTF-8 raises."""
_HOME = "CASE WHEN odid != 0 THEN odid ELSE did END"


@dataclass(frozen=True)
class NoteCopy:
    """A package whose notes can be copied by SQL, and what the import needs to know of
    them without reading them."""

    path: Path
    crt: int
    notetype_keys: dict[int, str]
    """Anki note type id (``notes.mid``) -> the batch's note type key, for those in use."""
    deck_names: dict[int, str]
    count: int
    decks: frozenset[str]
    """The cards' home decks (a note goes into its first card's)."""
    filtered: bool
    """Whether a card sits in a filtered deck."""


def note_copy(
    db: sqlite3.Connection,
    path: Path,
    crt: int,
    notetypes: dict[str, ForeignNotetype],
    deck_names: dict[int, str],
) -> NoteCopy | None:
    """The package's notes as a :class:`NoteCopy`, or None when they must be read one by
    one (a check fails: the reader then gives its message, or a warning)."""
    keys = {int(k): k for k in notetypes if k.lstrip("-").isdigit() and str(int(k)) == k}
    keys = {mid: key for mid, key in keys.items() if -_SAFE <= mid <= _SAFE}
    if not keys:
        return None
    known = ", ".join(
        f"({mid}, {len(notetypes[key].templates)}, {int(notetypes[key].cloze)})"
        for mid, key in keys.items()
    )
    with_known = f"WITH known (mid, templates, cloze) AS (VALUES {known}) "
    dids = ", ".join(str(int(d)) for d in deck_names) or "NULL"
    try:
        # the checks read the file at once on three connections: SQLite runs each
        # outside Python's lock, so they share the processor's cores
        with ThreadPoolExecutor(2) as pool:
            cards_ok = pool.submit(
                _on_own_connection, path, lambda c: _cards_ok(c, with_known, dids)
            )
            decoded = pool.submit(_on_own_connection, path, _decodes)
            count = _notes_ok(db, with_known)
            bad, noted, homes, filtered = cards_ok.result()
            decoded.result()
        if count is None or bad is None or bad or noted != count:
            return None
        used = {int(mid) for (mid,) in db.execute("SELECT DISTINCT mid FROM notes")}
    except sqlite3.Error:  # a column missing, text that is not UTF-8: read row by row
        return None
    decks = frozenset(deck_names.get(int(h), "Default") for h in str(homes).split(","))
    return NoteCopy(
        path=path,
        crt=crt,
        notetype_keys={mid: key for mid, key in keys.items() if mid in used},
        deck_names=dict(deck_names),
        count=count,
        decks=decks,
        filtered=bool(filtered),
    )


def _on_own_connection(path: Path, check: Callable[[sqlite3.Connection], T]) -> T:
    from app.interop.anki_collection import open_readonly  # (it imports this module)

    db = open_readonly(path)
    try:
        return check(db)
    finally:
        db.close()


def _notes_ok(db: sqlite3.Connection, with_known: str) -> int | None:
    """The number of notes, when each one can be copied (None otherwise)."""
    count, bad, ids, guids = db.execute(with_known + _NOTES).fetchone()
    if not count or bad or ids != count or guids != count:
        return None
    return int(count)


def _cards_ok(db: sqlite3.Connection, with_known: str, dids: str) -> tuple[Any, ...]:
    """``(wrong cards, notes with cards, home decks, cards in a filtered deck)``; the first
    is None when a card cannot be copied."""
    if not db.execute(_CARDS).fetchone()[0]:
        return (None, 0, "", 0)
    return tuple(db.execute(with_known + _KEPT_CARDS.format(dids=dids)).fetchone())


def _decodes(db: sqlite3.Connection) -> None:
    """Raises when text Python reads is not UTF-8."""
    for sql in _UNDECODED:
        for _row in db.execute(sql):
            pass


def shaped_cards(schema: str) -> str:
    """SQL giving the package's cards (schema ``schema``) with their Cirrus state, the due
    value the reader takes (a filtered deck's card: its home deck's) and the columns the
    card row is made of."""
    return (
        f"SELECT c.id AS cid, c.nid AS nid, c.ord AS ord, {_STATE.format(c='c')} AS state, "
        f"c.queue AS queue, {_DUE.format(c='c')} AS due, c.reps AS reps, c.lapses AS lapses, "
        f"c.flags AS flags, c.data AS data FROM {schema}.cards c"
    )


def first_cards(schema: str) -> str:
    """SQL giving each note's first card's home deck (``nid, home``)."""
    return (
        f"SELECT nid, {_HOME} AS home FROM "
        f"(SELECT nid, MIN(ord), odid, did FROM {schema}.cards GROUP BY nid)"
    )
