"""Decks nest by ``::`` in their names; parents without a deck of their own are virtual."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DeckNode:
    name: str
    """Full name, e.g. ``AI-200::1 Containers``."""
    label: str
    """Last level, e.g. ``1 Containers``."""
    deck_id: int | None = None
    children: list[DeckNode] = field(default_factory=list)

    def deck_ids(self) -> list[int]:
        """This deck's id (if real) and every descendant's."""
        own = [self.deck_id] if self.deck_id is not None else []
        return own + [i for child in self.children for i in child.deck_ids()]

    def walk(self) -> list[DeckNode]:
        return [self] + [n for child in self.children for n in child.walk()]


def build_tree(decks: list[tuple[int, str]]) -> list[DeckNode]:
    """Roots of the deck tree, children in the order the decks are given."""
    nodes: dict[str, DeckNode] = {}
    roots: list[DeckNode] = []
    for deck_id, name in decks:
        parts = name.split("::")
        for depth in range(1, len(parts) + 1):
            full = "::".join(parts[:depth])
            node = nodes.get(full)
            if node is None:
                node = DeckNode(full, parts[depth - 1])
                nodes[full] = node
                if depth == 1:
                    roots.append(node)
                else:
                    nodes["::".join(parts[: depth - 1])].children.append(node)
        nodes[name].deck_id = deck_id
    return roots


def subtree_ids(decks: list[tuple[int, str]], name: str | None) -> list[int]:
    """Ids of the deck called ``name`` and of every deck nested under it (all if None)."""
    if name is None:
        return [i for i, _ in decks]
    return [i for i, n in decks if n == name or n.startswith(name + "::")]
