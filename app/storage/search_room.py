"""Searching cards with Anki's syntax (docs/search.md): ids in an order, and the rows a
card list shows. The query is parsed by ``app.core.search`` and compiled to SQL by
``app.storage.search_sql``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.core import search
from app.storage import study_repo
from app.storage.card_list import CardListRow, card_rows
from app.storage.search_sql import SearchClock, search_card_ids

if TYPE_CHECKING:
    from app.storage.collection import Collection


class Searching:
    def __init__(self, collection: Collection) -> None:
        self.col = collection

    def clock(self, now: datetime | None = None) -> SearchClock:
        """Today's bounds and the default preset's forgetting curve (kept by the
        collection until a change of presets)."""
        window = self.col.window(now or datetime.now(UTC))
        if self.col._search_model is None:
            with self.col._read() as conn:
                factor, decay = self.col._model(conn)
                retention = study_repo.preset_settings(conn, 1).desired_retention
            self.col._search_model = (factor, decay, retention)
        factor, decay, retention = self.col._search_model
        return SearchClock(window.now, window.day_start, window.day_end, factor, decay, retention)

    def cards(
        self,
        query: str | search.Node,
        order: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        now: datetime | None = None,
    ) -> list[int]:
        tree = search.parse(query) if isinstance(query, str) else query
        clock = self.clock(now)
        with self.col._read() as conn:
            return search_card_ids(conn, tree, clock, order, descending, limit)

    def rows(self, ids: Sequence[int], now: datetime | None = None) -> list[CardListRow]:
        clock = self.clock(now)
        with self.col._read() as conn:
            return card_rows(conn, ids, clock)
