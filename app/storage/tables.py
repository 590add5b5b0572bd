"""All SQLModel tables in one module. Times are integers: UTC epoch milliseconds."""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class PresetRow(SQLModel, table=True):
    __tablename__ = "preset"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    desired_retention: float = 0.9
    learning_steps: str = "[60, 600]"
    """JSON list of seconds."""
    relearning_steps: str = "[600]"
    new_per_day: int = 20
    reviews_per_day: int = 200
    maximum_interval: int = 36500
    parameters: str | None = None
    """JSON list of 21 FSRS parameters; None means the defaults."""
    fuzz: bool = True
    leech_threshold: int = 8
    """Lapses that make a card a leech."""
    leech_action: int = 0
    """0: tag it ``leech``; 1: tag and suspend it."""
    bury_new: bool = True
    bury_reviews: bool = True
    new_order: int = 0
    """0: deck order (position); 1: random."""


class NotetypeRow(SQLModel, table=True):
    """Fields and card templates of notes imported from Anki or text files."""

    __tablename__ = "notetype"
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(unique=True)
    name: str
    cloze: bool = False
    fields: str = "[]"
    """JSON list of field names."""
    templates: str = "[]"
    """JSON list of [name, question template, answer template]."""
    css: str = ""


class DeckRow(SQLModel, table=True):
    __tablename__ = "deck"
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(unique=True)
    name: str
    description: str = ""
    source: str | None = None
    preset_id: int = Field(default=1, foreign_key="preset.id")
    position: int = 0
    origin: str = ""
    today_day: int | None = None
    """The study day (its start, epoch ms) the "today only" limits below are for."""
    today_new: int | None = None
    today_reviews: int | None = None


class NoteRow(SQLModel, table=True):
    __tablename__ = "note"
    __table_args__ = (
        Index("ix_note_retired", "id", sqlite_where=text("retired = 1")),
        Index("ix_note_notetype", "notetype_id", "kind"),
        Index("ix_note_card", "id", "deck_id", "retired", "notetype_id", "kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(unique=True)
    deck_id: int = Field(foreign_key="deck.id", index=True)
    kind: int = 0
    prompt_md: str = ""
    front_md: str = ""
    answer_md: str = ""
    source: str | None = None
    verified: str | None = None
    origin: str = ""
    position: int = 0
    content_hash: str = ""
    retired: bool = False
    mtime: int = 0
    notetype_id: int | None = Field(default=None, foreign_key="notetype.id")
    fields: str | None = None
    """JSON list of field values (HTML) for notes with a note type."""
    case_uid: str | None = None
    """The note uid of the case study this question belongs to."""
    expected: str | None = None
    """Typed answers: the string to type."""
    exact: bool = False
    """Typed answers: compare case and surrounding spaces too."""
    created: int = 0


class NoteTagRow(SQLModel, table=True):
    __tablename__ = "note_tag"
    __table_args__ = (Index("ix_note_tag_notes", "tag", "note_id"), {"sqlite_with_rowid": False})
    note_id: int = Field(foreign_key="note.id", primary_key=True)
    tag: str = Field(primary_key=True)


class CardRow(SQLModel, table=True):
    __tablename__ = "card"
    __table_args__ = (
        UniqueConstraint("note_id", "ord"),
        Index(
            "ix_card_schedule",
            "state",
            "due",
            "suspended",
            "buried_until",
            "last_review",
            "stability",
            "note_id",
        ),
        Index("ix_card_flagged", "flag", sqlite_where=text("flag > 0")),
        Index("ix_card_suspended", "suspended", sqlite_where=text("suspended = 1")),
    )
    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="note.id")
    ord: int = 0
    state: int = 0
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: int | None = None
    last_review: int | None = None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    buried_until: int | None = None
    flag: int = 0
    created: int | None = None
    """When the card was added (in Anki, for imported cards)."""


class ReviewLogRow(SQLModel, table=True):
    """Append-only; ``id`` is a UUID so logs from several machines can be merged (16 bytes;
    ``app.storage.log_ids`` converts), ``seq`` the order rows were written (never reused)."""

    __tablename__ = "review_log"
    __table_args__ = (
        Index("ix_review_log_id", "id", unique=True),
        Index("ix_review_log_answered", "reviewed_at", "card_id", "rating"),
        {"sqlite_autoincrement": True},
    )
    seq: int | None = Field(default=None, primary_key=True)
    id: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    card_id: int = Field(foreign_key="card.id", index=True)
    rating: int
    reviewed_at: int
    duration_ms: int = 0
    state_before: int
    step_before: int | None = None
    stability_before: float | None = None
    difficulty_before: float | None = None
    due_before: int | None = None
    last_review_before: int | None = None
    reps_before: int = 0
    lapses_before: int = 0
    state_after: int
    step_after: int | None = None
    stability_after: float | None = None
    difficulty_after: float | None = None
    due_after: int | None = None
    kind: int = 0
    """A :class:`~app.core.models.ReviewKind` (0 a scheduled answer, 1 early, 2 practice,
    3 Anki filtered, 4 manual, 5 Anki rescheduling)."""
    anki_ivl: int | None = None
    """Anki's ``ivl`` (days; negative: seconds) for rows that came from Anki."""
    anki_last_ivl: int | None = None
    anki_factor: int | None = None


class ReviewDayStatsRow(SQLModel, table=True):
    """Per group ("all", "deck:<id>", "tag:<tag>") and study day: answers by rating and the
    true-retention counts (reviews of cards in the review state, young < 21 days)."""

    __tablename__ = "review_day_stats"
    group_key: str = Field(primary_key=True)
    day: int = Field(primary_key=True)
    reviews: int = 0
    again: int = 0
    hard: int = 0
    good: int = 0
    easy: int = 0
    young_pass: int = 0
    young_fail: int = 0
    mature_pass: int = 0
    mature_fail: int = 0


class CalibrationStatsRow(SQLModel, table=True):
    """Per group and bin of predicted recall (tenths): reviews, passes, summed prediction."""

    __tablename__ = "calibration_stats"
    group_key: str = Field(primary_key=True)
    bin: int = Field(primary_key=True)
    count: int = 0
    passes: int = 0
    predicted: float = 0.0


class MediaRow(SQLModel, table=True):
    __tablename__ = "media"
    sha256: str = Field(primary_key=True)
    name: str
    size: int


class SettingRow(SQLModel, table=True):
    __tablename__ = "setting"
    key: str = Field(primary_key=True)
    value: str
    """JSON text."""


class ExamAttemptRow(SQLModel, table=True):
    """One finished practice exam; ``detail`` is JSON (per domain, per service, answers)."""

    __tablename__ = "exam_attempt"
    id: int | None = Field(default=None, primary_key=True)
    started_at: int
    finished_at: int = Field(index=True)
    seed: int
    questions: int
    right_count: int
    score: int
    passed: bool
    elapsed_s: int
    time_limit_min: int
    predicted_share: float | None = None
    detail: str = "{}"


class DeletionRow(SQLModel, table=True):
    """What was deleted (``kind`` note, card or deck; ``key`` its uid or id) and when."""

    __tablename__ = "deletion"
    kind: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    deleted_at: int


class NoteEditRow(SQLModel, table=True):
    """A note's content before and after a learner's edit (JSON)."""

    __tablename__ = "note_edit"
    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(index=True)
    edited_at: int
    before: str
    after: str


class NoteLocalRow(SQLModel, table=True):
    """A deck-file note the learner edited: the upstream text it was edited from (JSON)
    and whether the deck file has changed it since."""

    __tablename__ = "note_local"
    note_id: int = Field(foreign_key="note.id", primary_key=True)
    upstream: str
    upstream_hash: str
    changed_upstream: bool = False


class ImportRunRow(SQLModel, table=True):
    """One import: what it added and what it updated (JSON), so it can be undone."""

    __tablename__ = "import_run"
    id: int | None = Field(default=None, primary_key=True)
    started_at: int
    source: str
    detail: str
    undone: bool = False


class SyncRegisterRow(SQLModel, table=True):
    """Sync: the merged value and the winning stamp of each field of one synced thing
    (``kind`` note, card, deck, preset, notetype or setting)."""

    __tablename__ = "sync_register"
    kind: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    values: str = "{}"
    stamps: str = "{}"


class SyncFileRow(SQLModel, table=True):
    """Sync: how many complete lines of a journal file have been merged."""

    __tablename__ = "sync_file"
    device: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    lines: int = 0


class SyncTombstoneRow(SQLModel, table=True):
    """Sync: an answer that was undone (on any device); ``before`` is its JSON before-state."""

    __tablename__ = "sync_tombstone"
    id: str = Field(primary_key=True)
    note_uid: str
    ord: int
    reviewed_at: int
    before: str
    sent: bool = False


class SyncOrphanReviewRow(SQLModel, table=True):
    """Sync: answers of cards that are deleted here, kept in case the note comes back."""

    __tablename__ = "sync_orphan_review"
    id: str = Field(primary_key=True)
    note_uid: str = Field(index=True)
    ord: int
    data: str
    sent: bool = False


class SyncReviewSeenRow(SQLModel, table=True):
    """Sync: review-log ids already in the journal (sent from here or merged in)."""

    __tablename__ = "sync_review_seen"
    id: str = Field(primary_key=True)


class NoteHistoryRow(SQLModel, table=True):
    """A note field's value replaced by a sync merge (the losing side of a conflict)."""

    __tablename__ = "note_history"
    id: int | None = Field(default=None, primary_key=True)
    note_uid: str = Field(index=True)
    field: str
    value: str
    stamp: str
    kept_at: int
    reason: str
