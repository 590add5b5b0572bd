"""The browser's actions on the selected cards or notes: tags, deck, suspend, bury, flag,
reset, due date, delete (with the counts in the confirmation) and undo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import SIGNAL
from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.core.errors import CirrusError
from app.ui.chart_data import plural

if TYPE_CHECKING:
    from app.ui.browser.browser_window import BrowserWindow


class BulkActions:
    def __init__(self, browser: BrowserWindow) -> None:
        self.browser = browser

    def _run(self, work: Callable[[], object], message: str) -> None:
        self.browser.editor.flush()
        try:
            work()
        except CirrusError as exc:
            QMessageBox.warning(self.browser, "Browse", str(exc))
            return
        self.browser.statusBar().showMessage(message, 4000)
        self.browser.reload_sidebar()
        if self.browser.editor.note is not None:
            try:
                self.browser.editor.set_note(
                    self.browser.collection.editing.note(self.browser.editor.note.note_id)
                )
            except CirrusError:
                self.browser.editor.clear()
        self.browser.search()
        self.browser.changed.emit()

    def add_tags(self, tags: str | None = None) -> None:
        cards = self.browser.selected_card_ids()
        tags = (
            tags
            if tags is not None
            else self.browser.ask("Add tags", "Tags to add (space-separated):")
        )
        if cards and tags and tags.split():
            words = tags.split()
            self._run(
                lambda: self.browser.collection.editing.add_tags(
                    cards, words, self.browser.clock()
                ),
                f"Tagged {len(cards)} cards' notes",
            )

    def remove_tags(self, tags: str | None = None) -> None:
        cards = self.browser.selected_card_ids()
        tags = tags if tags is not None else self.browser.ask("Remove tags", "Tags to remove:")
        if cards and tags and tags.split():
            words = tags.split()
            self._run(
                lambda: self.browser.collection.editing.remove_tags(
                    cards, words, self.browser.clock()
                ),
                "Tags removed",
            )

    def change_deck(self, deck: str | None = None) -> None:
        cards = self.browser.selected_card_ids()
        if not cards:
            return
        if deck is None:
            names = [n for _, n in self.browser.collection.editing.deck_names()]
            deck, ok = QInputDialog.getItem(
                self.browser, "Change deck", "Move to deck:", names, 0, True
            )
            if not ok:
                return
        target = deck
        self._run(
            lambda: self.browser.collection.editing.change_deck(
                cards, target, self.browser.clock()
            ),
            f"Moved to {deck}",
        )

    def toggle_suspend(self) -> None:
        cards = self.browser.selected_card_ids()
        if not cards:
            return
        suspended = bool(
            self.browser.collection.editing.find_ids(
                f"is:suspended cid:{','.join(map(str, cards))}",
                False,
                "sort",
                False,
                self.browser.clock(),
            )
        )
        self._run(
            lambda: self.browser.collection.editing.suspend(cards, not suspended),
            "Unsuspended" if suspended else "Suspended",
        )

    def bury(self) -> None:
        cards = self.browser.selected_card_ids()
        if cards:
            self._run(
                lambda: self.browser.collection.editing.bury(cards, self.browser.clock()), "Buried"
            )

    def flag(self, number: int) -> None:
        cards = self.browser.selected_card_ids()
        if cards:
            self._run(lambda: self.browser.collection.editing.flag(cards, number), "Flag set")

    def reset_to_new(self) -> None:
        cards = self.browser.selected_card_ids()
        if cards and self.browser.confirm(
            "Reset to new", f"Forget the progress of {len(cards)} cards?"
        ):
            self._run(lambda: self.browser.collection.editing.reset_to_new(cards), "Reset to new")

    def reschedule(self, days: int | None = None) -> None:
        cards = self.browser.selected_card_ids()
        if not cards:
            return
        if days is None:
            answer = self.browser.ask("Set due date", "Due in how many days (0 = today)?")
            if answer is None or not answer.strip().isdigit():
                return
            days = int(answer)
        now = self.browser.clock()
        day = (now + timedelta(days=days)).date()
        due = datetime.combine(day, time(12), tzinfo=UTC)
        self._run(
            lambda: self.browser.collection.editing.reschedule(cards, due, now), f"Due on {day}"
        )

    def delete_selected(self) -> None:
        if self.browser.model.notes_mode:
            notes = self.browser.note_ids_of_rows()
            if not notes:
                return
            count_notes, count_cards = self.browser.collection.editing.counts(notes)
            text = f"Delete {plural(count_notes, 'note')} and their {plural(count_cards, 'card')}?"
            if self.browser.confirm("Delete", text + " Ctrl+Z takes it back."):
                self._run(
                    lambda: self.browser.collection.editing.delete_notes(
                        notes, self.browser.clock()
                    ),
                    f"Deleted {plural(count_notes, 'note')}",
                )
            return
        cards = self.browser.selected_ids()
        if cards and self.browser.confirm(
            "Delete",
            f"Delete {plural(len(cards), 'card')} (a note left without cards goes too)? "
            "Ctrl+Z takes it back.",
        ):
            self._run(
                lambda: self.browser.collection.editing.delete_cards(cards, self.browser.clock()),
                f"Deleted {plural(len(cards), 'card')}",
            )

    def move_deck(self, old: str, new: str) -> None:
        self._run(
            lambda: self.browser.collection.editing.rename_deck(old, new), f"Moved {old} to {new}"
        )

    def undo(self) -> None:
        col = self.browser.collection
        if not col.editing.can_undo and not col.can_undo:
            self.browser.statusBar().showMessage("Nothing to undo", 3000)
            return
        if not col.editing.is_newer_than_answer() and self.browser.receivers(
            SIGNAL("answer_undo()")
        ):
            self.browser.answer_undo.emit()  # shows the card again, as Ctrl+Z there does
            self.browser.search()
            self.browser.statusBar().showMessage("Undone: Answer", 4000)
            return
        label = ""

        def work() -> None:
            nonlocal label
            label = col.editing.undo_latest() or ""

        self._run(work, "Undone")
        self.browser.statusBar().showMessage(f"Undone: {label}", 4000)
