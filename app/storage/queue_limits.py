"""Today's daily limits for the Collection: the deck tree, each deck's preset limits and
what each deck did today, kept in memory and adjusted on every answer."""

from __future__ import annotations

from sqlalchemy import Connection, text

from app.core.deck_tree import DeckNode, build_tree, subtree_ids
from app.core.limits import DayLimits, Done, LimitTree, find
from app.core.models import CardState
from app.storage import study_repo

DEFAULT_PRESET = 1

AllowedDecks = tuple[tuple[int, ...], tuple[int, ...]]
_Room = tuple[frozenset[int], frozenset[int]]


class DailyLimits:
    """Caches that every write through the Collection keeps right (or resets)."""

    def __init__(self) -> None:
        self._decks: list[tuple[int, str, int]] | None = None
        self._presets: dict[int, int] | None = None
        self._per_day: dict[int, tuple[int, int]] | None = None
        self._overrides: dict[int, tuple[int, int]] = {}
        self._done: tuple[int, dict[int, Done]] | None = None
        self._roots: list[DeckNode] | None = None
        self._tree: tuple[int, LimitTree] | None = None
        """The last tree made (for its day), adjusted on answers; other changes drop it."""
        self._subtrees: dict[str | None, tuple[int, ...]] = {}
        self._nodes: dict[str | None, list[DeckNode]] = {}
        self._allowed: dict[str | None, tuple[LimitTree, list[_Room], AllowedDecks]] = {}

    def reset(self) -> None:
        self._decks = None
        self._subtrees = {}
        self._nodes = {}
        self._allowed = {}
        self._presets = None
        self._per_day = None
        self._done = None
        self._roots = None
        self._tree = None

    def forget_today(self) -> None:
        self._done = None
        self._tree = None

    # -- what the tree is made of ----------------------------------------------------

    def decks(self, conn: Connection) -> list[tuple[int, str, int]]:
        """(id, name, preset id) of every deck, in deck order."""
        if self._decks is None:
            rows = conn.execute(
                text("SELECT id, name, preset_id FROM deck ORDER BY position, name")
            )
            self._decks = [(int(r[0]), str(r[1]), int(r[2])) for r in rows]
        return self._decks

    def presets(self, conn: Connection) -> dict[int, int]:
        if self._presets is None:
            self._presets = {deck_id: preset for deck_id, _, preset in self.decks(conn)}
        return self._presets

    def known_preset(self, deck_id: int) -> int | None:
        """The deck's preset when the deck list is loaded (else None)."""
        return None if self._presets is None else self._presets.get(deck_id)

    def roots(self, conn: Connection) -> list[DeckNode]:
        if self._roots is None:
            self._roots = build_tree([(i, n) for i, n, _ in self.decks(conn)])
            self._nodes = {}
        return self._roots

    def nodes(self, conn: Connection, deck: str | None) -> list[DeckNode]:
        """The tree nodes a study session of ``deck`` covers (every root when None)."""
        roots = self.roots(conn)
        found = self._nodes.get(deck)
        if found is None:
            node = find(roots, deck) if deck is not None else None
            found = roots if deck is None else [node] if node is not None else []
            self._nodes[deck] = found
        return list(found)

    def subtree(self, deck: str | None) -> list[int]:
        """Ids of ``deck`` and the decks under it (every deck when None), from the deck
        list (which must be loaded: :meth:`decks`)."""
        ids = self._subtrees.get(deck)
        if ids is None:
            assert self._decks is not None
            ids = tuple(subtree_ids([(i, n) for i, n, _ in self._decks], deck))
            self._subtrees[deck] = ids
        return list(ids)

    def tree(self, conn: Connection, window: study_repo.DayWindow) -> LimitTree:
        if self._tree is not None and self._tree[0] == window.day_start:
            return self._tree[1]
        if self._per_day is None:
            self._per_day = study_repo.preset_limits(conn)
            self._overrides = study_repo.today_overrides(conn, window.day_start)
        if self._done is None or self._done[0] != window.day_start:
            self._done = (window.day_start, study_repo.done_today(conn, window.day_start))
            self._overrides = study_repo.today_overrides(conn, window.day_start)
        presets = self.presets(conn)
        per_day = self._per_day
        overrides = self._overrides

        def limits(node: DeckNode) -> DayLimits:
            if node.deck_id is not None and node.deck_id in overrides:
                return DayLimits(*overrides[node.deck_id])
            preset = presets.get(node.deck_id, DEFAULT_PRESET) if node.deck_id else DEFAULT_PRESET
            new, review = per_day.get(preset, per_day.get(DEFAULT_PRESET, (20, 200)))
            return DayLimits(new, review)

        tree = LimitTree(self.roots(conn), limits, self._done[1])
        self._tree = (window.day_start, tree)
        return tree

    def allowed(
        self, conn: Connection, window: study_repo.DayWindow, deck: str | None
    ) -> AllowedDecks:
        """Sorted ids of the decks that may give (a new card, a review card) now when
        ``deck`` is studied (kept while the tree's answer for each node is the same)."""
        tree = self.tree(conn, window)
        parts = [tree.allowed(node) for node in self.nodes(conn, deck)]
        kept = self._allowed.get(deck)
        if (
            kept is not None
            and kept[0] is tree
            and len(kept[1]) == len(parts)
            and all(a is b for a, b in zip(kept[1], parts, strict=True))
        ):
            return kept[2]
        new_ok: set[int] = set()
        review_ok: set[int] = set()
        for new, review in parts:
            new_ok |= new
            review_ok |= review
        found = (tuple(sorted(new_ok)), tuple(sorted(review_ok)))
        self._allowed[deck] = (tree, parts, found)
        return found

    def answered(self, deck_id: int, state_before: CardState, day_start: int) -> None:
        """Count one answer in today's totals (when they are loaded for that day)."""
        if self._done is None or self._done[0] != day_start:
            self._tree = None
            return
        new = int(state_before == CardState.NEW)
        review = int(state_before == CardState.REVIEW)
        done = self._done[1].get(deck_id, Done())
        self._done[1][deck_id] = Done(done.new + new, done.review + review)
        if self._tree is not None and self._tree[0] == day_start:
            self._tree[1].add(deck_id, new, review)
        else:
            self._tree = None

    def known_decks(self) -> list[tuple[int, str, int]] | None:
        """The deck list when it is loaded (None: read it with :meth:`decks`)."""
        return self._decks
