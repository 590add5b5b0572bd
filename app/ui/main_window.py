"""The main window: deck list, study screen and done screen in one stack."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from app.core.errors import CirrusError
from app.core.models import StudyCard
from app.storage.collection import Collection
from app.ui.backup_keeper import BackupKeeper
from app.ui.db_executor import DbExecutor
from app.ui.deck_actions import DeckActions
from app.ui.deck_browser_view import DeckBrowserView
from app.ui.done_view import DoneView
from app.ui.import_flow import ImportFlow
from app.ui.study_more import StudyMore
from app.ui.study_view import StudyView
from app.ui.sync_panel import SyncController, SyncPanel
from app.ui.theme import is_dark

if TYPE_CHECKING:
    from app.ui.browser.browser_window import BrowserWindow
    from app.ui.check_dialog import CheckDialog
    from app.ui.editor.add_window import AddWindow
    from app.ui.editor.editor_window import EditorWindow
    from app.ui.exam.exam_window import ExamWindow
    from app.ui.exam.history_window import ExamHistoryWindow
    from app.ui.stats_window import StatisticsWindow

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    def __init__(
        self,
        collection: Collection,
        clock: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.collection = collection
        self.clock = clock or (lambda: datetime.now(UTC))
        self.setWindowTitle("Cirrus")
        self.decks_view = DeckBrowserView()
        self.study_view = StudyView(collection, self.clock, is_dark)
        self.done_view = DoneView()
        self.stack = QStackedWidget()
        for view in (self.decks_view, self.study_view, self.done_view):
            self.stack.addWidget(view)
        self.setCentralWidget(self.stack)
        self.decks_view.studyRequested.connect(self.start_study)
        self.study_view.backRequested.connect(self.show_decks)
        self.study_view.finished.connect(self.show_done)
        self.done_view.backRequested.connect(self.show_decks)
        self.more = StudyMore(self)
        self.done_view.studyMore.connect(self.more.study_more)
        self.decks_view.deckAction.connect(self.deck_action)
        self.decks_view.collapsedChanged.connect(
            lambda names: self.collection.set_setting("collapsed_decks", names)
        )
        self.options_dialog: QWidget | None = None
        self.preferences_dialog: QWidget | None = None
        self.study_view.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.study_view.optionsRequested.connect(self.more.deck_options)
        self.study_view.editRequested.connect(self.edit_note)
        self.executor = DbExecutor(self)
        self.sync = SyncController(self, collection, self.executor, self.clock)
        self.statusBar().addPermanentWidget(self.sync.indicator)
        self.sync.finished.connect(self._synced)
        self.study_view.answered.connect(lambda _card: self.sync.local_change())
        self.sync_panel: SyncPanel | None = None
        self.stats_window: StatisticsWindow | None = None
        self.exam_window: ExamWindow | None = None
        self.history_window: ExamHistoryWindow | None = None
        self.backups = BackupKeeper(self, collection, self.executor, self.clock)
        self.check_dialog: CheckDialog | None = None
        self.import_flow = ImportFlow(self, collection, self.executor, self.clock)
        self.import_flow.finished.connect(lambda _result: self.show_decks())
        self.browser_window: BrowserWindow | None = None
        self.add_window: AddWindow | None = None
        self.deck_actions = DeckActions(self, collection, self.clock, self.decks_view.current_deck)
        self.deck_actions.changed.connect(self._edited)
        self.deck_actions.enable_drag(self.decks_view.tree)
        self.setAcceptDrops(True)
        self._menus()
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            lambda _scheme: self.study_view.refresh_style()
        )
        self._restore_geometry()
        self.show_decks()
        self.sync.start()

    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Import…", self.import_dialog, "Ctrl+Shift+I")
        self._action(file_menu, "&Export…", self.export_dialog, "Ctrl+Shift+E")
        self._action(file_menu, "&Back up now", self.backup_now, None)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self._action(
            edit_menu, "&Undo", self.undo, QKeySequence.StandardKey.Undo
        )
        self._action(edit_menu, "Undo &import…", self.deck_actions.undo_import, None)
        edit_menu.addSeparator()
        self._action(edit_menu, "&Add notes…", self.show_add, "Ctrl+Shift+A")
        self._action(edit_menu, "&Browse", self.show_browser, "Ctrl+B")
        deck_menu = self.menuBar().addMenu("De&cks")
        self._action(deck_menu, "&New deck…", self.deck_actions.new_deck, None)
        self._action(deck_menu, "&Rename or move deck…", self.deck_actions.rename_deck, "F2")
        self._action(deck_menu, "&Delete deck…", self.deck_actions.delete_deck, None)
        self._action(self, "Add", self.show_add, "A")
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setMovable(False)
        toolbar.addAction("Decks", self.show_decks)
        toolbar.addAction("Add", self.show_add)
        toolbar.addAction("Browse", self.show_browser)
        toolbar.addAction("Stats", self.show_statistics)
        go_menu = self.menuBar().addMenu("&Go")
        self._action(go_menu, "&Decks", self.show_decks, "D")
        self._action(go_menu, "&Study all decks", lambda: self.start_study(None), "S")
        self._action(go_menu, "S&tatistics", self.show_statistics, "T")
        exam_menu = self.menuBar().addMenu("E&xam")
        self._action(exam_menu, "&Practice exam…", self.show_exam, "Ctrl+Shift+X")
        self._action(exam_menu, "Exam &history", self.show_exam_history, None)
        self.tools_menu = tools_menu = self.menuBar().addMenu("&Tools")
        self._action(tools_menu, "&Deck options…", self.options_for_current, None)
        self._action(tools_menu, "&Check Database…", self.check_database, None)
        self._action(tools_menu, "&Sync…", self.show_sync, None)
        tools_menu.addSeparator()
        self._action(tools_menu, "&Preferences…", self.more.preferences, "Ctrl+P")
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, "Ctrl+/")
        self._action(help_menu, "&Manual", self.show_manual, "F1")
        self._action(help_menu, "&About Cirrus", self.about, None)

    def _action(
        self,
        menu: object,
        text: str,
        slot: Callable[[], object],
        shortcut: str | QKeySequence.StandardKey | None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        if menu is not self:
            menu.addAction(action)  # type: ignore[attr-defined]
        self.addAction(action)
        return action

    # -- navigation -----------------------------------------------------------------------

    def show_decks(self) -> None:
        now = self.clock()
        roots, counts = self.collection.deck_tree(now)
        descriptions = self.collection.deck_descriptions()
        collapsed = self.collection.setting("collapsed_decks", [])
        self.decks_view.set_decks(roots, counts, descriptions, list(collapsed))
        summary = self.collection.custom_study.summary(now, None)
        self.decks_view.set_today(summary.answers, summary.minutes)
        self.stack.setCurrentWidget(self.decks_view)
        self.decks_view.tree.setFocus()

    def start_study(self, deck: str | None) -> None:
        self.stack.setCurrentWidget(self.study_view)
        if self.study_view.start(deck):
            self.study_view.setFocus()

    def show_sync(self) -> None:
        if self.sync_panel is None:
            self.sync_panel = SyncPanel(self.sync, self)
        self.sync_panel.refresh()
        self.sync_panel.show()
        self.sync_panel.raise_()

    def _synced(self, report: object) -> None:
        """Show what another device changed: the deck list's counts, or, while studying,
        the next card when the one shown was answered or deleted there."""
        if not getattr(report, "merged", 0):
            return
        current = self.stack.currentWidget()
        if current is self.decks_view:
            self.show_decks()
        elif current is self.study_view and self.study_view.card is not None:
            shown = self.study_view.card
            try:
                fresh: StudyCard | None = self.collection.card(shown.card_id)
            except CirrusError:
                fresh = None
            if fresh is None or fresh.memory != shown.memory:
                self.statusBar().showMessage("That card was studied on another device", 5000)
                self.study_view.next()
            elif fresh != shown and not self.study_view.revealed:
                self.study_view.show_card(fresh)

    def show_statistics(self) -> None:
        from app.ui.stats_window import StatisticsWindow

        if self.stats_window is None:
            self.stats_window = StatisticsWindow(self.collection, self.executor, self.clock, self)
            self.stats_window.studyWeakest.connect(self.study_weakest)
            self.stats_window.practiceRequested.connect(self.show_exam)
        self.stats_window.show()
        self.stats_window.raise_()
        self.stats_window.refresh()

    def show_exam(self) -> None:
        from app.ui.exam.exam_window import ExamWindow

        if self.exam_window is None or not self.exam_window.isVisible():
            self.exam_window = ExamWindow(self.collection, self.clock, is_dark, self)
            self.exam_window.historyRequested.connect(self.show_exam_history)
            self.exam_window.finishedAttempt.connect(lambda _id: self.show_decks())
        self.exam_window.show()
        self.exam_window.raise_()
        self.exam_window.activateWindow()

    def show_exam_history(self) -> None:
        from app.ui.exam.history_window import ExamHistoryWindow

        if self.history_window is None:
            self.history_window = ExamHistoryWindow(self)
        exams = self.collection.exams
        self.history_window.set_attempts(exams.history(), exams.profile().titles)
        self.history_window.show()
        self.history_window.raise_()

    def study_weakest(self, by: str, key: str) -> None:
        size = int(self.collection.setting("weakest_size", 30))
        cards = self.collection.weakest_cards(by, key, self.clock(), size)
        if not cards:
            QMessageBox.information(self, "Study weakest", f"No studied cards in {key} yet.")
            return
        self.stack.setCurrentWidget(self.study_view)
        self.activateWindow()
        if self.study_view.start_cards(cards, f"Weakest: {key}"):
            self.study_view.setFocus()

    def show_done(self) -> None:
        self.more.show_done()

    def deck_action(self, deck: str, action: str) -> None:
        if action == "options":
            self.more.deck_options(deck)
        elif action == "export":
            self.export_dialog(deck)
        elif action in ("rename", "delete"):
            self.decks_view.select(deck)
            if action == "rename":
                self.deck_actions.rename_deck()
            else:
                self.deck_actions.delete_deck()

    def options_for_current(self) -> None:
        deck = (
            self.study_view.deck
            if self.stack.currentWidget() is not self.decks_view
            else self.decks_view.current_deck()
        )
        if deck:
            self.more.deck_options(deck)
        else:
            self.statusBar().showMessage("Choose a deck first", 4000)

    def preferences_changed(self) -> None:
        """Preferences were saved: show what depends on them anew."""
        from app.ui.theme import apply_theme

        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, str(self.collection.setting("theme", "system")))
        self.study_view.refresh_text_size()
        if self.stack.currentWidget() is self.decks_view:
            self.show_decks()

    def show_browser(self, query: str | None = None) -> None:
        from app.ui.browser.browser_window import BrowserWindow

        if self.browser_window is None:
            made = BrowserWindow(self.collection, self.executor, self.clock, is_dark, self)
            made.setWindowFlag(Qt.WindowType.Window)
            made.changed.connect(self._edited)
            made.answer_undo.connect(self.undo)
            self.browser_window = made
        window = self.browser_window
        window.reload_sidebar()
        window.show()
        window.raise_()
        window.activateWindow()
        deck = self.decks_view.current_deck()
        if query is None:
            query = (
                f'deck:"{deck}"' if deck and self.stack.currentWidget() is self.decks_view else ""
            )
        window.search_edit.setText(query)
        window.search(query)

    def show_add(self) -> None:
        from app.ui.editor.add_window import AddWindow

        if self.add_window is None or not self.add_window.isVisible():
            self.add_window = AddWindow(
                self.collection, self.clock, is_dark, self.decks_view.current_deck(), self
            )
            self.add_window.added.connect(lambda _id: self._edited())
        self.add_window.show()
        self.add_window.raise_()
        self.add_window.activateWindow()

    def edit_note(self, note_id: int) -> EditorWindow:
        """Open the note editor in a window (the study screen's edit, card info, ...);
        what this window shows follows the edits."""
        from app.ui.editor import open_editor

        window = open_editor(self, self.collection, note_id, self.clock, is_dark)
        window.saved.connect(lambda _id: self._edited())
        return window

    def edit_study_card(self) -> EditorWindow | None:
        """Edit the note of the card on the study screen."""
        card = self.study_view.card
        return None if card is None else self.edit_note(card.note_id)

    def _edited(self) -> None:
        """Notes or decks changed elsewhere: refresh what this window shows."""
        if self.stack.currentWidget() is self.decks_view:
            self.show_decks()
        elif self.stack.currentWidget() is self.study_view and self.study_view.card is not None:
            try:
                card = self.collection.card(self.study_view.card.card_id)
            except CirrusError:
                self.study_view.next()
                return
            self.study_view.card = card
            self.study_view.refresh_style()
        browser = self.browser_window
        if browser is not None and self.sender() is not browser and browser.isVisible():
            browser.reload_sidebar()
            browser.search()

    # -- actions --------------------------------------------------------------------------

    def undo(self) -> None:
        if self.collection.editing.is_newer_than_answer():
            label = self.collection.editing.undo()
            self._edited()
            if self.browser_window is not None and self.browser_window.isVisible():
                self.browser_window.search()
            self.statusBar().showMessage(f"Undone: {label}", 3000)
            return
        try:
            card_id = self.collection.undo()
        except CirrusError as exc:
            QMessageBox.critical(self, "Undo failed", str(exc))
            return
        if card_id is None:
            self.statusBar().showMessage("Nothing to undo", 3000)
            return
        if self.stack.currentWidget() is not self.study_view:
            self.stack.setCurrentWidget(self.study_view)
            self.study_view.deck_label.setText(self.study_view.deck or "All decks")
        self.study_view.show_card(self.collection.card(card_id))
        self.statusBar().showMessage(f"{self.collection.undone or 'Answer'} undone", 3000)
        self.sync.local_change()

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import",
            str(Path.home()),
            "Flashcards (*.apkg *.colpkg *.csv *.tsv *.txt *.md *.markdown *.zip);;All files (*)",
        )
        if path:
            self.import_flow.start(Path(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls:
            event.acceptProposedAction()
            self.import_flow.start(Path(urls[0].toLocalFile()))

    def export_dialog(self, deck: str | None = None) -> None:
        from app.ui.export_dialog import ExportDialog

        decks = [d.name for d in self.collection.decks(self.clock())]
        dialog = ExportDialog(sorted(decks), self)
        if deck is not None and (index := dialog.deck_box.findData(deck)) >= 0:
            dialog.deck_box.setCurrentIndex(index)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        flt, ext = dialog.file_filter()
        path, _ = QFileDialog.getSaveFileName(
            self, "Export", str(Path.home() / f"cirrus{ext}"), flt
        )
        if path:
            self.export_to(
                Path(path), dialog.format_key(), dialog.deck(), dialog.history.isChecked()
            )

    def export_to(self, path: Path, fmt: str, deck: str | None, history: bool) -> None:
        now = self.clock()
        self.statusBar().showMessage(f"Exporting to {path}…")
        self.executor.submit(
            lambda: self.collection.export(path, fmt, deck, history, now),
            lambda figures: self.statusBar().showMessage(
                f"Exported {figures['notes']} notes to {path}", 8000
            ),
            self._export_failed,
        )

    def _export_failed(self, exc: BaseException) -> None:
        self.statusBar().clearMessage()
        QMessageBox.warning(self, "Export failed", str(exc))

    def backup_now(self) -> None:
        try:
            path = self.collection.backup(self.clock())
        except CirrusError as exc:
            QMessageBox.critical(self, "Backup failed", str(exc))
            return
        self.statusBar().showMessage(f"Backup written: {path}", 5000)

    def check_database(self) -> None:
        if self.check_dialog is None:
            from app.ui.check_dialog import CheckDialog

            self.check_dialog = CheckDialog(self.collection, self.executor, self.clock, self)
            self.check_dialog.repaired.connect(self.show_decks)
        self.check_dialog.show()
        self.check_dialog.raise_()
        self.check_dialog.run_check()

    def show_shortcuts(self) -> None:
        from app.ui.help_windows import ShortcutsDialog

        ShortcutsDialog(self).show()

    def show_manual(self) -> None:
        from app.ui.help_windows import ManualWindow

        self.manual_window = ManualWindow(is_dark(), self)
        self.manual_window.show()

    def about(self) -> None:
        from app.ui.help_windows import AboutDialog

        AboutDialog(self.collection.data_dir, self).exec()

    # -- window state ---------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        saved = self.collection.setting("window_geometry")
        if saved:
            self.restoreGeometry(QByteArray(base64.b64decode(saved)))
        else:
            self.resize(980, 720)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.executor.wait()  # let a running import or export finish first
        self.sync.at_quit()
        try:
            geometry = bytes(self.saveGeometry().data())
            self.collection.set_setting("window_geometry", base64.b64encode(geometry).decode())
        except CirrusError as exc:
            log.error("on close: %s", exc)
        self.backups.at_quit()
        event.accept()
