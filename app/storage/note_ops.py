"""Adding, editing and deleting single notes, and suspending cards.

Small on purpose: the note editor builds on these. A deletion is recorded (with its time)
so a sync can tell a deletion from a note that never came, and the deleted cards'
answers are set aside so they come back if another device's newer edit keeps the note.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, text

from app.core.errors import BadInputError
from app.core.models import CardState, NoteKind
from app.storage.sync.reviews import set_aside

EDITABLE = ("prompt_md", "front_md", "answer_md", "source", "expected")


def add_note(
    conn: Connection,
    deck_id: int,
    prompt: str,
    answer: str,
    now_ms: int,
    tags: Sequence[str] = (),
    front: str = "",
) -> int:
    """A basic note with one new card at the end of the new queue; returns the note id."""
    if conn.execute(text("SELECT 1 FROM deck WHERE id = :d"), {"d": deck_id}).first() is None:
        raise BadInputError(f"no deck with id {deck_id}")
    uid = uuid.uuid4().hex
    conn.execute(
        text(
            "INSERT INTO note (uid, deck_id, kind, prompt_md, front_md, answer_md, origin, "
            "position, content_hash, retired, mtime, exact) "
            "VALUES (:u, :d, :k, :p, :f, :a, 'user', 0, '', 0, :t, 0)"
        ),
        {
            "u": uid,
            "d": deck_id,
            "k": int(NoteKind.BASIC),
            "p": prompt,
            "f": front,
            "a": answer,
            "t": now_ms,
        },
    )
    note_id = int(conn.execute(text("SELECT id FROM note WHERE uid = :u"), {"u": uid}).scalar_one())
    for tag in sorted(set(tags)):
        conn.execute(
            text("INSERT INTO note_tag (note_id, tag) VALUES (:n, :t)"), {"n": note_id, "t": tag}
        )
    order = conn.execute(
        text(f"SELECT COALESCE(MAX(due), -1) + 1 FROM card WHERE state = {int(CardState.NEW)}")
    ).scalar()
    conn.execute(
        text(
            "INSERT INTO card (note_id, ord, state, due, reps, lapses, suspended, flag, created) "
            "VALUES (:n, 0, 0, :d, 0, 0, 0, 0, :t)"
        ),
        {"n": note_id, "d": int(order or 0), "t": now_ms},
    )
    return note_id


def edit_note_fields(
    conn: Connection, note_id: int, values: Mapping[str, str | None], now_ms: int
) -> None:
    """Change some of a note's text fields (``prompt_md``, ``answer_md``, …)."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise BadInputError(f"cannot edit {', '.join(sorted(unknown))}")
    if conn.execute(text("SELECT 1 FROM note WHERE id = :n"), {"n": note_id}).first() is None:
        raise BadInputError(f"no note with id {note_id}")
    sets = ", ".join(f"{name} = :{name}" for name in values)
    conn.execute(
        text(f"UPDATE note SET {sets}, mtime = :t WHERE id = :n"),
        {**values, "t": now_ms, "n": note_id},
    )


def delete_note(conn: Connection, note_id: int, now_ms: int) -> None:
    """Delete a note and its cards; their answers are set aside for sync."""
    uid = conn.execute(text("SELECT uid FROM note WHERE id = :n"), {"n": note_id}).scalar()
    if uid is None:
        raise BadInputError(f"no note with id {note_id}")
    cards = [
        int(r[0])
        for r in conn.execute(text("SELECT id FROM card WHERE note_id = :n"), {"n": note_id})
    ]
    set_aside(conn, cards)
    conn.execute(text("DELETE FROM card WHERE note_id = :n"), {"n": note_id})
    conn.execute(text("DELETE FROM note_tag WHERE note_id = :n"), {"n": note_id})
    conn.execute(text("DELETE FROM note WHERE id = :n"), {"n": note_id})
    conn.execute(
        text(
            "INSERT INTO deletion (kind, \"key\", deleted_at) VALUES ('note', :k, :t) "
            'ON CONFLICT(kind, "key") DO UPDATE SET deleted_at = excluded.deleted_at'
        ),
        {"k": uid, "t": now_ms},
    )


def set_suspended(conn: Connection, card_ids: Sequence[int], suspended: bool) -> None:
    for card_id in card_ids:
        conn.execute(
            text("UPDATE card SET suspended = :s WHERE id = :i"), {"s": suspended, "i": card_id}
        )
