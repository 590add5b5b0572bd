"""The Collection's rooms: each capability behind the one door, in its own module,
imported the first time it is used rather than with the collection. A start to the
first card never uses editing, statistics, exams or deck options, so it does not load
them (nor the sync engine); the bundled-deck check and the card's marks load the
import and card-action rooms."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from app.storage.card_actions import CardActions
    from app.storage.collection import Collection
    from app.storage.custom_study import CustomStudy
    from app.storage.deck_options import DeckOptions
    from app.storage.editing import Editing
    from app.storage.exams import Exams
    from app.storage.import_room import Imports
    from app.storage.note_room import Notes
    from app.storage.search_room import Searching
    from app.storage.statistics_room import Statistics


class Rooms:
    """Mixed into :class:`~app.storage.collection.Collection`; each room gets the
    collection itself."""

    def _door(self) -> Collection:
        return cast("Collection", self)

    @cached_property
    def deck_options(self) -> DeckOptions:
        """Presets, which deck uses which, "today only" limits, leeches."""
        from app.storage.deck_options import DeckOptions

        return DeckOptions(self._door())

    @property
    def custom_study(self) -> CustomStudy:
        """Today's summary of a deck and custom study sessions."""
        from app.storage.custom_study import CustomStudy

        return CustomStudy(self._door())

    @cached_property
    def exams(self) -> Exams:
        """Practice exams, the predicted score and exam mode."""
        from app.storage.exams import Exams

        return Exams(self._door())

    @cached_property
    def editing(self) -> Editing:
        """Browse, add, edit and delete notes, cards and decks (undoable)."""
        from app.storage.editing import Editing

        return Editing(self._door())

    @cached_property
    def card_actions(self) -> CardActions:
        """Bury, suspend, flag, mark and delete notes (undone by ``undo`` too)."""
        from app.storage.card_actions import CardActions

        return CardActions(self._door())

    @property
    def searching(self) -> Searching:
        from app.storage.search_room import Searching

        return Searching(self._door())

    @property
    def statistics(self) -> Statistics:
        from app.storage.statistics_room import Statistics

        return Statistics(self._door())

    @property
    def notes(self) -> Notes:
        from app.storage.note_room import Notes

        return Notes(self._door())

    def _imports(self) -> Imports:
        from app.storage.import_room import Imports

        return Imports(self._door())
