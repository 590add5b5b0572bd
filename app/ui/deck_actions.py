"""Deck management from the main window: new, rename (``::`` moves), delete with counts,
dragging a deck onto another in the deck list, and Undo import."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QInputDialog, QMessageBox, QTreeWidget, QWidget

from app.core.errors import CirrusError
from app.storage.collection import Collection
from app.ui.deck_browser_view import NAME_ROLE


class DeckActions(QObject):
    changed = Signal()
    """Decks were written: the deck list refreshes."""

    def __init__(
        self,
        parent: QWidget,
        collection: Collection,
        clock: Callable[[], datetime],
        current: Callable[[], str | None],
    ) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.collection = collection
        self.clock = clock
        self.current = current
        self.ask: Callable[[str, str, str], str | None] = self._ask
        self.confirm: Callable[[str, str], bool] = self._confirm
        self.report: Callable[[str, str], None] = self._report

    # -- actions ---------------------------------------------------------------------------

    def new_deck(self, name: str | None = None) -> None:
        name = name if name is not None else self.ask("New deck", "Name (use :: to nest):", "")
        if name:
            self._do(lambda: self.collection.editing.create_deck(name))

    def rename_deck(self, new: str | None = None) -> None:
        old = self.current()
        if old is None:
            return
        new = new if new is not None else self.ask("Rename deck", "New name (:: moves):", old)
        if new and new != old:
            self._do(lambda: self.collection.editing.rename_deck(old, new))

    def delete_deck(self) -> None:
        name = self.current()
        if name is None:
            return
        decks, notes, cards = self.collection.editing.deck_counts(name)
        under = f" and {decks - 1} decks under it" if decks > 1 else ""
        text = f"Delete the deck {name}{under}, with {notes} notes and {cards} cards?"
        if self.confirm("Delete deck", text + "\n\nEdit > Undo takes it back in this session."):
            self._do(lambda: self.collection.editing.delete_deck(name, self.clock()))

    def undo_import(self) -> None:
        run = self.collection.editing.last_import()
        if run is None:
            self.report("Undo import", "There is no import to undo.")
            return
        text = (
            f"Undo the import of {run.source}? This removes the {run.notes_added} notes it "
            f"added and puts back the {run.notes_updated} notes it updated."
        )
        if self.confirm("Undo import", text):
            self._do(lambda: self.collection.editing.undo_import(run.id))

    def _do(self, work: Callable[[], object]) -> None:
        try:
            work()
        except CirrusError as exc:
            self.report("Decks", str(exc))
            return
        self.changed.emit()

    # -- dragging in the deck list -----------------------------------------------------------

    def enable_drag(self, tree: QTreeWidget) -> None:
        """Let decks be dropped onto other decks (or the empty area: top level)."""
        self.tree = tree
        tree.setDragEnabled(True)
        tree.setAcceptDrops(True)
        tree.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        viewport = tree.viewport()
        assert viewport is not None
        viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Drop and isinstance(event, QDropEvent):
            dragged = self.tree.currentItem()
            target = self.tree.itemAt(event.position().toPoint())
            event.ignore()
            if dragged is not None:
                old = str(dragged.data(0, NAME_ROLE))
                parent = str(target.data(0, NAME_ROLE)) if target is not None else ""
                new = f"{parent}::{old.split('::')[-1]}" if parent else old.split("::")[-1]
                if new != old and parent != old and not parent.startswith(old + "::"):
                    self._do(lambda: self.collection.editing.rename_deck(old, new))
            return True
        return super().eventFilter(watched, event)

    # -- dialogs -----------------------------------------------------------------------------

    def _ask(self, title: str, prompt: str, value: str) -> str | None:
        text, ok = QInputDialog.getText(self.parent_widget, title, prompt, text=value)
        return text if ok else None

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.parent_widget, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _report(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent_widget, title, text)
