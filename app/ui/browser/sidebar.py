"""The browser's sidebar: saved searches, card states, flags, decks, services, domains,
tags. Clicking an item searches in Anki's syntax; dragging a deck onto another moves it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QTreeWidget, QTreeWidgetItem, QWidget

QUERY_ROLE = Qt.ItemDataRole.UserRole
DECK_ROLE = Qt.ItemDataRole.UserRole + 1
STATES = (
    ("New", "is:new"),
    ("Learning", "is:learn"),
    ("Review", "is:review"),
    ("Due", "is:due"),
    ("Suspended", "is:suspended"),
    ("Buried", "is:buried"),
)
FLAGS = ("Red", "Orange", "Green", "Blue", "Pink", "Turquoise", "Purple")


def quoted(value: str) -> str:
    """A search term's value as Anki's syntax reads it literally: ``\\``, ``*`` and ``_``
    escaped (not wildcards), quoted when it holds spaces, quotes or parentheses."""
    value = value.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
    if any(ch in value for ch in ' "()'):
        return '"' + value.replace('"', '\\"') + '"'
    return value


class SidebarWidget(QTreeWidget):
    searchRequested = Signal(str)
    deckMoved = Signal(str, str)
    """A deck was dropped onto another (old name, new name)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def fill(self, decks: list[str], tags: list[str], saved: dict[str, str]) -> None:
        self.clear()
        top = self._section("Saved searches", "")
        top.addChild(self._leaf("Whole collection", ""))
        top.addChild(self._leaf("Due today", "is:due"))
        for name, query in sorted(saved.items()):
            top.addChild(self._leaf(name, query))
        states = self._section("Card state", "")
        for label, query in STATES:
            states.addChild(self._leaf(label, query))
        flags = self._section("Flags", "-flag:0")
        for number, label in enumerate(FLAGS, start=1):
            flags.addChild(self._leaf(label, f"flag:{number}"))
        deck_root = self._section("Decks", "")
        nodes: dict[str, QTreeWidgetItem] = {}
        for name in sorted(decks):
            parts = name.split("::")
            for depth in range(1, len(parts) + 1):
                full = "::".join(parts[:depth])
                if full in nodes:
                    continue
                item = self._leaf(parts[depth - 1], f"deck:{quoted(full)}")
                item.setData(0, DECK_ROLE, full)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
                parent = nodes.get("::".join(parts[: depth - 1]), deck_root)
                parent.addChild(item)
                nodes[full] = item
        services = self._section("Services", "")
        domains = self._section("Domains", "")
        tag_root = self._section("Tags", "")
        tag_nodes: dict[str, QTreeWidgetItem] = {}
        for tag in tags:
            if tag.startswith("service/"):
                value = tag.removeprefix("service/")
                services.addChild(self._leaf(value, f"service:{quoted(value)}"))
            elif tag.startswith("domain/"):
                value = tag.removeprefix("domain/")
                domains.addChild(self._leaf(value, f"domain:{quoted(value)}"))
            parts = tag.split("/")
            for depth in range(1, len(parts) + 1):
                full = "/".join(parts[:depth])
                if full not in tag_nodes:
                    item = self._leaf(parts[depth - 1], f"tag:{quoted(full)}")
                    tag_nodes.get("/".join(parts[: depth - 1]), tag_root).addChild(item)
                    tag_nodes[full] = item
        for section in (top, states, deck_root):
            section.setExpanded(True)

    def _section(self, label: str, query: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([label])
        item.setData(0, QUERY_ROLE, query)
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsDragEnabled)
        self.addTopLevelItem(item)
        return item

    @staticmethod
    def _leaf(label: str, query: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([label])
        item.setData(0, QUERY_ROLE, query)
        item.setFlags(
            (item.flags() | Qt.ItemFlag.ItemIsDropEnabled) & ~Qt.ItemFlag.ItemIsDragEnabled
        )
        return item

    def _clicked(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        query = item.data(0, QUERY_ROLE)
        if query is not None and (query or item.parent() is not None):
            self.searchRequested.emit(str(query))

    def dropEvent(self, event: QDropEvent) -> None:
        """Moving a deck renames it (and its children); the tree is rebuilt afterwards."""
        dragged = self.currentItem()
        target = self.itemAt(event.position().toPoint())
        event.ignore()
        if dragged is None or dragged.data(0, DECK_ROLE) is None:
            return
        old = str(dragged.data(0, DECK_ROLE))
        label = old.split("::")[-1]
        parent = target.data(0, DECK_ROLE) if target is not None else None
        new = f"{parent}::{label}" if parent else label
        if new != old and not str(parent or "").startswith(old):
            self.deckMoved.emit(old, new)
