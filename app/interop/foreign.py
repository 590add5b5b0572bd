"""Notes from other apps, before they enter the collection.

Anki packages and Anki-style text files carry note types (fields + card templates);
their notes keep their fields and are rendered through the templates. Importers build a
:class:`ForeignBatch`; ``app/storage/foreign_import.py`` writes it in one transaction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Template:
    name: str
    qfmt: str
    """Question template, e.g. ``{{Front}}``."""
    afmt: str
    """Answer template, e.g. ``{{FrontSide}}<hr id=answer>{{Back}}``."""


@dataclass(frozen=True)
class ForeignNotetype:
    key: str
    """Stable identity within its source (an Anki note type id, or a name for text files)."""
    name: str
    fields: tuple[str, ...]
    templates: tuple[Template, ...]
    cloze: bool = False
    css: str = ""


@dataclass(frozen=True, slots=True)
class ForeignCard:
    """Scheduling of one card, when the source has it (times are UTC epoch ms)."""

    ord: int
    deck: str
    state: int = 0
    """0 new, 1 learning, 2 review, 3 relearning (the app's CardState values)."""
    due_ms: int | None = None
    last_review_ms: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    buried: bool = False
    flag: int = 0
    new_position: int | None = None
    created_ms: int | None = None
    """When the card was added in its source (Anki's card id is that time)."""
    filtered_deck: str | None = None
    """The Anki filtered deck the card sits in (``deck`` is its home deck)."""


@dataclass(frozen=True, slots=True)
class ForeignReview:
    guid: str
    ord: int
    reviewed_at_ms: int
    rating: int
    duration_ms: int = 0
    state_before: int = 0
    source_id: str = ""
    """Identity in the source (e.g. the Anki revlog id), so a re-import adds it once."""
    kind: int = 0
    """A :class:`~app.core.models.ReviewKind`; manual and rescheduled rows have rating 0."""
    ivl: int | None = None
    """Anki's interval after the answer (days; negative: seconds), when known."""
    last_ivl: int | None = None
    factor: int | None = None
    """Anki's ease factor (permille), or its FSRS difficulty as Anki logs it."""


ReviewTuple = tuple[str, int, int, int, int, int, str, int, int | None, int | None, int | None]
"""A :class:`ForeignReview`'s values, in its fields' order."""


class StoredReviews(ABC):
    """Reviews read from their source when asked (a history can hold millions)."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def rows(self) -> Iterator[ReviewTuple]: ...

    def __iter__(self) -> Iterator[ForeignReview]:
        return (ForeignReview(*row) for row in self.rows())


def review_rows(reviews: Iterable[ForeignReview] | StoredReviews) -> Iterator[ReviewTuple]:
    """The reviews' values as tuples, without making an object per review when stored."""
    if isinstance(reviews, StoredReviews):
        return reviews.rows()
    return (
        (
            r.guid,
            r.ord,
            r.reviewed_at_ms,
            r.rating,
            r.duration_ms,
            r.state_before,
            r.source_id,
            r.kind,
            r.ivl,
            r.last_ivl,
            r.factor,
        )
        for r in reviews
    )


@dataclass(frozen=True, slots=True)
class ForeignNote:
    guid: str
    """Identity across imports (an Anki guid, or a hash of the first field)."""
    notetype: str
    """Key of the note's :class:`ForeignNotetype`."""
    fields: tuple[str, ...]
    tags: tuple[str, ...] = ()
    deck: str = "Default"
    cards: tuple[ForeignCard, ...] = ()
    """Empty: make new cards from the note type's templates."""
    modified_ms: int | None = None
    """When the note was last changed in its source (None: unknown)."""


@dataclass(frozen=True)
class ForeignFilteredDeck:
    """An Anki filtered deck: whether it reschedules, and its searches."""

    name: str
    reschedule: bool = True
    terms: tuple[tuple[str, int, int], ...] = ()
    """(search, limit, order) as Anki's ``terms``."""


@dataclass(frozen=True)
class ForeignPreset:
    anki_id: int
    name: str
    new_per_day: int = 20
    reviews_per_day: int = 200
    learning_steps: tuple[int, ...] = (60, 600)
    relearning_steps: tuple[int, ...] = (600,)
    desired_retention: float = 0.9
    maximum_interval: int = 36500
    leech_threshold: int = 8
    leech_suspend: bool = False
    bury_new: bool = False
    bury_reviews: bool = False
    parameters: tuple[float, ...] | None = None


@dataclass
class ForeignBatch:
    format: str
    notetypes: dict[str, ForeignNotetype] = field(default_factory=dict)
    notes: list[ForeignNote] = field(default_factory=list)
    reviews: list[ForeignReview] | StoredReviews = field(default_factory=list)
    media: dict[str, Path] = field(default_factory=dict)
    """Media file name as used in fields -> extracted file."""
    deck_descriptions: dict[str, str] = field(default_factory=dict)
    presets: dict[int, ForeignPreset] = field(default_factory=dict)
    """Anki deck-options presets by their Anki id."""
    deck_presets: dict[str, int] = field(default_factory=dict)
    """Deck name -> the Anki preset id it uses."""
    warnings: list[str] = field(default_factory=list)
    skipped: int = 0
    filtered_decks: dict[str, ForeignFilteredDeck] = field(default_factory=dict)
    """Anki filtered decks by name, for the cards that sit in one."""
    text_choices: dict[str, str] = field(default_factory=dict)
    """Text files: what Anki's ``#if matches:`` / ``#match scope:`` headers chose
    (``duplicates``: update, keep or duplicate; ``match_scope``: notetype or deck)."""
    tags_column: bool = False
    """Text files: the rows have a tags column (an update replaces a note's tags with the
    row's; without one it keeps them and adds the file's ``#tags:``)."""
    notetype_ids: dict[str, int] = field(default_factory=dict)
    """Note type key -> a note type already in the collection the notes go into as they
    are (text files: the note type of that name, as in Anki)."""


BASIC = ForeignNotetype(
    key="basic",
    name="Basic",
    fields=("Front", "Back"),
    templates=(Template("Card 1", "{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}"),),
)
