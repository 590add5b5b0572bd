"""Domain dataclasses shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum


class NoteKind(IntEnum):
    BASIC = 0
    REVERSED = 1
    CLOZE = 2
    CHOICE = 3
    TEMPLATE = 4
    """Fields rendered through a note type's card templates (Anki, text files)."""
    INPUT = 5
    """A typed answer: the learner types the expected string."""
    CASE = 6
    """A case study's scenario: shown above its questions, never studied alone."""


class CardState(IntEnum):
    """The learning state of a card; 1-3 are FSRS's own values."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


class ReviewKind(IntEnum):
    """What a review-log row records. True retention and calibration count only
    ``SCHEDULED``; ``MANUAL`` and ``RESCHEDULED`` rows carry no answer (rating 0)."""

    SCHEDULED = 0
    EARLY = 1
    """A "study weakest" review ahead of time."""
    PRACTICE = 2
    """A practice-exam answer."""
    FILTERED = 3
    """An answer in an Anki filtered deck that did not reschedule (Anki revlog type 3)."""
    MANUAL = 4
    """A due date set or a card forgotten by hand (Anki revlog type 4)."""
    RESCHEDULED = 5
    """A due date moved by Anki's FSRS rescheduling (Anki revlog type 5)."""


ANKI_REVLOG_KIND = {
    3: ReviewKind.FILTERED,
    4: ReviewKind.MANUAL,
    5: ReviewKind.RESCHEDULED,
}
"""Anki revlog ``type`` -> the review kind it is kept as (0-2 are scheduled answers)."""


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


@dataclass(frozen=True)
class NoteSpec:
    """One card entry of a deck file, as written by its author."""

    prompt: str
    """The heading text (Markdown, one line)."""
    front: str
    """Prompt content between the heading and ``???`` ("" when there is no ``???``)."""
    answer: str
    """The answer: what follows ``???``, or the whole body without it."""
    kind: NoteKind = NoteKind.BASIC
    card_id: str | None = None
    tags: tuple[str, ...] = ()
    source: str | None = None
    verified: str | None = None
    line: int = field(default=0, compare=False)
    explicit_type: bool = False
    """True when the metadata comment names the type (written back on export)."""
    case: str | None = None
    """The card id of the case study (a ``type: case`` note in the same deck) it belongs to."""
    exact: bool = False
    """Typed answers only: compare case and surrounding spaces too."""


@dataclass(frozen=True)
class DeckFile:
    """A parsed deck file: front matter, description and notes."""

    uid: str
    name: str
    tags: tuple[str, ...] = ()
    source: str | None = None
    description: str = ""
    notes: tuple[NoteSpec, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)
    path: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Memory:
    """Scheduling state of one card."""

    state: CardState = CardState.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0


@dataclass(frozen=True)
class StudyCard:
    """Everything the study screen needs to show one card."""

    card_id: int
    note_id: int
    ord: int
    kind: NoteKind
    deck_name: str
    prompt: str
    front: str
    answer: str
    memory: Memory
    source: str | None = None
    tags: tuple[str, ...] = ()
    deck_id: int = 0
    css: str = ""
    """A note type's own style sheet (template cards only)."""
    case_prompt: str = ""
    """The heading of the case study this question belongs to ("" when none)."""
    case_text: str = ""
    """The scenario (Markdown) to show above the question ("" when none)."""
    expected: str | None = None
    """Typed answers: the string to type."""
    exact: bool = False
    """Typed answers: compare exactly instead of ignoring case and surrounding spaces."""


@dataclass(frozen=True)
class QueueCounts:
    new: int = 0
    learning: int = 0
    review: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


@dataclass(frozen=True)
class DeckSummary:
    deck_id: int
    uid: str
    name: str
    description: str
    notes: int
    cards: int
    new: int
    learning: int
    due: int
    suspended: int


@dataclass
class ImportSummary:
    format: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    retired: int = 0
    notes: int = 0
    cards: int = 0
    media: int = 0
    review_logs: int = 0
    warnings: list[str] = field(default_factory=list)
    removed: int = 0
    """Notes a whole-collection package replaced (``.colpkg``, replace mode)."""
    backup: str | None = None
    """The backup written before the collection was replaced."""

    def to_json(self) -> dict[str, object]:
        replaced = {"removed": self.removed, "backup": self.backup} if self.backup else {}
        return {
            **replaced,
            "format": self.format,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "retired": self.retired,
            "notes": self.notes,
            "cards": self.cards,
            "media": self.media,
            "review_logs": self.review_logs,
            "warnings": list(self.warnings),
        }
