"""The deck list: a tree by ``::`` with today's new / learning / due counts."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.deck_tree import DeckNode
from app.core.models import QueueCounts

NAME_ROLE = Qt.ItemDataRole.UserRole
COLOURS = ("#1f6feb", "#cf222e", "#1a7f37")


class DeckTreeWidget(QTreeWidget):
    activatedDeck = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.currentItem()
            if item is not None:
                self.activatedDeck.emit(item.data(0, NAME_ROLE))
                return
        super().keyPressEvent(event)


class DeckBrowserView(QWidget):
    """Lists decks; Enter or a double-click starts studying the selected deck."""

    studyRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = DeckTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Deck", "New", "Learning", "Due"])
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.itemDoubleClicked.connect(
            lambda item, _col: self.studyRequested.emit(item.data(0, NAME_ROLE))
        )
        self.tree.activatedDeck.connect(self.studyRequested)
        self.tree.currentItemChanged.connect(self._show_description)
        self.summary = QLabel()
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.study_button = QPushButton("Study selected deck  (Enter)")
        self.study_button.clicked.connect(self._study_current)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.study_button)
        self._descriptions: dict[str, str] = {}

    def set_decks(
        self, roots: list[DeckNode], counts: dict[str, QueueCounts], descriptions: dict[str, str]
    ) -> None:
        current = self.current_deck()
        self._descriptions = descriptions
        self.tree.clear()
        for root in roots:
            self.tree.addTopLevelItem(self._item(root, counts))
        self.tree.expandToDepth(1)
        total = QueueCounts(
            new=sum(counts[r.name].new for r in roots),
            learning=sum(counts[r.name].learning for r in roots),
            review=sum(counts[r.name].review for r in roots),
        )
        self.summary.setText(
            f"Today: {total.new} new · {total.learning} learning · {total.review} due"
        )
        self.select(current or (roots[0].name if roots else None))

    def _item(self, node: DeckNode, counts: dict[str, QueueCounts]) -> QTreeWidgetItem:
        c = counts.get(node.name, QueueCounts())
        item = QTreeWidgetItem([node.label, str(c.new), str(c.learning), str(c.review)])
        item.setData(0, NAME_ROLE, node.name)
        for column, colour in zip((1, 2, 3), COLOURS, strict=True):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
            if item.text(column) != "0":
                item.setForeground(column, QBrush(QColor(colour)))
        for child in node.children:
            item.addChild(self._item(child, counts))
        return item

    def current_deck(self) -> str | None:
        item = self.tree.currentItem()
        return item.data(0, NAME_ROLE) if item is not None else None

    def select(self, name: str | None) -> None:
        if name is None:
            return
        for item in self._items():
            if item.data(0, NAME_ROLE) == name:
                self.tree.setCurrentItem(item)
                return

    def _items(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        stack = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            out.append(item)
            stack.extend(item.child(i) for i in range(item.childCount()))
        return out

    def _show_description(self, item: QTreeWidgetItem | None) -> None:
        name = item.data(0, NAME_ROLE) if item is not None else ""
        self.description.setText(self._descriptions.get(name, ""))

    def _study_current(self) -> None:
        name = self.current_deck()
        if name:
            self.studyRequested.emit(name)
