"""What each import did, so that "Undo import" removes exactly what it added and puts
back what it updated.

Before the import, the notes and decks it may touch are copied aside and the highest row
ids are noted; afterwards the new rows are listed and the copies of rows that did change
are kept, all in ``import_run``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.interop.anki_collection import open_readonly
from app.interop.anki_note_copy import NoteCopy
from app.interop.foreign import ForeignBatch
from app.interop.reader import PreparedImport
from app.interop.stored_notes import unread
from app.storage import row_snapshot
from app.storage.import_reviews import note_uid
from app.storage.row_snapshot import Snapshot, ids_sql


@dataclass
class ImportMark:
    max_note: int
    max_card: int
    max_deck: int
    max_log: int
    before: Snapshot


def _max(conn: Connection, table: str, column: str = "id") -> int:
    return int(conn.execute(text(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")).scalar_one())


def _touched(conn: Connection, prepared: PreparedImport) -> tuple[list[int], list[int]]:
    """Ids of existing notes and decks the import may change."""
    notes: set[int] = set()
    decks: set[int] = set()
    has_notes = conn.execute(text("SELECT EXISTS (SELECT 1 FROM note)")).scalar_one()
    if prepared.batch is not None:
        uids = _uids(prepared.batch) if has_notes else []
        names = sorted(_note_decks(prepared.batch))
        for start in range(0, len(uids), 500):
            chunk = {f"u{i}": u for i, u in enumerate(uids[start : start + 500])}
            marks = ", ".join(f":{k}" for k in chunk)
            notes |= {
                int(r[0])
                for r in conn.execute(text(f"SELECT id FROM note WHERE uid IN ({marks})"), chunk)
            }
        for name in names:
            found = conn.execute(text("SELECT id FROM deck WHERE name = :n"), {"n": name}).first()
            if found is not None:
                decks.add(int(found[0]))
    for deck in prepared.decks:
        found = conn.execute(text("SELECT id FROM deck WHERE uid = :u"), {"u": deck.uid}).first()
        if found is not None:
            decks.add(int(found[0]))
            notes |= {
                int(r[0])
                for r in conn.execute(
                    text("SELECT id FROM note WHERE deck_id = :d"), {"d": found[0]}
                )
            }
    return sorted(notes), sorted(decks)


def _uids(batch: ForeignBatch) -> list[str]:
    stored = unread(batch)
    if stored is not None and isinstance(stored.source, NoteCopy):
        db = open_readonly(stored.source.path)  # the guids, without reading every note
        try:
            return [note_uid(guid) for (guid,) in db.execute("SELECT guid FROM notes")]
        finally:
            db.close()
    return [note_uid(n.guid) for n in batch.notes]


def _note_decks(batch: ForeignBatch) -> set[str]:
    """The decks the notes go into (notes not read yet: every deck of their cards, a
    superset: a deck that does not change is not kept)."""
    stored = unread(batch)
    if stored is not None and isinstance(stored.source, NoteCopy):
        return set(stored.source.decks)
    return {n.deck for n in batch.notes}


def before(conn: Connection, prepared: PreparedImport, more: Sequence[int] = ()) -> ImportMark:
    """``more``: ids of other notes the import will change (text rows matched by field)."""
    notes, decks = _touched(conn, prepared)
    notes = sorted(set(notes) | set(more))
    return ImportMark(
        max_note=_max(conn, "note"),
        max_card=_max(conn, "card"),
        max_deck=_max(conn, "deck"),
        max_log=_max(conn, "review_log", "rowid"),
        before=row_snapshot.take(conn, notes, decks),
    )


def _ids_above(conn: Connection, table: str, above: int, column: str = "id") -> list[Any]:
    rows = conn.execute(text(f"SELECT {column} FROM {table} WHERE rowid > :a"), {"a": above})
    return [r[0] for r in rows]


def _runs_above(conn: Connection, table: str, column: str, above: int) -> list[list[int]]:
    """The rows of ``table`` past ``above`` (by ``column``, its integer key) as
    ``[first, last]`` runs of that key: a few pairs where an import added thousands."""
    low, high, count = conn.execute(
        text(f"SELECT MIN({column}), MAX({column}), COUNT(*) FROM {table} WHERE {column} > :a"),
        {"a": above},
    ).one()
    if not count:
        return []
    if high - low + 1 == count:  # no gap (the usual case): one run, without a sort
        return [[int(low), int(high)]]
    rows = conn.execute(
        text(
            f"SELECT MIN({column}), MAX({column}) FROM (SELECT {column}, {column} - "
            f"ROW_NUMBER() OVER (ORDER BY {column}) AS run FROM {table} WHERE {column} > :a) "
            "GROUP BY run ORDER BY 1"
        ),
        {"a": above},
    )
    return [[int(first), int(last)] for first, last in rows]


def added_notes(detail: dict[str, Any]) -> list[int]:
    """The ids of the notes a run added: runs of ids (``note_runs``), or the list runs
    recorded before (``notes``)."""
    if "note_runs" in detail:
        return [i for first, last in detail["note_runs"] for i in range(first, last + 1)]
    return [int(n) for n in detail["notes"]]


def _added_count(detail: dict[str, Any]) -> int:
    if "note_runs" in detail:
        return sum(last - first + 1 for first, last in detail["note_runs"])
    return len(detail["notes"])


def after(conn: Connection, mark: ImportMark, now_ms: int, source: str, origin: str) -> int:
    """Record the run; returns its id."""
    conn.execute(
        text("UPDATE note SET created = :m WHERE id > :a AND created = 0"),
        {"m": now_ms, "a": mark.max_note},
    )
    changed_notes = _changed(conn, mark.before)
    deck_ids = [d["id"] for d in mark.before.tables["deck"]]
    now_decks = row_snapshot.take(conn, [], deck_ids).tables["deck"]
    changed_decks = [d for d in mark.before.tables["deck"] if d not in now_decks]
    kept = Snapshot()
    for table, rows in mark.before.tables.items():
        key = "id" if table == "note" else "note_id"
        kept.tables[table] = (
            changed_decks if table == "deck" else [r for r in rows if r[key] in changed_notes]
        )
    detail = {
        "origin": origin,
        "note_runs": _runs_above(conn, "note", "id", mark.max_note),
        "cards": [
            int(r[0])
            for r in conn.execute(
                text("SELECT id FROM card WHERE id > :a AND note_id <= :n"),
                {"a": mark.max_card, "n": mark.max_note},
            )
        ],
        "decks": _ids_above(conn, "deck", mark.max_deck),
        "logs": _runs_above(conn, "review_log", "seq", mark.max_log),
        "restore": kept.tables,
    }
    conn.execute(
        text("INSERT INTO import_run (started_at, source, detail, undone) VALUES (:t, :s, :d, 0)"),
        {"t": now_ms, "s": source, "d": json.dumps(detail)},
    )
    return int(conn.execute(text("SELECT last_insert_rowid()")).scalar_one())


def _changed(conn: Connection, old: Snapshot) -> set[int]:
    """Notes the import wrote: an update always sets a note's time, hash or retired flag
    (and only then touches its tags and cards), or the learner's local row of it."""
    before = {int(r["id"]): _signature(r) for r in old.tables["note"]}
    out: set[int] = set()
    ids = list(before)
    for start in range(0, len(ids), 5000):
        rows = conn.execute(
            text(
                "SELECT id, content_hash, retired, mtime, position, deck_id FROM note "
                f"WHERE id IN ({ids_sql(ids[start : start + 5000])})"
            )
        )
        out |= {int(r[0]) for r in rows if tuple(r[1:]) != before[int(r[0])]}
    # a sync over a note the learner edited writes only its local row
    local_before = {int(r["note_id"]): r for r in old.tables.get("note_local", [])}
    if local_before:
        result = conn.execute(
            text(f"SELECT * FROM note_local WHERE note_id IN ({ids_sql(list(local_before))})")
        )
        names = list(result.keys())
        now_by_id = {int(r[0]): dict(zip(names, r, strict=True)) for r in result}
        out |= {i for i, r in local_before.items() if now_by_id.get(i) != r}
    return out


def _signature(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["content_hash"], row["retired"], row["mtime"], row["position"], row["deck_id"])


@dataclass(frozen=True)
class ImportRun:
    id: int
    started_at: int
    source: str
    notes_added: int
    notes_updated: int


def last_run(conn: Connection) -> ImportRun | None:
    """The latest import a learner made that has not been undone (bundled syncs excluded)."""
    for row in conn.execute(
        text(
            "SELECT id, started_at, source, detail FROM import_run WHERE undone = 0 "
            "ORDER BY id DESC"
        )
    ):
        detail = json.loads(row[3])
        if detail.get("origin") == "bundled":
            continue
        return ImportRun(
            int(row[0]),
            int(row[1]),
            str(row[2]),
            _added_count(detail),
            len(detail["restore"].get("note", [])),
        )
    return None


def undo_run(conn: Connection, run_id: int) -> list[int]:
    """Take an import back; returns the ids of the notes it had added (now deleted)."""
    detail = json.loads(
        conn.execute(
            text("SELECT detail FROM import_run WHERE id = :i"), {"i": run_id}
        ).scalar_one()
    )
    for first, last in detail["logs"]:  # runs of review-log ``seq`` (they are never reused)
        conn.execute(
            text("DELETE FROM review_log WHERE seq BETWEEN :f AND :l"), {"f": first, "l": last}
        )
    cards = detail["cards"]
    conn.execute(text(f"DELETE FROM review_log WHERE card_id IN ({ids_sql(cards)})"))
    conn.execute(text(f"DELETE FROM card WHERE id IN ({ids_sql(cards)})"))
    notes = added_notes(detail)
    for start in range(0, len(notes), 5000):
        row_snapshot.delete_notes(conn, notes[start : start + 5000])
    row_snapshot.restore(conn, Snapshot(tables=detail["restore"]))
    for deck in detail["decks"]:
        used = conn.execute(text("SELECT 1 FROM note WHERE deck_id = :d LIMIT 1"), {"d": deck})
        if used.first() is None:
            conn.execute(text("DELETE FROM deck WHERE id = :d"), {"d": deck})
    conn.execute(text("UPDATE import_run SET undone = 1 WHERE id = :i"), {"i": run_id})
    return notes
