"""Deck management: create, rename (which moves a deck when the ``::`` path changes),
delete with everything in it."""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, text

from app.core.errors import BadInputError
from app.storage.row_snapshot import ids_sql


def clean_name(name: str) -> str:
    parts = [" ".join(p.split()) for p in name.split("::")]
    if not name.strip() or any(not p for p in parts):
        raise BadInputError(f"'{name}' is not a deck name (no empty parts between '::')")
    return "::".join(parts)


def deck_id(conn: Connection, name: str) -> int | None:
    found = conn.execute(text("SELECT id FROM deck WHERE name = :n"), {"n": name}).scalar()
    return int(found) if found is not None else None


def create_deck(conn: Connection, name: str) -> int:
    name = clean_name(name)
    existing = deck_id(conn, name)
    if existing is not None:
        return existing
    position = conn.execute(text("SELECT COALESCE(MAX(position), -1) + 1 FROM deck")).scalar_one()
    conn.execute(
        text(
            "INSERT INTO deck (uid, name, description, preset_id, position, origin) "
            "VALUES (:u, :n, '', 1, :p, 'local')"
        ),
        {"u": f"local-{secrets.token_hex(6)}", "n": name, "p": position},
    )
    return int(conn.execute(text("SELECT last_insert_rowid()")).scalar_one())


def subtree(conn: Connection, name: str) -> list[tuple[int, str]]:
    """The deck called ``name`` and every deck under it: (id, name)."""
    rows = conn.execute(
        text("SELECT id, name FROM deck WHERE name = :n OR substr(name, 1, :l) = :p"),
        {"n": name, "l": len(name) + 2, "p": name + "::"},
    )
    return [(int(r[0]), str(r[1])) for r in rows]


def rename_deck(conn: Connection, old: str, new: str) -> int:
    """Rename ``old`` and its children; a new ``::`` path moves them. Returns how many
    decks were renamed."""
    new = clean_name(new)
    decks = subtree(conn, old)
    if not decks:
        raise BadInputError(f"no deck named '{old}'")
    if new == old:
        return 0
    if new.startswith(old + "::"):
        raise BadInputError(f"cannot move '{old}' into its own child '{new}'")
    taken = {n for _, n in subtree(conn, new)} - {n for _, n in decks}
    for deck, name in decks:
        renamed = new + name[len(old) :]
        if renamed in taken:
            raise BadInputError(f"a deck named '{renamed}' exists already")
        conn.execute(text("UPDATE deck SET name = :n WHERE id = :i"), {"n": renamed, "i": deck})
    return len(decks)


def deck_contents(conn: Connection, deck_ids: list[int]) -> tuple[list[int], int]:
    """(note ids, card count) of these decks."""
    notes = [
        int(r[0])
        for r in conn.execute(text(f"SELECT id FROM note WHERE deck_id IN ({ids_sql(deck_ids)})"))
    ]
    cards = conn.execute(
        text(f"SELECT COUNT(*) FROM card WHERE note_id IN ({ids_sql(notes)})")
    ).scalar_one()
    return notes, int(cards)


def delete_decks(conn: Connection, deck_ids: list[int]) -> None:
    """Remove the (already emptied) decks."""
    conn.execute(text(f"DELETE FROM deck WHERE id IN ({ids_sql(deck_ids)})"))
