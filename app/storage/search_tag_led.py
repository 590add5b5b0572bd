"""Searches led by their tag terms: a tag term, or AND-joined terms among which tag terms,
compiled to read ``note_tag`` by joins rather than to build a list of tagged notes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core import search as s
from app.sqlite import sqlite3
from app.storage.search_props import SearchClock
from app.storage.search_sql import TermWriter
from app.storage.search_text import sql_quote


@dataclass(frozen=True)
class TagLed:
    """A search whose AND-joined terms include tag terms, compiled to read the tags'
    rows by joins: from a tag's rows to its cards (``note_tag g JOIN card c``), and past
    a negated tag's rows (``LEFT JOIN note_tag g1 ... WHERE g1.note_id IS NULL``). No list
    of the tagged notes to build first, as ``IN (SELECT ...)`` does."""

    source: str
    """The FROM clause up to and with ``card c`` (more joins may follow)."""
    where: str
    params: dict[str, Any]
    repeats: bool
    """A note can hold more than one of the tags led from: its cards may come twice."""


_FEW_TAGS = 4
"""A negated tag term of at most this many tags is a join (a step per tag and card)."""


def compile_tag_led(db: sqlite3.Connection, tree: s.Node, clock: SearchClock) -> TagLed | None:
    """``tree`` (a tag term, or terms joined by AND among which tag terms) over joins of
    ``note_tag``; None for any other search."""
    terms = list(tree.children) if isinstance(tree, s.And) else [tree]
    tagged = (s.Tag, s.Service, s.Domain)
    if not any(isinstance(t.child if isinstance(t, s.Not) else t, tagged) for t in terms):
        return None
    writer = TermWriter(db, clock)
    source, repeats = "card c", False
    joins: list[str] = []
    rest: list[str] = []
    for term in terms:
        negated = isinstance(term, s.Not)
        tags = writer.tag_list(term.child if isinstance(term, s.Not) else term)
        if tags is not None and not tags and not negated:
            return TagLed(source, "0", {}, False)
        listed = ", ".join(sql_quote(t) for t in tags or [])
        if tags and not negated and source == "card c":
            source = f"note_tag g JOIN card c ON c.note_id = g.note_id AND g.tag IN ({listed})"
            repeats = len(tags) > 1
        elif tags and negated and len(tags) <= _FEW_TAGS:
            alias = f"g{len(joins) + 1}"
            joins.append(
                f" LEFT JOIN note_tag {alias} ON {alias}.note_id = c.note_id AND "
                f"{alias}.tag IN ({listed})"
            )
            rest.append(f"{alias}.note_id IS NULL")
        else:
            rest.append(writer.node(term))
    if source == "card c" and not joins:
        return None
    return TagLed(source + "".join(joins), " AND ".join(rest) or "1", writer.params, repeats)
