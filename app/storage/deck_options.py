"""Deck options over the collection: presets, which deck uses which, "today only"
limits, and leeches (tagged, and suspended when the preset says so)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from app.core.errors import BadInputError
from app.core.presets import LEECH_SUSPEND, Preset, is_leech
from app.core.timeconv import to_ms
from app.storage import presets_repo
from app.storage.engine import raw_connection

if TYPE_CHECKING:
    from app.storage.collection import Collection

LEECH_TAG = "leech"


class DeckOptions:
    """The deck-options room of a :class:`Collection`."""

    def __init__(self, collection: Collection) -> None:
        self.col = collection

    # -- presets -----------------------------------------------------------------------

    def presets(self) -> list[Preset]:
        with self.col._read() as conn:
            return presets_repo.all_presets(conn)

    def usage(self) -> dict[int, int]:
        with self.col._read() as conn:
            return presets_repo.usage(conn)

    def preset(self, preset_id: int) -> Preset:
        with self.col._read() as conn:
            found = presets_repo.get(conn, preset_id)
        if found is None:
            raise BadInputError(f"no preset with id {preset_id}")
        return found

    def save(self, preset: Preset) -> None:
        try:
            with self.col._write() as conn:
                clash = conn.execute(
                    text("SELECT 1 FROM preset WHERE name = :n AND id != :i"),
                    {"n": preset.name, "i": preset.id},
                ).first()
                if clash is not None:
                    raise ValueError(f"another preset is already called '{preset.name}'")
                presets_repo.save(conn, preset)
        except ValueError as exc:
            raise BadInputError(str(exc)) from exc
        self.col._changed()

    def add(self, name: str, clone_of: int | None = None) -> int:
        like = self.preset(clone_of) if clone_of is not None else None
        try:
            with self.col._write() as conn:
                new_id = presets_repo.add(conn, _unique(conn, name), like)
        except ValueError as exc:
            raise BadInputError(str(exc)) from exc
        self.col._changed()
        return new_id

    def delete(self, preset_id: int) -> int:
        try:
            with self.col._write() as conn:
                name = conn.execute(
                    text("SELECT name FROM preset WHERE id = :i"), {"i": preset_id}
                ).scalar()
                moved = presets_repo.delete(conn, preset_id)
                conn.execute(  # when, for a sync: an edit made later elsewhere keeps it
                    text(
                        "INSERT OR REPLACE INTO deletion (kind, key, deleted_at) "
                        "VALUES ('preset', :k, :t)"
                    ),
                    {"k": str(name), "t": to_ms(datetime.now(UTC))},
                )
        except ValueError as exc:
            raise BadInputError(str(exc)) from exc
        self.col._changed()
        return moved

    # -- decks -------------------------------------------------------------------------

    def deck_preset(self, deck: str) -> Preset:
        """The preset a deck uses (a parent the tree only names uses the default)."""
        with self.col._read() as conn:
            row = conn.execute(
                text("SELECT preset_id FROM deck WHERE name = :n"), {"n": deck}
            ).first()
            preset_id = int(row[0]) if row else presets_repo.DEFAULT_ID
            found = presets_repo.get(conn, preset_id)
        assert found is not None
        return found

    def assign(self, deck: str, preset_id: int, children: bool = False) -> int:
        """Use ``preset_id`` for ``deck`` (and its sub-decks). Returns the decks changed."""
        self.preset(preset_id)
        with self.col._write() as conn:
            own = _deck_id(conn, deck, create=True)
            ids = [own]
            if children:
                rows = conn.execute(
                    text("SELECT id FROM deck WHERE name LIKE :p ESCAPE '\\'"),
                    {"p": _like_prefix(deck) + "::%"},
                )
                ids += [int(r[0]) for r in rows]
            presets_repo.assign(conn, ids, preset_id)
        self.col._changed()
        return len(ids)

    def today_limits(self, deck: str, now: datetime) -> tuple[int, int] | None:
        day = self.col.window(now).day_start
        with self.col._read() as conn:
            row = conn.execute(
                text(
                    "SELECT today_new, today_reviews FROM deck WHERE name = :n "
                    "AND today_day = :d AND today_new IS NOT NULL"
                ),
                {"n": deck, "d": day},
            ).first()
        return (int(row[0]), int(row[1])) if row else None

    def set_today_limits(self, deck: str, now: datetime, limits: tuple[int, int] | None) -> None:
        """Limits for this study day only (None goes back to the preset's)."""
        if limits is not None and (min(limits) < 0 or max(limits) > 99999):
            raise BadInputError("today's limits must be between 0 and 99,999")
        day = self.col.window(now).day_start
        with self.col._write() as conn:
            presets_repo.set_today(conn, _deck_id(conn, deck, create=True), day, limits)
        self.col._changed()

    # -- leeches -----------------------------------------------------------------------

    def after_lapse(self, conn: Connection, card_id: int, lapses: int, preset_id: int) -> bool:
        """Tag (and maybe suspend) a card that just lapsed into a leech. True if a leech."""
        # on every lapse: two columns through sqlite3, not the whole preset
        row = (
            raw_connection(conn)
            .execute("SELECT leech_threshold, leech_action FROM preset WHERE id = ?", (preset_id,))
            .fetchone()
        )
        if row is None or not is_leech(lapses, int(row[0])):
            return False
        conn.execute(
            text(
                "INSERT OR IGNORE INTO note_tag (note_id, tag) "
                "SELECT note_id, :t FROM card WHERE id = :c"
            ),
            {"t": LEECH_TAG, "c": card_id},
        )
        if int(row[1]) == LEECH_SUSPEND:
            conn.execute(text("UPDATE card SET suspended = 1 WHERE id = :c"), {"c": card_id})
        return True

    def undo_leech(self, conn: Connection, card_id: int) -> None:
        """Take back what :meth:`after_lapse` did (the answer behind it was undone)."""
        conn.execute(
            text(
                "DELETE FROM note_tag WHERE tag = :t AND note_id = (SELECT note_id FROM card "
                "WHERE id = :c)"
            ),
            {"t": LEECH_TAG, "c": card_id},
        )
        conn.execute(text("UPDATE card SET suspended = 0 WHERE id = :c"), {"c": card_id})


def _like_prefix(name: str) -> str:
    return name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _deck_id(conn: Connection, name: str, create: bool) -> int:
    """The id of the deck called ``name``; a parent the tree only names gets a deck row
    of its own (as Anki gives one to every parent) when ``create`` is set."""
    row = conn.execute(text("SELECT id FROM deck WHERE name = :n"), {"n": name}).first()
    if row is not None:
        return int(row[0])
    exists = conn.execute(
        text("SELECT 1 FROM deck WHERE name LIKE :p ESCAPE '\\' LIMIT 1"),
        {"p": _like_prefix(name) + "::%"},
    ).first()
    if exists is None or not create:
        raise BadInputError(f"no deck named '{name}'")
    uid = "parent-" + hashlib.sha256(name.encode()).hexdigest()[:16]
    position = conn.execute(text("SELECT COALESCE(MIN(position), 0) FROM deck")).scalar_one()
    result = conn.execute(
        text(
            "INSERT INTO deck (uid, name, description, preset_id, position, origin) "
            "VALUES (:u, :n, '', 1, :p, 'parent')"
        ),
        {"u": uid, "n": name, "p": int(position)},
    )
    return int(result.lastrowid or 0)


def _unique(conn: Connection, name: str) -> str:
    taken = {str(r[0]) for r in conn.execute(text("SELECT name FROM preset"))}
    candidate, n = name.strip() or "Preset", 2
    while candidate in taken:
        candidate = f"{name.strip()} {n}"
        n += 1
    return candidate
