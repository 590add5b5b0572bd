"""Schema step 11: a smaller file for the same collection.

- The review log gets an integer row key (``seq``, never handed out twice) and keeps its
  UUID as 16 bytes instead of 32 hex characters, unique by a named index (a big import
  may drop and rebuild it); the index on ``reviewed_at`` alone goes
  (``ix_review_log_answered`` starts with it).
- Note tags are stored by their key (``WITHOUT ROWID``); the index on ``tag`` alone goes
  (``ix_note_tag_notes`` starts with it). The card index on ``(state, due)`` goes
  (``ix_card_schedule`` starts with it).
- An import's record lists the review-log rows it added as ranges of ``seq``, not as
  every UUID.

Every row is copied in its order; ``seq`` is the old ``rowid``, so watermarks stay valid.
"""

from __future__ import annotations

import json
from typing import Any

from app.sqlite import sqlite3
from app.storage.log_ids import to_db

_REVIEW_COLUMNS = (
    "card_id, rating, reviewed_at, duration_ms, state_before, step_before, "
    "stability_before, difficulty_before, due_before, last_review_before, reps_before, "
    "lapses_before, state_after, step_after, stability_after, difficulty_after, due_after, "
    "kind, anki_ivl, anki_last_ivl, anki_factor"
)

SQL = f"""
DROP INDEX IF EXISTS ix_card_queue;
CREATE TABLE note_tag_v11 (
    note_id INTEGER NOT NULL REFERENCES note (id), tag VARCHAR NOT NULL,
    PRIMARY KEY (note_id, tag)) WITHOUT ROWID;
INSERT INTO note_tag_v11 (note_id, tag) SELECT note_id, tag FROM note_tag ORDER BY note_id, tag;
DROP TABLE note_tag;
ALTER TABLE note_tag_v11 RENAME TO note_tag;
CREATE INDEX ix_note_tag_notes ON note_tag (tag, note_id);
CREATE TABLE review_log_v11 (
    seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, id BLOB NOT NULL,
    card_id INTEGER NOT NULL REFERENCES card (id),
    rating INTEGER NOT NULL, reviewed_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
    state_before INTEGER NOT NULL, step_before INTEGER, stability_before FLOAT,
    difficulty_before FLOAT, due_before INTEGER, last_review_before INTEGER,
    reps_before INTEGER NOT NULL, lapses_before INTEGER NOT NULL,
    state_after INTEGER NOT NULL, step_after INTEGER, stability_after FLOAT,
    difficulty_after FLOAT, due_after INTEGER, kind INTEGER NOT NULL DEFAULT 0,
    anki_ivl INTEGER, anki_last_ivl INTEGER, anki_factor INTEGER);
INSERT INTO review_log_v11 (seq, id, {_REVIEW_COLUMNS})
    SELECT rowid, cirrus_log_id(id), {_REVIEW_COLUMNS} FROM review_log ORDER BY rowid;
DROP TABLE review_log;
ALTER TABLE review_log_v11 RENAME TO review_log;
CREATE UNIQUE INDEX ix_review_log_id ON review_log (id);
CREATE INDEX ix_review_log_card_id ON review_log (card_id);
CREATE INDEX ix_review_log_answered ON review_log (reviewed_at, card_id)
"""


def ranges(seqs: list[int]) -> list[list[int]]:
    """Sorted row keys as ``[first, last]`` runs."""
    out: list[list[int]] = []
    for seq in sorted(seqs):
        if out and seq == out[-1][1] + 1:
            out[-1][1] = seq
        else:
            out.append([seq, seq])
    return out


def step(db: sqlite3.Connection, script: Any) -> None:
    # the old log ids of each import, looked up before the log is rebuilt
    runs: dict[int, dict[str, Any]] = {}
    for run_id, detail in db.execute("SELECT id, detail FROM import_run").fetchall():
        data = json.loads(detail)
        logs = data.get("logs", [])
        seqs: list[int] = []
        for start in range(0, len(logs), 500):
            chunk = [str(i) for i in logs[start : start + 500]]
            marks = ", ".join("?" * len(chunk))
            seqs += [
                int(r[0])
                for r in db.execute(f"SELECT rowid FROM review_log WHERE id IN ({marks})", chunk)
            ]
        data["logs"] = ranges(seqs)
        runs[int(run_id)] = data
    db.create_function("cirrus_log_id", 1, to_db, deterministic=True)
    script(db, SQL)
    for run_id, data in runs.items():
        db.execute("UPDATE import_run SET detail = ? WHERE id = ?", (json.dumps(data), run_id))
