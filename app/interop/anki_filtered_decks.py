"""Anki's filtered decks in a collection database (schema 11 JSON or schema 18 rows)."""

from __future__ import annotations

import json
from typing import Any

from app.interop import protobuf_wire as pb
from app.interop.foreign import ForeignFilteredDeck
from app.sqlite import sqlite3


def read_filtered_decks(db: sqlite3.Connection, tables: set[str]) -> dict[int, ForeignFilteredDeck]:
    """Filtered decks by their Anki id; what cannot be read is left out."""
    out: dict[int, ForeignFilteredDeck] = {}
    if "decks" in tables:
        for did, name, kind in db.execute("SELECT id, name, kind FROM decks"):
            if not isinstance(kind, bytes) or not isinstance(did, int):
                continue
            found = pb.messages(pb.parse(kind), 2)
            if found and isinstance(name, str):
                config = pb.parse(found[0])
                terms = tuple(
                    (pb.text(t, 1), pb.number(t, 2), pb.number(t, 3))
                    for t in (pb.parse(m) for m in pb.messages(config, 2))
                )
                out[did] = ForeignFilteredDeck(
                    name.replace("\x1f", "::"), bool(pb.number(config, 1)), terms
                )
        return out
    (decks_json,) = db.execute("SELECT decks FROM col").fetchone()
    try:
        decks = json.loads(decks_json)
    except (TypeError, ValueError):
        return out
    for key, deck in decks.items() if isinstance(decks, dict) else ():
        if isinstance(deck, dict) and deck.get("dyn") and str(key).isdigit():
            out[int(key)] = ForeignFilteredDeck(
                str(deck.get("name", "")), bool(deck.get("resched", True)), _terms(deck)
            )
    return out


def _terms(deck: dict[str, Any]) -> tuple[tuple[str, int, int], ...]:
    terms = deck.get("terms")
    if not isinstance(terms, list):
        return ()
    return tuple(
        (str(t[0]), int(t[1]), int(t[2]))
        for t in terms
        if isinstance(t, list) and len(t) >= 3 and isinstance(t[1], int) and isinstance(t[2], int)
    )
