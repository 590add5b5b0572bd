"""A batch's notes left in their source until something reads them.

An Anki package's notes can be copied into the collection by SQL straight from its
database (``app/storage/import_notes_sql.py``), without one Python object per note. The
batch still offers them as a list of :class:`ForeignNote`: the first time anything
reads it (a preview, a re-import comparing notes), the list is filled from the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, SupportsIndex

from app.interop.foreign import ForeignBatch, ForeignNote


class StoredNotes(list[ForeignNote]):
    """A list of notes read by ``load`` on first use; ``len`` is known before."""

    def __init__(self, count: int, load: Callable[[], list[ForeignNote]], source: Any) -> None:
        super().__init__()
        self._count = count
        self._load: Callable[[], list[ForeignNote]] | None = load
        self.source = source
        """What the notes are copied from without reading them (see the module)."""

    @property
    def loaded(self) -> bool:
        return self._load is None

    def _fill(self) -> None:
        if self._load is not None:
            load, self._load = self._load, None
            super().extend(load())

    def __len__(self) -> int:
        return self._count if self._load is not None else super().__len__()

    def __iter__(self) -> Iterator[ForeignNote]:
        self._fill()
        return super().__iter__()

    def __reversed__(self) -> Iterator[ForeignNote]:
        self._fill()
        return super().__reversed__()

    def __getitem__(self, index: Any) -> Any:
        self._fill()
        return super().__getitem__(index)

    def __contains__(self, item: object) -> bool:
        self._fill()
        return super().__contains__(item)

    def __eq__(self, other: object) -> bool:
        self._fill()
        return super().__eq__(other)

    __hash__ = None

    def __repr__(self) -> str:
        self._fill()
        return super().__repr__()

    def copy(self) -> list[ForeignNote]:
        self._fill()
        return list(super().__iter__())

    def index(self, value: ForeignNote, *args: SupportsIndex) -> int:
        self._fill()
        return super().index(value, *args)

    def count(self, value: ForeignNote) -> int:
        self._fill()
        return super().count(value)


def _filling(name: str) -> Callable[..., Any]:
    method = getattr(list, name)

    def wrapper(self: StoredNotes, *args: Any, **kwargs: Any) -> Any:
        self._fill()
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    return wrapper


for _name in (
    "append",
    "extend",
    "insert",
    "pop",
    "remove",
    "sort",
    "reverse",
    "clear",
    "__setitem__",
    "__delitem__",
    "__iadd__",
    "__add__",
    "__mul__",
    "__imul__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
):
    setattr(StoredNotes, _name, _filling(_name))


def unread(batch: ForeignBatch) -> StoredNotes | None:
    """The batch's notes when they are still in their source (not read yet)."""
    notes = batch.notes
    return notes if isinstance(notes, StoredNotes) and not notes.loaded else None


def has_filtered_cards(batch: ForeignBatch) -> bool:
    """Whether a card of the batch sits in an Anki filtered deck."""
    notes = unread(batch)
    if notes is not None and hasattr(notes.source, "filtered"):
        return bool(notes.source.filtered)
    return any(c.filtered_deck for n in batch.notes for c in n.cards)
