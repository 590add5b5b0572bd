"""Notes gone from their deck files (``note.retired``), which every search leaves out.

Few notes are retired, and the partial index ``ix_note_retired`` lists exactly them; it
is named here because SQLite would otherwise read the wider note index ``ix_note_card``
(which also holds ``retired``) from end to end, 4 ms on 100,000 notes for a question
the partial index answers at once.
"""

from __future__ import annotations

from app.sqlite import sqlite3

RETIRED_IDS = "SELECT id FROM note INDEXED BY ix_note_retired WHERE retired = 1"
"""The ids of the retired notes (a subquery)."""


def any_retired(db: sqlite3.Connection) -> bool:
    """Whether any note is retired."""
    return db.execute(RETIRED_IDS + " LIMIT 1").fetchone() is not None
