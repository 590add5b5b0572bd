"""Schema upgrades as a ladder of numbered steps, tracked by ``PRAGMA user_version``.

Each step is frozen SQL: it describes the schema as it was at that version, so an old
collection always climbs the same ladder. ``tables.py`` describes the newest schema; a
test checks that a freshly migrated database matches it.
"""

from __future__ import annotations

from collections.abc import Callable

from app.sqlite import sqlite3
from app.storage import migration_v11

Step = Callable[[sqlite3.Connection], None]


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one (``executescript`` would commit the open transaction)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE preset (
            id INTEGER NOT NULL PRIMARY KEY, name VARCHAR NOT NULL UNIQUE,
            desired_retention FLOAT NOT NULL, learning_steps VARCHAR NOT NULL,
            relearning_steps VARCHAR NOT NULL, new_per_day INTEGER NOT NULL,
            reviews_per_day INTEGER NOT NULL, maximum_interval INTEGER NOT NULL,
            parameters VARCHAR, fuzz BOOLEAN NOT NULL);
        CREATE TABLE setting ("key" VARCHAR NOT NULL PRIMARY KEY, value VARCHAR NOT NULL);
        CREATE TABLE media (
            sha256 VARCHAR NOT NULL PRIMARY KEY, name VARCHAR NOT NULL, size INTEGER NOT NULL);
        CREATE TABLE deck (
            id INTEGER NOT NULL PRIMARY KEY, uid VARCHAR NOT NULL UNIQUE, name VARCHAR NOT NULL,
            description VARCHAR NOT NULL, source VARCHAR,
            preset_id INTEGER NOT NULL REFERENCES preset (id), position INTEGER NOT NULL,
            origin VARCHAR NOT NULL);
        CREATE TABLE note (
            id INTEGER NOT NULL PRIMARY KEY, uid VARCHAR NOT NULL UNIQUE,
            deck_id INTEGER NOT NULL REFERENCES deck (id), kind INTEGER NOT NULL,
            prompt_md VARCHAR NOT NULL, front_md VARCHAR NOT NULL, answer_md VARCHAR NOT NULL,
            source VARCHAR, verified VARCHAR, origin VARCHAR NOT NULL, position INTEGER NOT NULL,
            content_hash VARCHAR NOT NULL, retired BOOLEAN NOT NULL, mtime INTEGER NOT NULL);
        CREATE INDEX ix_note_deck_id ON note (deck_id);
        CREATE TABLE note_tag (
            note_id INTEGER NOT NULL REFERENCES note (id), tag VARCHAR NOT NULL,
            PRIMARY KEY (note_id, tag));
        CREATE INDEX ix_note_tag_tag ON note_tag (tag);
        CREATE TABLE card (
            id INTEGER NOT NULL PRIMARY KEY, note_id INTEGER NOT NULL REFERENCES note (id),
            ord INTEGER NOT NULL, state INTEGER NOT NULL, step INTEGER, stability FLOAT,
            difficulty FLOAT, due INTEGER, last_review INTEGER, reps INTEGER NOT NULL,
            lapses INTEGER NOT NULL, suspended BOOLEAN NOT NULL, buried_until INTEGER,
            flag INTEGER NOT NULL, UNIQUE (note_id, ord));
        CREATE INDEX ix_card_queue ON card (state, due);
        CREATE TABLE review_log (
            id VARCHAR NOT NULL PRIMARY KEY, card_id INTEGER NOT NULL REFERENCES card (id),
            rating INTEGER NOT NULL, reviewed_at INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
            state_before INTEGER NOT NULL, step_before INTEGER, stability_before FLOAT,
            difficulty_before FLOAT, due_before INTEGER, last_review_before INTEGER,
            reps_before INTEGER NOT NULL, lapses_before INTEGER NOT NULL,
            state_after INTEGER NOT NULL, step_after INTEGER, stability_after FLOAT,
            difficulty_after FLOAT, due_after INTEGER);
        CREATE INDEX ix_review_log_reviewed_at ON review_log (reviewed_at);
        CREATE INDEX ix_review_log_card_id ON review_log (card_id);
        INSERT INTO preset (id, name, desired_retention, learning_steps, relearning_steps,
            new_per_day, reviews_per_day, maximum_interval, parameters, fuzz)
            VALUES (1, 'Default', 0.9, '[60, 600]', '[600]', 20, 200, 36500, NULL, 1);
        """,
    )


def _v2(db: sqlite3.Connection) -> None:
    """Note types (fields and card templates) for notes imported from Anki and text files."""
    _script(
        db,
        """
        CREATE TABLE notetype (
            id INTEGER NOT NULL PRIMARY KEY, uid VARCHAR NOT NULL UNIQUE, name VARCHAR NOT NULL,
            cloze BOOLEAN NOT NULL, fields VARCHAR NOT NULL, templates VARCHAR NOT NULL,
            css VARCHAR NOT NULL);
        ALTER TABLE note ADD COLUMN notetype_id INTEGER REFERENCES notetype (id);
        ALTER TABLE note ADD COLUMN fields VARCHAR;
        """,
    )


def _v3(db: sqlite3.Connection) -> None:
    """Statistics kept up to date from the review log; early ("cram") reviews marked."""
    _script(
        db,
        """
        ALTER TABLE review_log ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE review_day_stats (
            group_key VARCHAR NOT NULL, day INTEGER NOT NULL, reviews INTEGER NOT NULL,
            again INTEGER NOT NULL, hard INTEGER NOT NULL, good INTEGER NOT NULL,
            easy INTEGER NOT NULL, young_pass INTEGER NOT NULL, young_fail INTEGER NOT NULL,
            mature_pass INTEGER NOT NULL, mature_fail INTEGER NOT NULL,
            PRIMARY KEY (group_key, day));
        CREATE TABLE calibration_stats (
            group_key VARCHAR NOT NULL, bin INTEGER NOT NULL, count INTEGER NOT NULL,
            passes INTEGER NOT NULL, predicted FLOAT NOT NULL,
            PRIMARY KEY (group_key, bin));
        """,
    )


def _v4(db: sqlite3.Connection) -> None:
    """Practice-exam attempts (their answers are also in the review log, ``kind`` 2)."""
    _script(
        db,
        """
        CREATE TABLE exam_attempt (
            id INTEGER NOT NULL PRIMARY KEY, started_at INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            seed INTEGER NOT NULL, questions INTEGER NOT NULL, right_count INTEGER NOT NULL,
            score INTEGER NOT NULL, passed BOOLEAN NOT NULL, elapsed_s INTEGER NOT NULL,
            time_limit_min INTEGER NOT NULL, predicted_share FLOAT, detail VARCHAR NOT NULL);
        CREATE INDEX ix_exam_attempt_finished_at ON exam_attempt (finished_at);
        """,
    )


def _v5(db: sqlite3.Connection) -> None:
    """Case studies and typed answers: a question's case, a typed answer's string."""
    _script(
        db,
        """
        ALTER TABLE note ADD COLUMN case_uid VARCHAR;
        ALTER TABLE note ADD COLUMN expected VARCHAR;
        ALTER TABLE note ADD COLUMN exact BOOLEAN NOT NULL DEFAULT 0;
        """,
    )


def _v6(db: sqlite3.Connection) -> None:
    """Deck options: leeches, sibling burying, new-card order; "today only" deck limits."""
    _script(
        db,
        """
        ALTER TABLE preset ADD COLUMN leech_threshold INTEGER NOT NULL DEFAULT 8;
        ALTER TABLE preset ADD COLUMN leech_action INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE preset ADD COLUMN bury_new BOOLEAN NOT NULL DEFAULT 1;
        ALTER TABLE preset ADD COLUMN bury_reviews BOOLEAN NOT NULL DEFAULT 1;
        ALTER TABLE preset ADD COLUMN new_order INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE deck ADD COLUMN today_day INTEGER;
        ALTER TABLE deck ADD COLUMN today_new INTEGER;
        ALTER TABLE deck ADD COLUMN today_reviews INTEGER;
        """,
    )


def _v7(db: sqlite3.Connection) -> None:
    """When each card was added (for ``added:N`` searches); older cards get their note's
    last change, the nearest time known. Indexes for searches: retired notes (left out
    without reading every note), note types, and covering ones for tags, answers and the
    scheduling columns (``is:due``, ``prop:`` read the index, not the cards)."""
    _script(
        db,
        """
        ALTER TABLE card ADD COLUMN created INTEGER;
        UPDATE card SET created = (SELECT mtime FROM note WHERE note.id = card.note_id);
        CREATE INDEX ix_note_retired ON note (id) WHERE retired = 1;
        CREATE INDEX ix_note_notetype ON note (notetype_id, kind);
        CREATE INDEX ix_note_tag_notes ON note_tag (tag, note_id);
        CREATE INDEX ix_review_log_answered ON review_log (reviewed_at, card_id);
        CREATE INDEX ix_card_schedule ON card
            (state, due, suspended, buried_until, last_review, stability);
        """,
    )


def _v8(db: sqlite3.Connection) -> None:
    """Review-log rows from Anki keep Anki's interval, last interval and factor."""
    _script(
        db,
        """
        ALTER TABLE review_log ADD COLUMN anki_ivl INTEGER;
        ALTER TABLE review_log ADD COLUMN anki_last_ivl INTEGER;
        ALTER TABLE review_log ADD COLUMN anki_factor INTEGER;
        """,
    )


def _v9(db: sqlite3.Connection) -> None:
    """Editing: note creation times, an edit history, deletions (for sync), learners'
    edits of deck-file notes beside the upstream text, and what each import did."""
    _script(
        db,
        """
        ALTER TABLE note ADD COLUMN created INTEGER NOT NULL DEFAULT 0;
        UPDATE note SET created = mtime;
        CREATE TABLE deletion (
            kind VARCHAR NOT NULL, "key" VARCHAR NOT NULL, deleted_at INTEGER NOT NULL,
            PRIMARY KEY (kind, "key"));
        CREATE TABLE note_edit (
            id INTEGER NOT NULL PRIMARY KEY, note_id INTEGER NOT NULL, edited_at INTEGER NOT NULL,
            before VARCHAR NOT NULL, after VARCHAR NOT NULL);
        CREATE INDEX ix_note_edit_note_id ON note_edit (note_id);
        CREATE TABLE note_local (
            note_id INTEGER NOT NULL PRIMARY KEY REFERENCES note (id),
            upstream VARCHAR NOT NULL, upstream_hash VARCHAR NOT NULL,
            changed_upstream BOOLEAN NOT NULL);
        CREATE TABLE import_run (
            id INTEGER NOT NULL PRIMARY KEY, started_at INTEGER NOT NULL, source VARCHAR NOT NULL,
            detail VARCHAR NOT NULL, undone BOOLEAN NOT NULL);
        """,
    )


def _v10(db: sqlite3.Connection) -> None:
    """Sync through a shared folder: merged values and stamps, files read, undone answers,
    answers of deleted cards and replaced note versions (deletions are in ``deletion``)."""
    _script(
        db,
        """
        CREATE TABLE sync_register (
            kind VARCHAR NOT NULL, "key" VARCHAR NOT NULL, "values" VARCHAR NOT NULL,
            stamps VARCHAR NOT NULL, PRIMARY KEY (kind, "key"));
        CREATE TABLE sync_file (
            device VARCHAR NOT NULL, name VARCHAR NOT NULL, lines INTEGER NOT NULL,
            PRIMARY KEY (device, name));
        CREATE TABLE sync_tombstone (
            id VARCHAR NOT NULL PRIMARY KEY, note_uid VARCHAR NOT NULL, ord INTEGER NOT NULL,
            reviewed_at INTEGER NOT NULL, "before" VARCHAR NOT NULL, sent BOOLEAN NOT NULL);
        CREATE TABLE sync_orphan_review (
            id VARCHAR NOT NULL PRIMARY KEY, note_uid VARCHAR NOT NULL, ord INTEGER NOT NULL,
            data VARCHAR NOT NULL, sent BOOLEAN NOT NULL);
        CREATE INDEX ix_sync_orphan_review_note_uid ON sync_orphan_review (note_uid);
        CREATE TABLE sync_review_seen (id VARCHAR NOT NULL PRIMARY KEY);
        CREATE TABLE note_history (
            id INTEGER NOT NULL PRIMARY KEY, note_uid VARCHAR NOT NULL, field VARCHAR NOT NULL,
            value VARCHAR NOT NULL, stamp VARCHAR NOT NULL, kept_at INTEGER NOT NULL,
            reason VARCHAR NOT NULL);
        CREATE INDEX ix_note_history_note_uid ON note_history (note_uid);
        """,
    )


def _v11(db: sqlite3.Connection) -> None:
    """A smaller file: 16-byte review-log ids under an integer row key, note tags by their
    key, no index that another one starts with (see ``migration_v11``)."""
    migration_v11.step(db, _script)


def _v12(db: sqlite3.Connection) -> None:
    """Today's counts and searches by deck or note type from indexes alone: the card
    schedule index ends with the card's note, a note index keyed by id holds the note's
    deck, retirement and type (the note rows carry the text and stay unread), and the
    answers' time index holds each answer's rating (``rated:``)."""
    _script(
        db,
        """
        DROP INDEX IF EXISTS ix_card_schedule;
        CREATE INDEX ix_card_schedule ON card
            (state, due, suspended, buried_until, last_review, stability, note_id);
        CREATE INDEX ix_note_card ON note (id, deck_id, retired, notetype_id, kind);
        DROP INDEX IF EXISTS ix_review_log_answered;
        CREATE INDEX ix_review_log_answered ON review_log (reviewed_at, card_id, rating);
        """,
    )


def _v13(db: sqlite3.Connection) -> None:
    """Flagged and suspended cards listed by partial indexes (few cards are either), so
    ``flag:N`` and ``is:suspended`` read those cards instead of every card."""
    _script(
        db,
        """
        CREATE INDEX ix_card_flagged ON card (flag) WHERE flag > 0;
        CREATE INDEX ix_card_suspended ON card (suspended) WHERE suspended = 1;
        """,
    )


STEPS: tuple[Step, ...] = (_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11, _v12, _v13)
LATEST = len(STEPS)


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: sqlite3.Connection) -> int:
    """Run every step above the database's version, each in its own transaction.

    Returns the version the database had before.
    """
    start = schema_version(db)
    if start > LATEST:
        raise NewerSchemaError(start)
    for version in range(start + 1, LATEST + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            STEPS[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return start


class NewerSchemaError(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(
            f"this collection was written by a newer Cirrus (schema {version}; this version "
            f"reads up to {LATEST}); update Cirrus to open it"
        )
