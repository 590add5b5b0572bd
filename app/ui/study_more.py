"""The main window's deck options, preferences and "study more" actions (custom study
from the done screen), kept apart from the window's navigation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QMessageBox

from app.core.day_summary import reasons, session_line
from app.core.errors import CirrusError
from app.ui.done_view import next_due_text

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

RAISE_NEW = 10
RAISE_REVIEWS = 50


class StudyMore:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.collection = window.collection

    # -- dialogs -----------------------------------------------------------------------

    def deck_options(self, deck: str) -> None:
        from app.ui.options.deck_options_dialog import DeckOptionsDialog

        w = self.window
        dialog = DeckOptionsDialog(self.collection, deck, w.executor, w.clock, w)
        w.options_dialog = dialog
        if dialog.exec() == DeckOptionsDialog.DialogCode.Accepted:
            w.statusBar().showMessage(f"Options saved for {deck}", 4000)
            if w.stack.currentWidget() is w.decks_view:
                w.show_decks()

    def preferences(self) -> None:
        from app.ui.options.preferences_dialog import PreferencesDialog

        w = self.window
        dialog = PreferencesDialog(self.collection, w)
        w.preferences_dialog = dialog
        dialog.changed.connect(w.preferences_changed)
        dialog.syncRequested.connect(w.show_sync)
        dialog.exec()

    # -- the done screen ---------------------------------------------------------------

    def show_done(self) -> None:
        w = self.window
        now = w.clock()
        deck = w.study_view.deck
        study = self.collection.custom_study
        summary = study.summary(now, deck)
        w.done_view.set_text(
            next_due_text(now, self.collection.next_due(now, deck), summary.left.new)
        )
        w.done_view.set_summary(
            session_line(summary), reasons(summary, now), len(study.forgotten(now, deck))
        )
        w.stack.setCurrentWidget(w.done_view)
        w.done_view.setFocus()

    def study_more(self, how: str) -> None:
        w = self.window
        now = w.clock()
        deck = w.study_view.deck
        study = self.collection.custom_study
        title = deck or "All decks"
        try:
            if how == "raise":
                study.raise_limits(now, deck, RAISE_NEW, RAISE_REVIEWS)
                w.statusBar().showMessage(
                    f"Today only: {RAISE_NEW} more new cards and {RAISE_REVIEWS} more reviews "
                    f"in {title}",
                    6000,
                )
                w.start_study(deck)
                return
            if how == "forgotten":
                cards, label = study.forgotten(now, deck), f"Forgotten today: {title}"
            elif how == "ahead":
                cards, label = study.ahead(now, deck), f"Ahead: {title}"
            else:
                tags = study.tags("service/") + [
                    t for t in study.tags() if not t.startswith(("service/", "domain/"))
                ]
                tag, ok = QInputDialog.getItem(w, "Study by tag", "Tag or service", tags, 0, False)
                if not ok:
                    return
                cards, label = study.tagged(deck, tag), f"Tag {tag}"
        except CirrusError as exc:
            QMessageBox.warning(w, "Study more", str(exc))
            return
        if not cards:
            w.statusBar().showMessage("No cards for that in these decks", 5000)
            return
        w.stack.setCurrentWidget(w.study_view)
        if w.study_view.start_cards(cards, label):
            w.study_view.setFocus()
