"""The deck list: a tree by ``::`` with today's new / learning / due counts."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.deck_tree import DeckNode
from app.core.models import QueueCounts
from app.core.render import markdown_html
from app.core.sanitise import without_images

NAME_ROLE = Qt.ItemDataRole.UserRole
COLOURS = ("#1f6feb", "#cf222e", "#1a7f37")
ZERO_COLOUR = "#8c959f"


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
    """Lists decks; Enter or a double-click starts studying the selected deck; the gear
    of a row (or a right-click) opens that deck's menu."""

    studyRequested = Signal(str)
    deckAction = Signal(str, str)
    """(deck name, action): "options", "rename", "export" or "delete"."""
    collapsedChanged = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = DeckTreeWidget()
        self.tree.setColumnCount(6)
        self.tree.setHeaderLabels(["Deck", "New", "Learning", "Due", "", ""])
        header = self.tree.header()
        header.setStretchLastSection(True)
        for column in (0, 1, 2, 3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemCollapsed.connect(lambda _i: self._collapsed_changed())
        self.tree.itemExpanded.connect(lambda _i: self._collapsed_changed())
        self._collapsed: set[str] = set()
        self._filling = False
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.itemDoubleClicked.connect(
            lambda item, _col: self.studyRequested.emit(item.data(0, NAME_ROLE))
        )
        self.tree.activatedDeck.connect(self.studyRequested)
        self.tree.currentItemChanged.connect(self._show_description)
        self.summary = QLabel()
        self.today = QLabel()
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.RichText)
        self.description.setOpenExternalLinks(False)
        self.study_button = QPushButton("Study selected deck  (Enter)")
        self.study_button.clicked.connect(self._study_current)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.today)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.study_button)
        self._descriptions: dict[str, str] = {}

    def set_decks(
        self,
        roots: list[DeckNode],
        counts: dict[str, QueueCounts],
        descriptions: dict[str, str],
        collapsed: list[str] | None = None,
    ) -> None:
        current = self.current_deck()
        self._descriptions = descriptions
        if collapsed is not None:
            self._collapsed = set(collapsed)
        self._filling = True
        self.tree.clear()
        for root in roots:
            self.tree.addTopLevelItem(self._item(root, counts))
        self.tree.expandAll()
        for item in self._items():
            if item.data(0, NAME_ROLE) in self._collapsed:
                item.setExpanded(False)
            self.tree.setItemWidget(item, 4, self._gear(item.data(0, NAME_ROLE)))
        self._filling = False
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
            item.setTextAlignment(
                column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
            item.setForeground(
                column, QBrush(QColor(colour if item.text(column) != "0" else ZERO_COLOUR))
            )
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

    def set_today(self, answers: int, minutes: float) -> None:
        self.today.setText(
            f"Studied {answers} card{'s' if answers != 1 else ''} in "
            f"{round(minutes)} minute{'s' if round(minutes) != 1 else ''} today."
            if answers
            else "Nothing studied yet today."
        )

    def _show_description(self, item: QTreeWidgetItem | None) -> None:
        name = item.data(0, NAME_ROLE) if item is not None else ""
        text = self._descriptions.get(name, "")
        # a QLabel loads images itself (from the working folder): show their alt text
        self.description.setText(without_images(markdown_html(text)) if text.strip() else "")

    def _gear(self, name: str) -> QToolButton:
        button = QToolButton()
        button.setText("\u2699")
        button.setToolTip(f"Study, options, rename, export, delete {name}")
        button.setAutoRaise(True)
        button.setStyleSheet(
            "QToolButton { padding: 0 2px; } QToolButton::menu-indicator { image: none; }"
        )
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(self._menu(name, button))
        return button

    def _menu(self, name: str, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        for label, action in (
            ("Study", "study"),
            ("Options…", "options"),
            ("Rename or move…", "rename"),
            ("Export…", "export"),
            ("Delete…", "delete"),
        ):
            menu.addAction(label, self._actor(name, action))
        return menu

    def _actor(self, name: str, action: str) -> Callable[[], None]:
        return lambda *_args: self._act(name, action)

    def _act(self, name: str, action: str) -> None:
        if action == "study":
            self.studyRequested.emit(name)
        else:
            self.deckAction.emit(name, action)

    def _context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is not None:
            self._menu(item.data(0, NAME_ROLE), self).exec(self.tree.viewport().mapToGlobal(pos))

    def _collapsed_changed(self) -> None:
        if self._filling:
            return
        self._collapsed = {
            str(i.data(0, NAME_ROLE))
            for i in self._items()
            if i.childCount() and not i.isExpanded()
        }
        self.collapsedChanged.emit(sorted(self._collapsed))

    def _study_current(self) -> None:
        name = self.current_deck()
        if name:
            self.studyRequested.emit(name)
