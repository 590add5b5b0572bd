"""A learner's edits of notes that come from deck files (the bundled decks above all).

The first edit of such a note copies the deck file's version aside (``note_local``). When
the deck files are synced again, an edited note keeps the learner's text; if the deck
file's version has changed since, the new upstream text is stored beside it and the note
is marked "changed upstream", so the learner can keep theirs or take the new one.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from app.core.models import NoteKind, NoteSpec

if TYPE_CHECKING:
    from app.storage.notes_repo import NoteContent


def remember_upstream(conn: Connection, old: NoteContent) -> None:
    """Before the first edit of a deck-file note, keep the version it came with."""
    if old.origin == "local" or old.kind == NoteKind.TEMPLATE or old.upstream is not None:
        return
    digest = conn.execute(
        text("SELECT content_hash FROM note WHERE id = :i"), {"i": old.note_id}
    ).scalar_one()
    conn.execute(
        text(
            "INSERT OR IGNORE INTO note_local (note_id, upstream, upstream_hash, "
            "changed_upstream) VALUES (:i, :u, :h, 0)"
        ),
        {"i": old.note_id, "u": json.dumps(old.editable()), "h": str(digest)},
    )


def edited_in_deck(conn: Connection, deck_id: int) -> dict[int, str]:
    """Note id -> upstream hash, for the notes of a deck the learner has edited."""
    rows = conn.execute(
        text(
            "SELECT l.note_id, l.upstream_hash FROM note_local l JOIN note n "
            "ON n.id = l.note_id WHERE n.deck_id = :d"
        ),
        {"d": deck_id},
    )
    return {int(r[0]): str(r[1]) for r in rows}


def upstream_arrived(
    conn: Connection,
    note_id: int,
    upstream_hash: str,
    note: NoteSpec,
    tags: list[str],
    deck_id: int,
    digest: str,
) -> bool:
    """A sync brought ``note`` for an edited note: keep the learner's text; store the
    upstream version when it differs from the one the learner edited. Returns True when
    the upstream text changed."""
    if digest == upstream_hash:
        return False
    upstream: dict[str, Any] = {
        "kind": int(note.kind),
        "prompt": note.prompt,
        "front": note.front,
        "answer": note.answer,
        "source": note.source,
        "tags": list(tags),
        "fields": None,
        "deck_id": deck_id,
    }
    conn.execute(
        text(
            "UPDATE note_local SET upstream = :u, upstream_hash = :h, changed_upstream = 1 "
            "WHERE note_id = :i"
        ),
        {"u": json.dumps(upstream), "h": digest, "i": note_id},
    )
    return True


def keep_mine(conn: Connection, note_id: int) -> None:
    """The learner has seen the upstream change and keeps their own text."""
    conn.execute(
        text("UPDATE note_local SET changed_upstream = 0 WHERE note_id = :i"), {"i": note_id}
    )


def forget_local(conn: Connection, note_id: int) -> None:
    """The note follows its deck file again (after "take theirs")."""
    row = conn.execute(
        text("SELECT upstream_hash FROM note_local WHERE note_id = :i"), {"i": note_id}
    ).first()
    if row is None:
        return
    conn.execute(
        text("UPDATE note SET content_hash = :h WHERE id = :i"), {"h": row[0], "i": note_id}
    )
    conn.execute(text("DELETE FROM note_local WHERE note_id = :i"), {"i": note_id})
