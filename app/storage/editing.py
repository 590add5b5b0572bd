"""Finding, editing, adding and removing notes, cards and decks, with undo.

Reached as ``collection.editing``. Every change runs in one transaction; bulk changes and
deletions can be taken back within the session (the rows they touch are copied first);
deletions are recorded in ``deletion`` (kind, key, time) for a later sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from app.core import search
from app.core.errors import BadInputError
from app.core.models import NoteKind
from app.core.timeconv import to_ms
from app.storage import (
    browse_repo,
    card_ops,
    deck_ops,
    import_undo,
    local_edits,
    manual_log,
    notes_repo,
    row_snapshot,
    stats_repo,
    undo_guard,
)
from app.storage.media_store import add_media_file
from app.storage.notes_repo import NoteContent, NoteType
from app.storage.retired_notes import any_retired
from app.storage.row_snapshot import Snapshot, ids_sql
from app.storage.search_room import driver_connection
from app.storage.search_sql import compile_search
from app.storage.sync.history import LostVersion, lost_versions
from app.storage.sync.reviews import set_aside

if TYPE_CHECKING:
    from app.storage.collection import Collection


@dataclass
class UndoEntry:
    label: str
    snapshot: Snapshot
    deletions: list[tuple[str, str]]
    answers: int
    """How many answers the collection's own undo list held when this was done."""
    note_id: int | None = None
    """The note a run of edits changed (edits of one note in a row are one step)."""
    logs: list[str] = field(default_factory=list)
    """Review-log rows the change wrote (due dates set, cards forgotten)."""


class Editing:
    def __init__(self, collection: Collection) -> None:
        self.col = collection
        self._undo: list[UndoEntry] = []

    # -- reading -----------------------------------------------------------------------

    def note(self, note_id: int) -> NoteContent:
        with self.col._read() as conn:
            content = notes_repo.load_note(conn, note_id)
        if content is None:
            raise BadInputError(f"no note with id {note_id}")
        return content

    def note_of_card(self, card_id: int) -> int:
        with self.col._read() as conn:
            found = conn.execute(
                text("SELECT note_id FROM card WHERE id = :i"), {"i": card_id}
            ).scalar()
        if found is None:
            raise BadInputError(f"no card with id {card_id}")
        return int(found)

    def cards_of_note(self, note_id: int) -> list[int]:
        with self.col._read() as conn:
            return card_ops.card_ids_of(conn, [note_id])

    def notetypes(self) -> list[NoteType]:
        with self.col._read() as conn:
            return notes_repo.notetypes(conn)

    def sidebar(self) -> dict[str, list[str]]:
        with self.col._read() as conn:
            return browse_repo.sidebar_items(conn)

    def deck_names(self) -> list[tuple[int, str]]:
        with self.col._read() as conn:
            rows = conn.execute(text("SELECT id, name FROM deck ORDER BY name"))
            return [(int(r[0]), str(r[1])) for r in rows]

    def duplicates(self, deck_id: int, first: str, skip: int | None = None) -> list[int]:
        with self.col._read() as conn:
            return notes_repo.duplicates(conn, deck_id, first, skip)

    def history(self, note_id: int) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
        with self.col._read() as conn:
            return notes_repo.history(conn, note_id)

    def sync_versions(self, note_id: int) -> list[LostVersion]:
        """Versions of the note another computer's sync did not keep, newest first."""
        with self.col._read() as conn:
            return lost_versions(conn, note_id)

    # -- browsing ----------------------------------------------------------------------

    def find_ids(
        self, query: str, notes: bool, column: str, descending: bool, now: datetime
    ) -> list[int]:
        """Cards (or notes) an Anki-syntax search matches, sorted by a browser column.
        An unreadable query raises :class:`app.core.search.SearchError`."""
        tree = search.parse(query)
        clock = self.col.searching.clock(now)
        with self.col._read() as conn:
            db = driver_connection(conn)
            where, params = compile_search(db, tree, clock)
            # notes gone from their deck files are left out, as searches do (a partial
            # index lists them, so asking costs nothing)
            if any_retired(db):
                where = f"n.retired = 0 AND {where}"
            return browse_repo.sorted_ids(
                conn, where, params, notes, column, descending, to_ms(now)
            )

    def sort_ids(
        self, card_ids: Sequence[int], notes: bool, column: str, descending: bool, now: datetime
    ) -> list[int]:
        """Sort cards found by a search (or their notes) by a column."""
        if not card_ids:
            return []
        with self.col._read() as conn:
            conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS found (id INTEGER PRIMARY KEY)"))
            conn.execute(text("DELETE FROM temp.found"))
            conn.exec_driver_sql(
                "INSERT OR IGNORE INTO temp.found VALUES (?)", [(int(i),) for i in card_ids]
            )
            ids = browse_repo.sorted_ids(
                conn,
                "c.id IN (SELECT id FROM temp.found)",
                {},
                notes,
                column,
                descending,
                to_ms(now),
            )
            conn.execute(text("DROP TABLE temp.found"))
            conn.commit()
            return ids

    def rows(
        self, ids: Sequence[int], notes: bool, columns: Sequence[str], now: datetime
    ) -> dict[int, tuple[int, list[str]]]:
        with self.col._read() as conn:
            return browse_repo.rows(conn, ids, notes, columns, to_ms(now), self.col._model(conn))

    # -- adding and editing ------------------------------------------------------------

    def add_note(self, content: NoteContent, now: datetime) -> int:
        with self.col._write() as conn:
            note_id = notes_repo.add_note(conn, content, to_ms(now))
            stats_repo.rebuild(conn)
        self.col._changed()
        return note_id

    def save_note(self, content: NoteContent, now: datetime) -> bool:
        """Store an edit (called as the learner types). Returns whether anything changed."""
        last = self._undo[-1] if self._undo else None
        burst = (
            last is not None
            and last.note_id == content.note_id
            and last.answers == len(self.col._undo)
        )
        with self.col._write() as conn:
            snap = None if burst else row_snapshot.take(conn, [content.note_id])
            changed = notes_repo.save_note(conn, content, to_ms(now))
        if changed:
            self.col._changed()
            if snap is not None:  # one undo step per run of edits to one note
                entry = UndoEntry("Edit note", snap, [], len(self.col._undo), content.note_id)
                self._undo.append(entry)
        return changed

    def keep_mine(self, note_id: int) -> None:
        with self.col._write() as conn:
            local_edits.keep_mine(conn, note_id)

    def take_theirs(self, note_id: int, now: datetime) -> NoteContent:
        """Replace the learner's edit with the deck file's version (the edit stays in the
        history)."""
        current = self.note(note_id)
        upstream = current.upstream
        if upstream is None:
            return current
        theirs = replace(
            current,
            kind=NoteKind(int(upstream["kind"])),
            prompt=str(upstream["prompt"]),
            front=str(upstream["front"]),
            answer=str(upstream["answer"]),
            source=upstream["source"],
            tags=tuple(upstream["tags"]),
        )
        with self.col._write() as conn:
            notes_repo.save_note(conn, theirs, to_ms(now), coalesce=False)
            local_edits.forget_local(conn, note_id)
        self.col._changed()
        return self.note(note_id)

    def add_media(self, source: Path) -> str:
        """Store a pasted or dropped file in the media store (once per content); returns the
        name to link as ``media/<name>``."""
        with self.col._write() as conn:
            name, _ = add_media_file(conn, self.col.media_dir, source)
        return name

    def all_tags(self) -> list[str]:
        with self.col._read() as conn:
            return [
                str(r[0])
                for r in conn.execute(text("SELECT DISTINCT tag FROM note_tag ORDER BY tag"))
            ]

    # -- bulk changes (undoable) -------------------------------------------------------

    def _change(
        self,
        label: str,
        note_ids: Sequence[int],
        work: Any,
        deck_ids: Sequence[int] = (),
        history: bool = False,
        deletions: list[tuple[str, str]] | None = None,
        now: datetime | None = None,
    ) -> None:
        with self.col._write() as conn:
            snap = row_snapshot.take(conn, note_ids, deck_ids, history)
            made = work(conn)
            if deletions:
                conn.execute(
                    text(
                        "INSERT OR REPLACE INTO deletion (kind, key, deleted_at) "
                        "VALUES (:k, :v, :t)"
                    ),
                    [{"k": k, "v": v, "t": to_ms(now) if now else 0} for k, v in deletions],
                )
            stats_repo.rebuild(conn)
        self.col._changed()
        logs = made if isinstance(made, list) else []
        self._undo.append(UndoEntry(label, snap, deletions or [], len(self.col._undo), logs=logs))

    def _notes(self, conn_ids: Sequence[int]) -> list[int]:
        with self.col._read() as conn:
            return card_ops.note_ids_of(conn, conn_ids)

    def change_deck(self, card_ids: Sequence[int], deck: str, now: datetime) -> None:
        notes = self._notes(card_ids)

        def work(conn: Connection) -> None:
            deck_id = deck_ops.create_deck(conn, deck)
            card_ops.set_deck(conn, notes, deck_id, to_ms(now))

        self._change("Change deck", notes, work)

    def add_tags(self, card_ids: Sequence[int], tags: Sequence[str], now: datetime) -> None:
        notes = self._notes(card_ids)
        self._change(
            "Add tags", notes, lambda conn: card_ops.add_tags(conn, notes, tags, to_ms(now))
        )

    def remove_tags(self, card_ids: Sequence[int], tags: Sequence[str], now: datetime) -> None:
        notes = self._notes(card_ids)
        self._change(
            "Remove tags", notes, lambda conn: card_ops.remove_tags(conn, notes, tags, to_ms(now))
        )

    def suspend(self, card_ids: Sequence[int], suspended: bool) -> None:
        self._change(
            "Suspend" if suspended else "Unsuspend",
            self._notes(card_ids),
            lambda conn: card_ops.set_suspended(conn, card_ids, suspended),
        )

    def bury(self, card_ids: Sequence[int], now: datetime) -> None:
        until = self.col.window(now).day_end
        self._change(
            "Bury", self._notes(card_ids), lambda conn: card_ops.set_buried(conn, card_ids, until)
        )

    def flag(self, card_ids: Sequence[int], flag: int) -> None:
        if not 0 <= flag <= 7:
            raise BadInputError(f"flag {flag} is not 0-7")
        self._change(
            "Flag", self._notes(card_ids), lambda conn: card_ops.set_flag(conn, card_ids, flag)
        )

    def reset_to_new(self, card_ids: Sequence[int], now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        self._change(
            "Reset to new",
            self._notes(card_ids),
            lambda conn: manual_log.logged(
                conn, card_ids, to_ms(now), lambda: card_ops.reset_to_new(conn, card_ids)
            ),
        )

    def reschedule(self, card_ids: Sequence[int], due: datetime, now: datetime) -> None:
        self._change(
            "Reschedule",
            self._notes(card_ids),
            lambda conn: manual_log.logged(
                conn,
                card_ids,
                to_ms(now),
                lambda: card_ops.reschedule(conn, card_ids, to_ms(due), to_ms(now)),
            ),
        )

    # -- deleting (undoable) -----------------------------------------------------------

    def counts(self, note_ids: Sequence[int]) -> tuple[int, int]:
        """(notes, cards) that deleting these notes removes."""
        with self.col._read() as conn:
            return len(set(note_ids)), len(card_ops.card_ids_of(conn, note_ids))

    def delete_notes(self, note_ids: Sequence[int], now: datetime) -> None:
        notes = sorted(set(note_ids))
        with self.col._read() as conn:
            keys = _note_keys(conn, notes)
        self._change(
            f"Delete {len(notes)} notes",
            notes,
            lambda conn: row_snapshot.delete_notes(conn, notes),
            history=True,
            deletions=keys,
            now=now,
        )

    def delete_cards(self, card_ids: Sequence[int], now: datetime) -> None:
        """Delete cards; a note left without cards goes with them."""
        with self.col._read() as conn:
            notes = card_ops.note_ids_of(conn, card_ids)
            left = {
                int(r[0])
                for r in conn.execute(
                    text(
                        f"SELECT DISTINCT note_id FROM card WHERE note_id IN ({ids_sql(notes)}) "
                        f"AND id NOT IN ({ids_sql(card_ids)})"
                    )
                )
            }
            keys = [
                ("card", f"{r[0]}/{r[1]}")
                for r in conn.execute(
                    text(
                        "SELECT n.uid, c.ord FROM card c JOIN note n ON n.id = c.note_id "
                        f"WHERE c.id IN ({ids_sql(card_ids)})"
                    )
                )
            ]
            gone = [n for n in notes if n not in left]
            keys += _note_keys(conn, gone)

        def work(conn: Connection) -> None:
            cards = ids_sql(card_ids)
            set_aside(conn, card_ids)  # for sync: they come back if a newer edit keeps them
            conn.execute(text(f"DELETE FROM review_log WHERE card_id IN ({cards})"))
            conn.execute(text(f"DELETE FROM card WHERE id IN ({cards})"))
            row_snapshot.delete_notes(conn, gone)

        self._change(
            f"Delete {len(card_ids)} cards", notes, work, history=True, deletions=keys, now=now
        )

    def deck_counts(self, name: str) -> tuple[int, int, int]:
        """(decks, notes, cards) that deleting the deck ``name`` removes."""
        with self.col._read() as conn:
            decks = deck_ops.subtree(conn, name)
            notes, cards = deck_ops.deck_contents(conn, [d for d, _ in decks])
        return len(decks), len(notes), cards

    def delete_deck(self, name: str, now: datetime) -> None:
        """Delete a deck, the decks under it and every note in them."""
        with self.col._read() as conn:
            decks = [d for d, _ in deck_ops.subtree(conn, name)]
            if not decks:
                raise BadInputError(f"no deck named '{name}'")
            notes, _ = deck_ops.deck_contents(conn, decks)
            keys = _note_keys(conn, notes) + [
                ("deck", str(r[0]))
                for r in conn.execute(text(f"SELECT uid FROM deck WHERE id IN ({ids_sql(decks)})"))
            ]

        def work(conn: Connection) -> None:
            for start in range(0, len(notes), 5000):
                row_snapshot.delete_notes(conn, notes[start : start + 5000])
            deck_ops.delete_decks(conn, decks)

        self._change(f"Delete deck {name}", notes, work, decks, True, keys, now)

    # -- decks ---------------------------------------------------------------------------

    def create_deck(self, name: str) -> int:
        with self.col._write() as conn:
            deck_id = deck_ops.create_deck(conn, name)
        self.col._changed()
        return deck_id

    def rename_deck(self, old: str, new: str) -> None:
        """Rename a deck (and its children); a different ``::`` path moves it."""
        with self.col._read() as conn:
            decks = [d for d, _ in deck_ops.subtree(conn, old)]
        self._change(
            f"Rename deck {old}", [], lambda conn: deck_ops.rename_deck(conn, old, new), decks
        )

    # -- undo ----------------------------------------------------------------------------

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    def is_newer_than_answer(self) -> bool:
        """Whether the last undoable edit came after the last answer still undoable."""
        return bool(self._undo) and self._undo[-1].answers >= len(self.col._undo)

    def undo_latest(self) -> str | None:
        """Take back the newest change of this session, a bulk change or an answer (one
        stack, as Anki's); returns what it took back."""
        if self.is_newer_than_answer():
            return self.undo()
        return None if self.col.undo() is None else "Answer"

    def undo(self) -> str | None:
        """Take back the last bulk change or deletion of this session; returns its label."""
        if not self._undo:
            return None
        answered = undo_guard.answered_since(self.col, self._undo[-1])
        if answered and undo_guard.logged_cards(self.col, self._undo[-1]) & answered:
            # a due date or a reset taken back under answers given since would leave
            # those answers on a schedule they were not given on
            raise BadInputError("those cards were answered since: undo the answers first")
        entry = self._undo.pop()
        with self.col._write() as conn:
            # cards answered since keep the schedule their answers gave them
            snap = row_snapshot.with_schedules_now(conn, entry.snapshot, answered)
            row_snapshot.restore(conn, snap)
            manual_log.take_back(conn, entry.logs)
            for kind, key in entry.deletions:
                conn.execute(
                    text("DELETE FROM deletion WHERE kind = :k AND key = :v"), {"k": kind, "v": key}
                )
            stats_repo.rebuild(conn)
        self.col._changed()
        return entry.label

    # -- imports -------------------------------------------------------------------------

    def last_import(self) -> import_undo.ImportRun | None:
        with self.col._read() as conn:
            return import_undo.last_run(conn)

    def undo_import(self, run_id: int | None = None) -> int:
        """Take back an import (the last one when None); returns how many notes it removed."""
        run = self.last_import() if run_id is None else None
        target = run.id if run is not None else run_id
        if target is None:
            raise BadInputError("no import to undo")
        with self.col._write() as conn:
            removed = import_undo.undo_run(conn, target)
            stats_repo.rebuild(conn)
        self.col._changed()
        return len(removed)


def _note_keys(conn: Connection, note_ids: Sequence[int]) -> list[tuple[str, str]]:
    rows = conn.execute(text(f"SELECT uid FROM note WHERE id IN ({ids_sql(note_ids)})"))
    return [("note", str(r[0])) for r in rows]
