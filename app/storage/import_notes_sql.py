"""An Anki package's notes, tags and cards copied by SQL from its database.

For a package :func:`app.interop.anki_note_copy.note_copy` accepted, going into a
collection that has none of its notes: the package is attached read-only and each table is
filled by one ``INSERT ... SELECT``. The rows are those the row-by-row writer
(``foreign_import.apply_batch``) makes, value for value: the fields' JSON is built by
SQLite where its ``json_quote`` writes what Python's encoder writes (checked once per
connection), by Python otherwise; the text of the first field, the tags, the memory state
and the content hash go through small Python functions called by SQLite.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from app.core.models import CardState, ImportSummary, NoteKind
from app.interop.anki_collection import _float, _memory
from app.interop.anki_note_copy import MAX_SECONDS, NoteCopy, first_cards, shaped_cards
from app.interop.foreign import ForeignBatch
from app.sqlite import sqlite3
from app.storage.deck_sync import NEW_ORDER_DECK, NEW_ORDER_NOTE
from app.storage.engine import raw_connection
from app.storage.import_reviews import _SOURCE, _attach

NotetypeInfo = tuple[int, list[str], list[tuple[str, str]], bool]
_S = _SOURCE
_TEMP = (
    "import_sql_deck",
    "import_sql_type",
    "import_sql_first",
    "import_sql_note",
    "import_sql_last",
)
_BACKSLASHES = "'" + "\\" * 2 + "'"
_FIELDS = (
    f"'[' || replace(replace(replace(json_quote(p.flds), {_BACKSLASHES}, char(1)), "
    "'\\u001f', '\", \"'), "
    f"char(1), {_BACKSLASHES}) || substr(:pad, 1, 4 * MAX(0, t.fields - 1 - "
    "(length(CAST(p.flds AS BLOB)) - length(CAST(replace(p.flds, char(31), '') AS BLOB))))) "
    "|| ']'"
)
"""The fields as the JSON list Python's encoder writes: the note's ``\\x1f``-separated
text quoted at once, each separator made ``", "``, padded to the note type's fields with
``""``. A ``\\\\`` (an escaped backslash) is set aside first, so a backslash before the
separator cannot be taken for part of it."""
_MEDIA = "(p.flds LIKE '%src%' OR p.flds LIKE '%[sound:%')"
"""Fields the media rewrite may change (a superset: those go through Python)."""
_NOTES = (
    "INSERT INTO temp.import_sql_note SELECT p.id, ROW_NUMBER() OVER (ORDER BY p.id) - 1, "
    "f.deck_id, f.pos, t.nt, 'guid:' || p.guid, cirrus_import_prompt(p.flds), "
    "CASE WHEN typeof(p.mod) = 'integer' AND p.mod > 0 AND p.mod <= {max_s} THEN p.mod * 1000 "
    "ELSE :now END, {fields}, cirrus_import_tags(p.tags) FROM {s}.notes p "
    "JOIN temp.import_sql_type t ON t.mid = p.mid JOIN temp.import_sql_first f ON f.nid = p.id"
)
_NOTE_ROWS = (
    "INSERT INTO main.note (id, uid, deck_id, kind, prompt_md, origin, position, content_hash, "
    "mtime, notetype_id, fields, front_md, answer_md, retired, created) SELECT :first + rn, uid, "
    f"deck_id, {int(NoteKind.TEMPLATE)}, prompt, :origin, rn, "
    "cirrus_import_hash(nt, fj, tj, deck_id), mtime, nt, fj, '', '', 0, :now "
    "FROM temp.import_sql_note"
)
_TAG_ROWS = (
    "INSERT INTO main.note_tag (note_id, tag) SELECT :first + n.rn, j.value "
    "FROM temp.import_sql_note n, json_each(n.tj) j"
)
_LAST = (
    "CREATE TEMP TABLE import_sql_last (cid INTEGER PRIMARY KEY, at INTEGER); "
    "INSERT OR REPLACE INTO temp.import_sql_last SELECT CAST(cid AS INTEGER), "
    "CAST(MAX(id) AS INTEGER) FROM {s}.revlog GROUP BY cid"
)
"""Each card's latest review (its id: the time), as the reader's ``last_review_ids``."""
_CARD_ROWS = (
    "INSERT INTO main.card (id, note_id, ord, state, step, stability, difficulty, due, "
    "last_review, reps, lapses, suspended, buried_until, flag, created) "
    "SELECT :card + ROW_NUMBER() OVER (ORDER BY n.rn, k.ord) - 1, :first + n.rn, k.ord, k.state, "
    f"CASE WHEN k.state IN ({int(CardState.LEARNING)}, {int(CardState.RELEARNING)}) THEN 0 END, "
    "CASE WHEN k.state != 0 THEN cirrus_import_memory(k.data, 's') END, "
    "CASE WHEN k.state != 0 THEN cirrus_import_memory(k.data, 'd') END, "
    f"CASE WHEN k.state = 0 THEN n.pos * {NEW_ORDER_DECK} + MIN({{rank}}, "
    f"{NEW_ORDER_DECK // NEW_ORDER_NOTE - 1}) * {NEW_ORDER_NOTE} + k.ord "
    f"WHEN k.state = {int(CardState.REVIEW)} OR k.queue = 3 "
    "THEN (:crt + k.due * 86400) * 1000 ELSE k.due * 1000 END, "
    "CASE WHEN k.state != 0 THEN COALESCE(cirrus_import_memory(k.data, 'lrt'), {last}) END, "
    "k.reps, k.lapses, k.queue = -1, CASE WHEN k.queue IN (-2, -3) THEN :bury END, k.flags & 7, "
    "k.cid FROM ({cards}) k JOIN temp.import_sql_note n ON n.nid = k.nid"
)
_RANK = "DENSE_RANK() OVER (PARTITION BY k.state = 0 ORDER BY k.due) - 1"
"""A new card's place among the distinct new-card positions (``position_ranks``)."""
_POSITIONS = (
    "SELECT MIN(k.due), MAX(k.due), COUNT(DISTINCT k.due) FROM ({cards}) k "
    "JOIN temp.import_sql_note n ON n.nid = k.nid WHERE k.state = 0"
)
_PROBE = "".join(chr(c) for c in range(0x20)) + '"\\/\x7f\u2028\xe9\U0001f600 a'
_dumps = json.JSONEncoder().encode
_dumps_text = json.JSONEncoder(ensure_ascii=False).encode


def copy_notes(
    conn: Connection,
    batch: ForeignBatch,
    copy: NoteCopy,
    notetypes: dict[str, NotetypeInfo],
    decks: dict[str, tuple[int, int]],
    media_names: dict[str, str],
    now_ms: int,
    bury_until_ms: int,
    summary: ImportSummary,
) -> bool:
    """Copy the notes, their tags and cards; False (nothing written) when they must be
    written one by one: the collection has some of them, or the package cannot be attached."""
    raw = raw_connection(conn)
    try:
        _attach(conn, raw, copy.path)
    except sqlite3.Error:
        return False
    trusted = int(raw.execute("PRAGMA trusted_schema").fetchone()[0])
    raw.execute("PRAGMA trusted_schema = OFF")  # the package's schema calls no function
    try:
        if (
            not raw.execute("SELECT NOT EXISTS (SELECT 1 FROM main.note)").fetchone()[0]
            and (
                raw.execute(
                    f"SELECT EXISTS (SELECT 1 FROM {_S}.notes p JOIN main.note n "
                    "ON n.uid = 'guid:' || p.guid)"
                ).fetchone()[0]
            )
        ):
            return False
        _functions(raw, media_names)
        _fill_temp(raw, copy, notetypes, decks)
        first = _next_id(raw, "note")
        first_card = _next_id(raw, "card")
        widest = max((len(info[1]) for info in notetypes.values()), default=0)
        fields = _FIELDS
        if media_names:
            fields = (
                f"CASE WHEN {_MEDIA} THEN cirrus_import_fields(p.flds, t.fields) ELSE {fields} END"
            )
        if not _quotes_as_python(raw):
            fields = "cirrus_import_fields(p.flds, t.fields)"
        raw.execute(
            _NOTES.format(max_s=MAX_SECONDS, fields=fields, s=_S),
            {"now": now_ms, "pad": ', ""' * widest},
        )
        # the note's time of adding is written with it (set later, every row would grow
        # and split its page)
        added = raw.execute(
            _NOTE_ROWS, {"first": first, "origin": batch.format, "now": now_ms}
        ).rowcount
        raw.execute(_TAG_ROWS, {"first": first})
        reviewed = raw.execute(f"SELECT EXISTS (SELECT 1 FROM {_S}.revlog)").fetchone()[0]
        if reviewed:
            for statement in _LAST.format(s=_S).split("; "):
                raw.execute(statement)
        last = "(SELECT at FROM temp.import_sql_last l WHERE l.cid = k.cid)" if reviewed else "NULL"
        low, high, distinct = raw.execute(_POSITIONS.format(cards=shaped_cards(_S))).fetchone()
        # positions without a gap (as Anki numbers them): a card's rank is its offset
        rank = f"k.due - {int(low)}" if distinct and high - low + 1 == distinct else _RANK
        cards = raw.execute(
            _CARD_ROWS.format(last=last, cards=shaped_cards(_S), rank=rank),
            {"card": first_card, "first": first, "crt": copy.crt, "bury": bury_until_ms},
        ).rowcount
        _memory_from_history(raw, batch, first_card)
    finally:
        raw.execute(f"PRAGMA trusted_schema = {trusted}")
        for table in _TEMP:
            raw.execute(f"DROP TABLE IF EXISTS temp.{table}")
    summary.added += added
    summary.notes += added
    summary.cards += cards
    return True


def _next_id(raw: sqlite3.Connection, table: str) -> int:
    return int(raw.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])


def _fill_temp(
    raw: sqlite3.Connection,
    copy: NoteCopy,
    notetypes: dict[str, NotetypeInfo],
    decks: dict[str, tuple[int, int]],
) -> None:
    for table in _TEMP:
        raw.execute(f"DROP TABLE IF EXISTS temp.{table}")
    raw.execute("CREATE TEMP TABLE import_sql_deck (did INTEGER PRIMARY KEY, deck_id, pos)")
    raw.executemany(
        "INSERT INTO temp.import_sql_deck VALUES (?, ?, ?)",
        [(did, *decks[name]) for did, name in copy.deck_names.items() if name in decks],
    )
    raw.execute("CREATE TEMP TABLE import_sql_type (mid INTEGER PRIMARY KEY, nt, fields)")
    raw.executemany(
        "INSERT INTO temp.import_sql_type VALUES (?, ?, ?)",
        [
            (mid, notetypes[key][0], len(notetypes[key][1]))
            for mid, key in copy.notetype_keys.items()
            if key in notetypes
        ],
    )
    default = decks.get("Default", (None, None))
    raw.execute("CREATE TEMP TABLE import_sql_first (nid INTEGER PRIMARY KEY, deck_id, pos)")
    raw.execute(
        "INSERT INTO temp.import_sql_first SELECT f.nid, COALESCE(d.deck_id, ?), "
        f"COALESCE(d.pos, ?) FROM ({first_cards(_S)}) f "
        "LEFT JOIN temp.import_sql_deck d ON d.did = f.home",
        default,
    )
    raw.execute(
        "CREATE TEMP TABLE import_sql_note (nid INTEGER PRIMARY KEY, rn, deck_id, pos, nt, uid, "
        "prompt, mtime, fj, tj)"
    )


def _quotes_as_python(raw: sqlite3.Connection) -> bool:
    """Whether this SQLite's ``json_quote`` escapes text as Python's encoder does."""
    (quoted,) = raw.execute("SELECT json_quote(?)", (_PROBE,)).fetchone()
    return bool(quoted == _dumps_text(_PROBE))


def _functions(raw: sqlite3.Connection, media: dict[str, str]) -> None:
    from app.storage.foreign_import import _plain, _rewrite_media, convert_tag

    tags_seen: dict[str, str] = {}

    def tags(value: str) -> str:
        out = tags_seen.get(value)
        if out is None:
            out = tags_seen[value] = _dumps_text(sorted({convert_tag(t) for t in value.split()}))
        return out

    def prompt(flds: str) -> str:
        first = flds.split("\x1f", 1)[0]
        return _plain(_rewrite_media(first, media) if media else first)

    def fields(flds: str, count: int) -> str:
        values = [_rewrite_media(v, media) for v in flds.split("\x1f")]
        return _dumps_text(values + [""] * (count - len(values)))

    def digest(notetype: int, fields_json: str, tags_json: str, deck: int) -> str:
        value = f"[{notetype}, {fields_json}, {tags_json}, {deck}]"
        if not value.isascii():
            value = _dumps(json.loads(value))
        return hashlib.sha1(value.encode()).hexdigest()

    raw.create_function("cirrus_import_tags", 1, tags, deterministic=True)
    raw.create_function("cirrus_import_prompt", 1, prompt, deterministic=True)
    raw.create_function("cirrus_import_fields", 2, fields, deterministic=True)
    raw.create_function("cirrus_import_hash", 4, digest, deterministic=True)
    raw.create_function("cirrus_import_memory", 2, _memory_value(), deterministic=True)


def _memory_value() -> Callable[[Any, str], float | int | None]:
    """``f(data, key)``: a card's FSRS stability (``s``), difficulty (``d``) or last review
    (``lrt``, in ms) from its ``data``, as the reader takes them (one parse per card)."""
    last: list[Any] = [object(), {}]

    def value(data: Any, key: str) -> float | int | None:
        if type(data) is not type(last[0]) or data != last[0]:
            last[0], last[1] = data, _memory(data)
        memory: dict[str, Any] = last[1]
        if key == "lrt":
            at = memory.get("lrt")
            return int(at) * 1000 if isinstance(at, int) and 0 <= at <= MAX_SECONDS else None
        return _float(memory.get(key))

    return value


def _memory_from_history(raw: sqlite3.Connection, batch: ForeignBatch, first_card: int) -> None:
    """Scheduled cards the package gives no memory state: replayed from their history (or,
    without one, taken from their interval), as the row-by-row writer does."""
    rows = raw.execute(
        "SELECT c.id, substr(n.uid, 6), c.ord, c.due, c.last_review FROM main.card c "
        "JOIN main.note n ON n.id = c.note_id WHERE c.id >= ? AND c.state != 0 AND "
        "(c.stability IS NULL OR c.difficulty IS NULL)",
        (first_card,),
    ).fetchall()
    if not rows:
        return
    from app.storage.import_schedule import Replay  # (the scheduler: only when needed)

    replay = Replay(batch.reviews, {(guid, ord_) for _, guid, ord_, _, _ in rows})
    updates = []
    for card_id, guid, ord_, due, last_review in rows:
        memory = replay.memory(guid, ord_)
        if memory is not None:
            updates.append((memory.stability, memory.difficulty, card_id))
        else:
            interval = ((due or 0) - (last_review or 0)) / 86_400_000
            updates.append((max(interval, 0.5), 5.0, card_id))
    raw.executemany("UPDATE main.card SET stability = ?, difficulty = ? WHERE id = ?", updates)
