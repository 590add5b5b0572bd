"""A search that is one ``rated:`` term, read from the review log alone.

The answers' time index holds each answer's card and rating, so the cards answered in
the days asked are the distinct card ids of its rows; every card of the log exists (a
card's answers go with it). Cards of retired notes are left out of every search, so
this holds only while no note is retired; an order or another term needs the cards.
"""

from __future__ import annotations

from app.core import search as s
from app.sqlite import sqlite3
from app.storage.retired_notes import any_retired
from app.storage.search_cache import Statement
from app.storage.search_props import SearchClock
from app.storage.search_sql import TermWriter


def compile_answers(
    db: sqlite3.Connection, tree: s.Node, clock: SearchClock, limit: int | None
) -> Statement | None:
    """The statement for ``tree`` when it is a lone ``rated:`` term; else None."""
    writer = TermWriter(db, clock)
    if isinstance(tree, s.Rated):
        where = writer.answers(">", -tree.days, tree.ease)
    elif isinstance(tree, s.Prop) and tree.key == "rated":
        where = writer.answers(tree.op, int(tree.value), tree.ease)
    else:
        return None
    if any_retired(db):
        return None
    cap = "" if limit is None else f" LIMIT {max(int(limit), 0)}"
    return Statement(
        "SELECT json_group_array(card_id) FROM (SELECT DISTINCT card_id FROM review_log "
        f"INDEXED BY ix_review_log_answered WHERE {where}{cap})",
        {},
        False,
    )
