"""What an import does with what the collection already holds (Anki's import options).

Text files: Anki's duplicate handling (``DupeResolution``) and match scope
(``MatchScope``), with Anki's defaults (update, within the note type). Whole-collection
packages (``.colpkg``): replace the collection (Anki's default) or merge into it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Duplicates(StrEnum):
    """A text row whose first field (or guid) matches a note already in the collection."""

    UPDATE = "update"
    """Update the existing note's fields and tags (Anki's default, "update current")."""
    KEEP = "keep"
    """Leave the existing note as it is and skip the row ("keep current")."""
    DUPLICATE = "duplicate"
    """Add the row as a new note beside the existing one ("keep both")."""


class MatchScope(StrEnum):
    NOTETYPE = "notetype"
    """First field within the note type (Anki's default)."""
    NOTETYPE_AND_DECK = "deck"
    """First field within the note type and the row's deck."""


class CollectionMode(StrEnum):
    REPLACE = "replace"
    """The collection becomes the package's contents, after a backup (Anki's default)."""
    MERGE = "merge"
    """The package's notes are added to or update the collection's (as an ``.apkg``)."""


@dataclass(frozen=True)
class ImportChoices:
    duplicates: Duplicates = Duplicates.UPDATE
    match_scope: MatchScope = MatchScope.NOTETYPE
    collection: CollectionMode = CollectionMode.REPLACE

    def with_names(self, names: Mapping[str, str | None]) -> ImportChoices:
        """These choices with some replaced by value (``duplicates``, ``match_scope``,
        ``collection``); None or a missing name keeps the choice."""
        return ImportChoices(
            Duplicates(names.get("duplicates") or self.duplicates),
            MatchScope(names.get("match_scope") or self.match_scope),
            CollectionMode(names.get("collection") or self.collection),
        )


DUPLICATE_LABELS = {
    Duplicates.UPDATE: "Update the existing note",
    Duplicates.KEEP: "Keep the existing note (skip the row)",
    Duplicates.DUPLICATE: "Import as a new note (keep both)",
}
SCOPE_LABELS = {
    MatchScope.NOTETYPE: "First field within the note type",
    MatchScope.NOTETYPE_AND_DECK: "First field within the note type and deck",
}
COLLECTION_LABELS = {
    CollectionMode.REPLACE: "Replace my collection (a backup is taken first)",
    CollectionMode.MERGE: "Merge into my collection",
}
