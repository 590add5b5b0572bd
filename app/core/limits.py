"""Daily limits over the deck tree, as Anki's v3 scheduler applies them.

- Every deck has its preset's limits (or a "today only" override) and counts what was
  answered today in it and in its sub-decks: a new card answered in ``A::B`` uses up one
  of ``A::B``'s new cards and one of ``A``'s.
- New cards answered today also count against the review limit, and the review limit
  bounds new cards: a deck with 200 reviews a day and 190 due shows at most 10 new.
- Studying a deck gives, from each sub-deck, at most what that sub-deck's own limits
  allow, and in all at most what the studied deck's limits allow; decks above the one
  studied do not limit it.
- A deck the tree only names (a parent with no deck of its own) has the default preset's
  limits, as Anki gives the parent decks it creates.

Learning cards (intraday steps) are never limited.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.core.deck_tree import DeckNode
from app.core.models import QueueCounts


@dataclass(frozen=True)
class DayLimits:
    new: int
    review: int


@dataclass(frozen=True)
class Available:
    """Cards of one deck (its own, not its children's) that could be shown today."""

    new: int = 0
    learning: int = 0
    review: int = 0


@dataclass(frozen=True)
class Done:
    """What was answered today in one deck (its own cards): first answers of new cards,
    and answers of review cards."""

    new: int = 0
    review: int = 0


@dataclass(frozen=True)
class _Left:
    new: int
    review: int


class LimitTree:
    """Remaining limits per deck-tree node for one study day."""

    def __init__(
        self,
        roots: list[DeckNode],
        limits: Callable[[DeckNode], DayLimits],
        done: Mapping[int, Done],
    ) -> None:
        self.roots = roots
        self._left: dict[str, _Left] = {}
        self._limit: dict[str, DayLimits] = {}
        self._done: dict[str, list[int]] = {}
        self._parent: dict[str, str | None] = {}
        self._node_of: dict[int, str] = {}
        self._allowed: dict[str, tuple[frozenset[int], frozenset[int]]] = {}
        self._order: dict[str, list[tuple[str, int | None, tuple[int, ...]]]] = {}
        self._kept: dict[
            str, tuple[list[Available | None], list[_Left | None], list[tuple[int, int, int]]]
        ] = {}
        for root in roots:
            self._fill(root, None, limits, done)

    def _fill(
        self,
        node: DeckNode,
        parent: str | None,
        limits: Callable[[DeckNode], DayLimits],
        done: Mapping[int, Done],
    ) -> Done:
        own = done.get(node.deck_id, Done()) if node.deck_id is not None else Done()
        new, review = own.new, own.review
        for child in node.children:
            below = self._fill(child, node.name, limits, done)
            new += below.new
            review += below.review
        self._limit[node.name] = limits(node)
        self._done[node.name] = [new, review]
        self._parent[node.name] = parent
        if node.deck_id is not None:
            self._node_of[node.deck_id] = node.name
        self._set_left(node.name)
        return Done(new, review)

    def _set_left(self, name: str) -> None:
        limit = self._limit[name]
        new, review = self._done[name]
        left = _Left(new=max(0, limit.new - new), review=max(0, limit.review - review - new))
        old = self._left.get(name)
        if old is None or (old.new > 0, old.review > 0) != (left.new > 0, left.review > 0):
            self._allowed.clear()  # which decks have room is all that it depends on
        self._left[name] = left

    def add(self, deck_id: int, new: int, review: int) -> None:
        """Count answers in ``deck_id`` (and so in every deck above it)."""
        name = self._node_of.get(deck_id)
        while name is not None:
            counted = self._done[name]
            counted[0] += new
            counted[1] += review
            self._set_left(name)
            name = self._parent[name]

    def counts(self, node: DeckNode, available: Mapping[int, Available]) -> QueueCounts:
        """What studying ``node`` (with its sub-decks) gives today."""
        new, learning, review = self._counts(node, available)
        return QueueCounts(new=new, learning=learning, review=review)

    def _counts(self, node: DeckNode, available: Mapping[int, Available]) -> tuple[int, int, int]:
        """Each node's cards, its sub-decks' added and its limits applied, children
        first (the study screen asks after every answer: one pass, no recursion).

        What the last pass for ``node`` worked out is kept with what it read (each deck's
        own cards and room, as the objects themselves: both are replaced, never changed):
        a node is worked out again only when one of those or a sub-deck's result changed,
        which after an answer is the answered deck and the decks above it."""
        order = self._order.get(node.name)
        if order is None:
            order = self._order[node.name] = _children_first(node)
        left = self._left
        kept = self._kept.get(node.name)
        if kept is None:
            kept = self._kept[node.name] = ([None] * len(order), [None] * len(order), [])
        owns, rooms, found = kept
        fresh = not found
        moved = [False] * len(order)
        for i, (name, deck_id, children) in enumerate(order):
            own = available.get(deck_id) if deck_id is not None else None
            room = left[name]
            if not fresh and own is owns[i] and room is rooms[i]:
                for child in children:
                    if moved[child]:
                        break
                else:
                    continue  # nothing it reads changed
            new, learning, review = (own.new, own.learning, own.review) if own else (0, 0, 0)
            for child in children:
                below_new, below_learning, below_review = found[child]
                new += below_new
                learning += below_learning
                review += below_review
            review = min(review, room.review)
            new = min(new, room.new, room.review - review)
            result = (new, learning, review)
            owns[i], rooms[i] = own, room
            if fresh:
                found.append(result)
            elif found[i] != result:
                found[i] = result
                moved[i] = True
        return found[-1]

    def allowed(self, node: DeckNode) -> tuple[frozenset[int], frozenset[int]]:
        """Deck ids that may give (a new card, a review card) now when ``node`` is studied:
        every deck on the way from ``node`` down to them still has room today.

        The queue shows due reviews before new cards, so the review limit's bound on new
        cards holds by itself: a new card needs room in the review limit too.
        """
        found = self._allowed.get(node.name)
        if found is None:
            found = self._allowed[node.name] = self._walk_allowed(node)
        return found

    def _walk_allowed(self, node: DeckNode) -> tuple[frozenset[int], frozenset[int]]:
        new_ok: set[int] = set()
        review_ok: set[int] = set()

        def walk(current: DeckNode, new_room: bool, review_room: bool) -> None:
            left = self._left[current.name]
            review_room = review_room and left.review > 0
            new_room = new_room and review_room and left.new > 0
            if current.deck_id is not None:
                if new_room:
                    new_ok.add(current.deck_id)
                if review_room:
                    review_ok.add(current.deck_id)
            if new_room or review_room:
                for child in current.children:
                    walk(child, new_room, review_room)

        walk(node, True, True)
        return frozenset(new_ok), frozenset(review_ok)


def find(roots: list[DeckNode], name: str) -> DeckNode | None:
    for root in roots:
        for node in root.walk():
            if node.name == name:
                return node
    return None


def _children_first(node: DeckNode) -> list[tuple[str, int | None, tuple[int, ...]]]:
    """``node``'s subtree, each node after its children: (name, deck id, the positions
    of its children in the list)."""
    out: list[tuple[str, int | None, tuple[int, ...]]] = []

    def visit(current: DeckNode) -> int:
        children = tuple(visit(child) for child in current.children)
        out.append((current.name, current.deck_id, children))
        return len(out) - 1

    visit(node)
    return out
