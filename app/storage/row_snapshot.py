"""Rows of notes, their cards and decks copied aside, so that a change can be taken back.

A snapshot is plain data (table -> list of column dicts). Restoring writes every row back
in place (insert, or update when the row still exists), so it undoes a delete as well as
a bulk change; the notes' tags are replaced by the copied ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text

from app.storage.sync.reviews import set_aside

Rows = list[dict[str, Any]]
_KEYS = {
    "deck": ("id",),
    "note": ("id",),
    "card": ("id",),
    "review_log": ("id",),
    "note_local": ("note_id",),
}
ORDER = ("deck", "note", "card", "note_tag", "review_log", "note_local")


@dataclass
class Snapshot:
    tables: dict[str, Rows] = field(default_factory=dict)

    def note_ids(self) -> list[int]:
        return [int(r["id"]) for r in self.tables.get("note", [])]


def ids_sql(ids: Sequence[int]) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


def _rows(conn: Connection, sql: str) -> Rows:
    raw = conn.connection.driver_connection
    if raw is None:
        result = conn.execute(text(sql))
        names = list(result.keys())
        return [dict(zip(names, row, strict=True)) for row in result]
    cursor = raw.cursor()
    try:
        cursor.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        cursor.close()


def take(
    conn: Connection,
    note_ids: Sequence[int],
    deck_ids: Sequence[int] = (),
    with_history: bool = False,
) -> Snapshot:
    """Copy the notes (with tags, cards, local edits, and reviews if asked) and decks."""
    notes = ids_sql(note_ids)
    snap = Snapshot()
    snap.tables["deck"] = _rows(conn, f"SELECT * FROM deck WHERE id IN ({ids_sql(deck_ids)})")
    snap.tables["note"] = _rows(conn, f"SELECT * FROM note WHERE id IN ({notes})")
    snap.tables["note_tag"] = _rows(conn, f"SELECT * FROM note_tag WHERE note_id IN ({notes})")
    snap.tables["card"] = _rows(conn, f"SELECT * FROM card WHERE note_id IN ({notes})")
    snap.tables["note_local"] = _rows(conn, f"SELECT * FROM note_local WHERE note_id IN ({notes})")
    if with_history:
        snap.tables["review_log"] = _rows(
            conn,
            "SELECT rowid AS _rowid, * FROM review_log WHERE card_id IN "
            f"(SELECT id FROM card WHERE note_id IN ({notes}))",
        )
    return snap


SCHEDULE = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")


def with_schedules_now(conn: Connection, snap: Snapshot, card_ids: set[int]) -> Snapshot:
    """The snapshot with these cards' schedules as they are now (answered since: the
    answers' schedule stays, the rest of the change is taken back)."""
    if not card_ids or "card" not in snap.tables:
        return snap
    now = {
        int(r["id"]): r
        for r in _rows(
            conn,
            f"SELECT id, {', '.join(SCHEDULE)} FROM card WHERE id IN ({ids_sql(list(card_ids))})",
        )
    }
    tables = dict(snap.tables)
    tables["card"] = [
        {**r, **{c: now[int(r["id"])][c] for c in SCHEDULE}} if int(r["id"]) in now else r
        for r in tables["card"]
    ]
    return Snapshot(tables)


def _without_clashes(conn: Connection, snap: Snapshot) -> Snapshot:
    """Leave out notes that are here again under another id (imported again, or brought
    back by a sync since they were deleted): that note stays, with what hangs on it."""
    uids = {str(r["uid"]): int(r["id"]) for r in snap.tables.get("note", [])}
    if not uids:
        return snap
    clash: set[int] = set()
    for row in conn.execute(
        text(f"SELECT id, uid FROM note WHERE id NOT IN ({ids_sql(list(uids.values()))})")
    ):
        if str(row[1]) in uids:
            clash.add(uids[str(row[1])])
    if not clash:
        return snap
    cards = {int(r["id"]) for r in snap.tables.get("card", []) if int(r["note_id"]) in clash}
    tables = dict(snap.tables)
    for table, column, dropped in (
        ("note", "id", clash),
        ("note_tag", "note_id", clash),
        ("note_local", "note_id", clash),
        ("card", "note_id", clash),
        ("review_log", "card_id", cards),
    ):
        if table in tables:
            tables[table] = [r for r in tables[table] if int(r[column]) not in dropped]
    return Snapshot(tables)


def restore(conn: Connection, snap: Snapshot) -> None:
    """Write every copied row back as it was; cards the notes gained since are removed."""
    snap = _fresh_ids(conn, _without_clashes(conn, snap))
    notes = ids_sql(snap.note_ids())
    if "card" in snap.tables:  # cards the notes gained since (a new cloze number) go
        kept = ids_sql([int(r["id"]) for r in snap.tables["card"]])
        gained = f"SELECT id FROM card WHERE note_id IN ({notes}) AND id NOT IN ({kept})"
        conn.execute(text(f"DELETE FROM review_log WHERE card_id IN ({gained})"))
        conn.execute(text(f"DELETE FROM card WHERE id IN ({gained})"))
    for table in ORDER:
        rows = snap.tables.get(table)
        if rows is None:
            continue
        if table == "note_tag":
            conn.execute(text(f"DELETE FROM note_tag WHERE note_id IN ({notes})"))
        if table == "note_local":
            conn.execute(text(f"DELETE FROM note_local WHERE note_id IN ({notes})"))
        if table == "review_log":
            rows = _free_rowids(conn, rows)
        if rows:
            _upsert(conn, table, rows)


_OWNERS = {
    "deck": (("note", "deck_id"),),
    "note": (("note_tag", "note_id"), ("note_local", "note_id"), ("card", "note_id")),
    "card": (("review_log", "card_id"),),
}


def _fresh_ids(conn: Connection, snap: Snapshot) -> Snapshot:
    """Decks, notes and cards whose id another row took since (SQLite hands out the id of
    a deleted last row again: a deck, note or card added after the delete) come back
    under a new id, with what hangs on them; the row that holds the id now stays."""
    tables = {t: [dict(r) for r in rows] for t, rows in snap.tables.items()}
    for table in ("deck", "note", "card"):
        rows = tables.get(table, [])
        if not rows:
            continue
        found = {
            int(r["id"]): r
            for r in _rows(
                conn, f"SELECT * FROM {table} WHERE id IN ({ids_sql([x['id'] for x in rows])})"
            )
        }
        if table == "card":
            same = [(r["note_id"], r["ord"]) for r in rows]
            held = [
                (found[int(r["id"])]["note_id"], found[int(r["id"])]["ord"])
                if int(r["id"]) in found
                else None
                for r in rows
            ]
        else:
            same = [r["uid"] for r in rows]
            held = [found[int(r["id"])]["uid"] if int(r["id"]) in found else None for r in rows]
        top = int(conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())
        top = max([top] + [int(r["id"]) for r in rows])
        moved: dict[int, int] = {}
        for row, mine, theirs in zip(rows, same, held, strict=True):
            if theirs is not None and theirs != mine:
                top += 1
                moved[int(row["id"])] = top
                row["id"] = top
        for child, column in _OWNERS[table] if moved else ():
            for row in tables.get(child, []):
                row[column] = moved.get(int(row[column]), row[column])
    return Snapshot(tables)


def _free_rowids(conn: Connection, rows: Rows) -> Rows:
    """Review rows whose old rowid another answer took since (SQLite hands out the rowid
    of deleted last rows again) come back under a new one."""
    rowids = ids_sql([r["_rowid"] for r in rows])
    found = conn.execute(text(f"SELECT rowid, id FROM review_log WHERE rowid IN ({rowids})"))
    taken = {int(r[0]): str(r[1]) for r in found}
    return [
        {**r, "_rowid": None} if taken.get(int(r["_rowid"]), r["id"]) != r["id"] else r
        for r in rows
    ]


def _upsert(conn: Connection, table: str, rows: Rows) -> None:
    columns = list(rows[0])
    names = [("rowid" if c == "_rowid" else f'"{c}"') for c in columns]
    marks = ", ".join("?" for _ in columns)
    keys = _KEYS.get(table)
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
    if keys is not None:
        sets = ", ".join(
            f"{n} = excluded.{n}"
            for c, n in zip(columns, names, strict=True)
            if c not in keys and c != "_rowid"
        )
        sql += f" ON CONFLICT({', '.join(keys)}) DO UPDATE SET {sets}"
    conn.exec_driver_sql(sql, [tuple(r[c] for c in columns) for r in rows])


def delete_notes(conn: Connection, note_ids: Sequence[int]) -> None:
    """Remove notes with everything that hangs on them (reviews included)."""
    notes = ids_sql(note_ids)
    cards = f"SELECT id FROM card WHERE note_id IN ({notes})"
    set_aside(conn, [int(r[0]) for r in conn.execute(text(cards))])  # for sync
    conn.execute(text(f"DELETE FROM review_log WHERE card_id IN ({cards})"))
    conn.execute(text(f"DELETE FROM card WHERE note_id IN ({notes})"))
    conn.execute(text(f"DELETE FROM note_tag WHERE note_id IN ({notes})"))
    conn.execute(text(f"DELETE FROM note_local WHERE note_id IN ({notes})"))
    conn.execute(text(f"DELETE FROM note WHERE id IN ({notes})"))
