"""``cirrus search QUERY``: the cards an Anki-syntax search finds, read-only.

The collection is opened for reading only (no upgrade, no bundled-deck sync), so a search
works beside a running Cirrus and on a file it may not write.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from app.core.search import parse
from app.storage.card_list import CardListRow
from app.storage.collection import Collection
from app.storage.search_room import ORDERS


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "search", parents=[common], help="find cards with Anki's search syntax (read-only)"
    )
    p.add_argument("query", help='an Anki search, e.g. "deck:AI-200 is:due -tag:leech"')
    p.add_argument("--order", default="id", choices=sorted(ORDERS), help="sort the cards by")
    p.add_argument("--desc", action="store_true", help="sort in descending order")
    p.add_argument("--limit", type=int, help="list at most this many cards (count is all)")
    p.set_defaults(handler=cmd_search)


def cmd_search(args: argparse.Namespace) -> dict[str, Any]:
    tree = parse(args.query)  # a bad query fails before the collection is opened
    now = datetime.now(UTC)
    col = Collection.open_readonly(args.data_dir_resolved)
    try:
        ids = col.search_cards(tree, order=args.order, descending=args.desc, now=now)
        shown = ids if args.limit is None else ids[: max(args.limit, 0)]
        rows = col.card_rows(shown, now)
    finally:
        col.close()
    cards = [card_json(r) for r in rows]
    lines = [f"{'id':>8} {'deck':<32} {'due':<16} {'ivl':>5} {'S':>7} {'R':>5}  sort field"]
    lines += [_line(r, c) for r, c in zip(rows, cards, strict=True)]
    lines.append(f"{len(ids)} cards" + (f" ({len(rows)} shown)" if len(rows) < len(ids) else ""))
    return {"query": args.query, "count": len(ids), "cards": cards, "_text": "\n".join(lines)}


def card_json(row: CardListRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "note_guid": row.note_guid,
        "ord": row.ord,
        "deck": row.deck,
        "due": _iso(row.due),
        "interval_days": row.interval_days,
        "stability": _round(row.stability, 4),
        "difficulty": _round(row.difficulty, 4),
        "retrievability": _round(row.retrievability, 4),
        "reviews": row.reviews,
        "lapses": row.lapses,
        "suspended": row.suspended,
        "flag": row.flag,
    }


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds")


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def _line(row: CardListRow, card: dict[str, Any]) -> str:
    due = "new" if card["due"] is None else str(card["due"])[:16].replace("T", " ")
    s = "" if row.stability is None else f"{row.stability:.1f}"
    r = "" if row.retrievability is None else f"{row.retrievability:.0%}"
    deck = row.deck if len(row.deck) <= 32 else "…" + row.deck[-31:]
    text = " ".join(row.sort_field.split())[:60]
    return f"{row.id:>8} {deck:<32} {due:<16} {row.interval_days:>5} {s:>7} {r:>5}  {text}"
