"""A lazy table of cards or notes: ids are fetched at once, cells a page at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.storage.browse_repo import BY_KEY
from app.storage.collection import Collection

PAGE = 200
DEFAULT_COLUMNS = ("sort", "deck", "due", "interval", "retrievability", "reviews", "tags")
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Order:
    column: str = "sort"
    descending: bool = False


def find_card_ids(
    collection: Collection, query: str, order: Order, notes: bool, now: datetime
) -> list[int]:
    """Card ids (note ids in notes mode) an Anki-syntax ``query`` matches (all when
    empty), sorted by ``order``. An unreadable query raises ``SearchError``."""
    return collection.editing.find_ids(query, notes, order.column, order.descending, now)


class CardTableModel(QAbstractTableModel):
    sortRequested = Signal(str, bool)
    """A header was clicked: the column key and whether to sort descending."""

    def __init__(self, collection: Collection, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.collection = collection
        self.clock = clock
        self.notes_mode = False
        self.columns: list[str] = list(DEFAULT_COLUMNS)
        self.ids: list[int] = []
        self._cells: dict[int, tuple[int, list[str]]] = {}

    # -- filling ---------------------------------------------------------------------------

    def set_ids(self, ids: Sequence[int]) -> None:
        self.beginResetModel()
        self.ids = list(ids)
        self._cells.clear()
        self.endResetModel()

    def set_columns(self, columns: Sequence[str]) -> None:
        self.beginResetModel()
        self.columns = [c for c in columns if c in BY_KEY]
        self._cells.clear()
        self.endResetModel()

    def refresh_cells(self) -> None:
        """Forget the cached cells (after an edit); the view reads them again."""
        self._cells.clear()
        if self.ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self.ids) - 1, len(self.columns) - 1)
            )

    def _load(self, row: int) -> None:
        start = max(0, row - PAGE // 4)
        wanted = [i for i in self.ids[start : start + PAGE] if i not in self._cells]
        if not wanted:
            return
        found = self.collection.editing.rows(wanted, self.notes_mode, self.columns, self.clock())
        for item in wanted:  # a row deleted meanwhile shows empty cells
            self._cells[item] = found.get(item, (0, [""] * len(self.columns)))

    def cells(self, row: int) -> tuple[int, list[str]]:
        item = self.ids[row]
        if item not in self._cells:
            self._load(row)
        return self._cells[item]

    def note_id(self, row: int) -> int:
        return self.cells(row)[0]

    # -- Qt's side -------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.cells(index.row())[1][index.column()]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.columns):
            self.sortRequested.emit(self.columns[column], order == Qt.SortOrder.DescendingOrder)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            key = self.columns[section]
            if key == "card" and self.notes_mode:
                return "Cards"
            return BY_KEY[key].title
        return None
