"""What the review screen does to a card besides answering it: bury, suspend, flag, mark,
delete the note, and the undo of each.

Each action is one transaction and records what it changed, so :meth:`CardActions.undo`
(reached through ``Collection.undo``, the same Ctrl+Z as answers) puts it back exactly.
A deleted note's rows (note, tags, cards, review log) are kept in memory until the app
closes, so the deletion can be undone during the session; the statistics' daily totals
keep its past reviews, as Anki's do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from app.core.errors import BadInputError

if TYPE_CHECKING:
    from app.storage.collection import Collection

PREFIX = "action:"
"""Undo-stack entries of card actions start with this (answers are review-log ids)."""
MARK_TAG = "marked"
FLAG_NAMES = ("", "Red", "Orange", "Green", "Blue", "Pink", "Turquoise", "Purple")
FLAG_COLOURS = ("", "#e5484d", "#f76b15", "#30a46c", "#3e63dd", "#d6409f", "#12a594", "#8e4ec6")


@dataclass(frozen=True)
class CardMarks:
    """A card's flag, mark and suspension, for the study screen to show."""

    flag: int = 0
    marked: bool = False
    suspended: bool = False
    buried_until: int | None = None


@dataclass
class _Entry:
    label: str
    card_id: int
    restore: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """Statements (with parameters) that undo the action, run in order."""


_TABLES = (
    ("note", "id = :n"),
    ("note_tag", "note_id = :n"),
    ("card", "note_id = :n"),
    ("review_log", "card_id IN (SELECT id FROM card WHERE note_id = :n)"),
)


class CardActions:
    """Bury, suspend, flag, mark and delete, each undoable; one per :class:`Collection`."""

    def __init__(self, collection: Collection) -> None:
        self.col = collection
        self._entries: dict[str, _Entry] = {}
        self._counter = 0

    # -- reading ---------------------------------------------------------------------

    def marks(self, card_id: int) -> CardMarks:
        with self.col._read() as conn:
            row = conn.execute(
                text(
                    "SELECT c.flag, c.suspended, c.buried_until, EXISTS(SELECT 1 FROM note_tag t "
                    "WHERE t.note_id = c.note_id AND t.tag = :m) FROM card c WHERE c.id = :i"
                ),
                {"i": card_id, "m": MARK_TAG},
            ).first()
        if row is None:
            raise BadInputError(f"no card with id {card_id}")
        return CardMarks(int(row[0]), bool(row[3]), bool(row[1]), row[2])

    # -- actions ---------------------------------------------------------------------

    def bury(self, card_id: int, now: datetime) -> None:
        """Hide the card until the next study day starts (Anki's "bury card")."""
        until = self.col.window(now).day_end
        self._update(card_id, "Bury", "buried_until", until)

    def suspend(self, card_id: int) -> None:
        """Take the card out of the queues until it is unsuspended (Anki's "suspend card")."""
        self._update(card_id, "Suspend", "suspended", 1)

    def unsuspend(self, card_id: int) -> None:
        self._update(card_id, "Unsuspend", "suspended", 0)

    def set_flag(self, card_id: int, flag: int) -> int:
        """Set flag 1-7, or clear it when the card has that flag already. Returns the flag."""
        if not 0 <= flag < len(FLAG_NAMES):
            raise BadInputError(f"no flag {flag}: flags are 1 to 7")
        new = 0 if self.marks(card_id).flag == flag else flag
        self._update(card_id, "Flag", "flag", new)
        return new

    def toggle_mark(self, card_id: int) -> bool:
        """Add or remove the note's ``marked`` tag. Returns True when it is now marked."""
        with self.col._write() as conn:
            note_id = self._note_id(conn, card_id)
            params = {"n": note_id, "t": MARK_TAG}
            marked = conn.execute(
                text("SELECT 1 FROM note_tag WHERE note_id = :n AND tag = :t"), params
            ).first()
            add = "INSERT INTO note_tag (note_id, tag) VALUES (:n, :t)"
            remove = "DELETE FROM note_tag WHERE note_id = :n AND tag = :t"
            conn.execute(text(remove if marked else add), params)
        self._record(_Entry("Mark", card_id, [(add if marked else remove, params)]))
        return not marked

    def delete_note(self, card_id: int) -> int:
        """Delete the card's note with all its cards and their history. Returns the count of
        cards deleted; Ctrl+Z brings everything back."""
        with self.col._write() as conn:
            note_id = self._note_id(conn, card_id)
            saved: list[tuple[str, list[dict[str, Any]]]] = []
            for table, where in _TABLES:
                found = conn.execute(
                    text(f"SELECT * FROM {table} WHERE {where}"), {"n": note_id}
                ).mappings()
                saved.append((table, [dict(r) for r in found]))
            for table, where in reversed(_TABLES):
                conn.execute(text(f"DELETE FROM {table} WHERE {where}"), {"n": note_id})
        entry = _Entry("Delete note", card_id)
        for table, saved_rows in saved:
            for row in saved_rows:
                columns = ", ".join(f'"{c}"' for c in row)
                values = ", ".join(f":{c}" for c in row)
                entry.restore.append((f"INSERT INTO {table} ({columns}) VALUES ({values})", row))
        self._record(entry)
        self.col._changed()
        return len(dict(saved)["card"])

    # -- undo ------------------------------------------------------------------------

    def undo(self, key: str) -> tuple[int, str] | None:
        """Undo the entry ``key`` (from the collection's undo stack): (card id, label)."""
        entry = self._entries.pop(key, None)
        if entry is None:
            return None
        with self.col._write() as conn:
            for statement, params in entry.restore:
                conn.execute(text(statement), params)
        self.col._changed()
        return entry.card_id, entry.label

    # -- helpers ---------------------------------------------------------------------

    def _update(self, card_id: int, label: str, column: str, value: int | None) -> None:
        with self.col._write() as conn:
            before = conn.execute(
                text(f"SELECT {column} FROM card WHERE id = :i"), {"i": card_id}
            ).first()
            if before is None:
                raise BadInputError(f"no card with id {card_id}")
            conn.execute(
                text(f"UPDATE card SET {column} = :v WHERE id = :i"), {"v": value, "i": card_id}
            )
        restore = f"UPDATE card SET {column} = :v WHERE id = :i"
        self._record(_Entry(label, card_id, [(restore, {"v": before[0], "i": card_id})]))

    def _note_id(self, conn: Connection, card_id: int) -> int:
        value = conn.execute(
            text("SELECT note_id FROM card WHERE id = :i"), {"i": card_id}
        ).scalar()
        if value is None:
            raise BadInputError(f"no card with id {card_id}")
        return int(value)

    def _record(self, entry: _Entry) -> None:
        self._counter += 1
        key = f"{PREFIX}{self._counter}"
        self._entries[key] = entry
        self.col._undo.append(key)
