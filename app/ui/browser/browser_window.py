"""The browser (Ctrl+B): sidebar, search bar, a lazy table of cards or notes, the selected
note's editor below, and bulk actions on the selection (Anki's keys where it has them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import CirrusError
from app.storage.browse_repo import COLUMNS
from app.storage.collection import Collection
from app.ui.browser.bulk_actions import BulkActions
from app.ui.browser.sidebar import FLAGS, SidebarWidget
from app.ui.browser.table_model import CardTableModel, Order, find_card_ids
from app.ui.chart_data import plural
from app.ui.db_executor import DbExecutor
from app.ui.editor.note_editor import NoteEditorWidget

EDITOR_DELAY_MS = 60
Ask = Callable[[str, str], str | None]
Confirm = Callable[[str, str], bool]


class BrowserWindow(QMainWindow):
    changed = Signal()
    answer_undo = Signal()
    """Ctrl+Z here when the newest change is an answer: the study window takes it back."""
    """Something was written (edit, bulk action, delete, undo): other views refresh."""

    def __init__(
        self,
        collection: Collection,
        executor: DbExecutor,
        clock: Callable[[], datetime],
        dark: Callable[[], bool] = lambda: False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.collection = collection
        self.executor = executor
        self.clock = clock
        self.setWindowTitle("Browse")
        self.order = Order()
        self.query = ""
        self.searching = False
        self._sized = False
        self.ask: Ask = self._ask
        self.confirm: Confirm = self._confirm
        self.model = CardTableModel(collection, clock)
        self.bulk = BulkActions(self)
        saved = collection.setting("browser_columns")
        if isinstance(saved, list) and saved:
            self.model.set_columns(saved)
        self._build(dark)
        self.model.sortRequested.connect(self._sort)
        self._menus()
        self.resize(1200, 760)
        self.reload_sidebar()

    # -- layout ----------------------------------------------------------------------------

    def _build(self, dark: Callable[[], bool]) -> None:
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(
            'Search (Anki syntax: deck:"A::B" tag:x is:due flag:1 "a phrase" -word)'
        )
        self.search_edit.returnPressed.connect(lambda: self.search(self.search_edit.text()))
        self.mode_box = QComboBox()
        self.mode_box.addItems(["Cards", "Notes"])
        self.mode_box.currentIndexChanged.connect(lambda i: self.set_notes_mode(i == 1))
        self.count_label = QLabel()
        self.error_label = QLabel()
        self.error_label.setObjectName("search-error")
        self.error_label.setStyleSheet("color: #cf222e;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        bar = QHBoxLayout()
        bar.addWidget(self.mode_box)
        bar.addWidget(self.search_edit, 1)
        bar.addWidget(self.count_label)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.setStretchLastSection(True)
        header.setTextElideMode(Qt.TextElideMode.ElideRight)  # "Retrievab…" in a narrow column
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._current())
        self.sidebar = SidebarWidget()
        self.sidebar.searchRequested.connect(self._sidebar_search)
        self.sidebar.deckMoved.connect(self.bulk.move_deck)
        self.editor = NoteEditorWidget(self.collection, self.clock, dark)
        self._editor_timer = QTimer(self)
        self._editor_timer.setSingleShot(True)
        self._editor_timer.setInterval(EDITOR_DELAY_MS)
        self._editor_timer.timeout.connect(self._load_current)
        self.editor.saved.connect(self._note_saved)
        right = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(bar)
        top_layout.addWidget(self.error_label)
        top_layout.addWidget(self.table, 1)
        right.addWidget(top)
        right.addWidget(self.editor)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.sidebar)
        main.addWidget(right)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setSizes([190, 1010])
        self.main_splitter = main
        self.setCentralWidget(main)
        self._size_columns()

    def _size_columns(self) -> None:
        """The sort field gets a third of the table, the other columns share the rest."""
        header = self.table.horizontalHeader()
        table = self.table
        # room for the vertical scroll bar before the rows arrive, so no horizontal one
        inner = table.width() - 2 * table.frameWidth()
        width = max(inner - table.verticalScrollBar().sizeHint().width(), 600)
        others = max(len(self.model.columns) - 1, 1)
        sort_width = max(240, width // 3)
        rest = max(80, (width - sort_width) // others)
        for index, key in enumerate(self.model.columns):
            header.resizeSection(index, sort_width if key == "sort" else rest)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            self._sized = True
            small = self.width() < 1100
            self.main_splitter.setSizes([150 if small else 190, self.width()])
            QTimer.singleShot(0, self._size_columns)

    def _menus(self) -> None:
        edit = self.menuBar().addMenu("&Edit")
        self.undo_action = self._action(
            edit, "&Undo", self.bulk.undo, QKeySequence.StandardKey.Undo
        )
        self._action(edit, "Select &all", self.table.selectAll, QKeySequence.StandardKey.SelectAll)
        self._action(edit, "&Find", self.search_edit.setFocus, QKeySequence.StandardKey.Find)
        self._action(edit, "Save this search…", self.save_search, None)
        self._action(edit, "Toggle cards/notes", self.toggle_mode, "Ctrl+Alt+T")
        edit.addSeparator()
        self._action(edit, "&Close", self.close, "Ctrl+W")
        # Esc closes the browser, as Anki's does (the editor saves as it goes).
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        notes = self.menuBar().addMenu("&Notes")
        self._action(notes, "&Add tags…", self.bulk.add_tags, "Ctrl+Shift+A")
        self._action(notes, "&Remove tags…", self.bulk.remove_tags, "Ctrl+Alt+Shift+A")
        self._action(notes, "&Delete", self.bulk.delete_selected, "Ctrl+Del")
        cards = self.menuBar().addMenu("&Cards")
        self._action(cards, "Change &deck…", self.bulk.change_deck, "Ctrl+D")
        self._action(cards, "&Suspend / unsuspend", self.bulk.toggle_suspend, "Ctrl+J")
        self._action(cards, "&Bury", self.bulk.bury, "Ctrl+Shift+J")
        self._action(cards, "Reset to &new", self.bulk.reset_to_new, "Ctrl+Alt+N")
        self._action(cards, "Set due &date…", self.bulk.reschedule, "Ctrl+Shift+D")
        flag_menu = cards.addMenu("&Flag")
        for number, label in enumerate(FLAGS, start=1):
            self._action(flag_menu, label, partial(self.bulk.flag, number), f"Ctrl+{number}")
        self._action(flag_menu, "No flag", partial(self.bulk.flag, 0), None)

    def _action(
        self, menu: QMenu, text: str, slot: Callable[[], object], shortcut: object
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))  # type: ignore[call-overload]
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    # -- searching -------------------------------------------------------------------------

    def reload_sidebar(self) -> None:
        items = self.collection.editing.sidebar()
        saved = self.collection.setting("saved_searches", {})
        self.sidebar.fill(items["decks"], items["tags"], saved if isinstance(saved, dict) else {})

    def _sidebar_search(self, query: str) -> None:
        self.search_edit.setText(query)
        self.search(query)

    def search(self, query: str | None = None) -> None:
        """Run ``query`` (the current one when None) off the GUI thread; keeps the
        selection where it can."""
        if query is not None:
            self.query = query.strip()
        keep = self.selected_ids()
        notes, order, text = self.model.notes_mode, self.order, self.query
        now = self.clock()
        self.searching = True
        self.executor.submit(
            lambda: find_card_ids(self.collection, text, order, notes, now),
            lambda ids: self._show(ids, keep, notes),
            self._failed,
        )

    def _show(self, ids: list[int], keep: list[int], notes: bool) -> None:
        self.searching = False
        self.error_label.hide()
        if notes != self.model.notes_mode:
            return
        self.model.set_ids(ids)
        self.count_label.setText(plural(len(ids), "note" if notes else "card"))
        rows = _positions(ids, keep)
        if not rows and ids:
            rows = [0]
        selection = self.table.selectionModel()
        for number, row in enumerate(rows):
            flags = QItemSelectionModel.SelectionFlag.Rows | (
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                if number == 0
                else QItemSelectionModel.SelectionFlag.Select
            )
            selection.select(self.model.index(row, 0), flags)
        if rows:
            selection.setCurrentIndex(
                self.model.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        self._current()

    def _failed(self, exc: BaseException) -> None:
        """A query that cannot be read: say why under the bar; the table stays as it was."""
        self.searching = False
        if not isinstance(exc, CirrusError):
            QMessageBox.warning(self, "Search", str(exc))
            return
        self.error_label.setText(str(exc))
        self.error_label.show()

    def _sort(self, column: str, descending: bool) -> None:
        self.order = Order(column, descending)
        self.search()

    def set_notes_mode(self, notes: bool) -> None:
        if notes == self.model.notes_mode:
            return
        selected = self.selected_card_ids()
        self.model.notes_mode = notes
        self.mode_box.blockSignals(True)
        self.mode_box.setCurrentIndex(1 if notes else 0)
        self.mode_box.blockSignals(False)
        self.model.set_ids([])
        self.model.headerDataChanged.emit(
            Qt.Orientation.Horizontal, 0, max(len(self.model.columns) - 1, 0)
        )
        if notes:
            keep = sorted({self.collection.editing.note_of_card(c) for c in selected})
        else:
            keep = [
                c for n in self.note_ids_of_rows() for c in self.collection.editing.cards_of_note(n)
            ]
        now, order, text = self.clock(), self.order, self.query
        self.searching = True
        self.executor.submit(
            lambda: find_card_ids(self.collection, text, order, notes, now),
            lambda ids: self._show(ids, keep, notes),
            self._failed,
        )

    def toggle_mode(self) -> None:
        self.set_notes_mode(not self.model.notes_mode)

    def save_search(self) -> None:
        name = self.ask("Save search", "Name of this search:")
        if not name:
            return
        saved = dict(self.collection.setting("saved_searches", {}) or {})
        saved[name] = self.query
        self.collection.set_setting("saved_searches", saved)
        self.reload_sidebar()

    def _column_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for column in COLUMNS:
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(column.key in self.model.columns)
            action.triggered.connect(partial(self.toggle_column, column.key))
        menu.exec(self.table.horizontalHeader().mapToGlobal(pos))

    def toggle_column(self, key: str, _checked: bool = False) -> None:
        columns = list(self.model.columns)
        if key in columns and len(columns) > 1:
            columns.remove(key)
        elif key not in columns:
            columns.append(key)
        self.model.set_columns(columns)
        self.collection.set_setting("browser_columns", columns)
        self._size_columns()

    # -- selection -------------------------------------------------------------------------

    def _rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def selected_ids(self) -> list[int]:
        return [self.model.ids[r] for r in self._rows()]

    def note_ids_of_rows(self) -> list[int]:
        return sorted({self.model.note_id(r) for r in self._rows()})

    def selected_card_ids(self) -> list[int]:
        if not self.model.notes_mode:
            return self.selected_ids()
        return [
            c for n in self.note_ids_of_rows() for c in self.collection.editing.cards_of_note(n)
        ]

    def _current(self) -> None:
        """The current row moved: load its note into the editor a moment later, so the
        table paints first and fast scrolling does not render every note."""
        self._editor_timer.start()

    @property
    def editor_pending(self) -> bool:
        return self._editor_timer.isActive()

    def _load_current(self) -> None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid() or index.row() >= len(self.model.ids):
            self.editor.clear()
            return
        note_id = self.model.note_id(index.row())
        if self.editor.note is None or self.editor.note.note_id != note_id:
            self.editor.load(note_id)

    def _note_saved(self, _note_id: int) -> None:
        self.model.refresh_cells()
        self.changed.emit()

    # -- dialogs (replaceable in tests) -----------------------------------------------------

    def _ask(self, title: str, prompt: str) -> str | None:
        value, ok = QInputDialog.getText(self, title, prompt)
        return value if ok else None

    def _confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        self.editor.flush()
        event.accept()


def _positions(ids: list[int], wanted: list[int]) -> list[int]:
    """Rows of ``wanted`` in ``ids`` (those still there), in order."""
    if len(wanted) <= 20:
        found = []
        for item in wanted:
            try:
                found.append(ids.index(item))
            except ValueError:
                continue
        return sorted(found)
    position = {item: row for row, item in enumerate(ids)}
    return sorted(position[i] for i in wanted if i in position)
