"""Which cards sat in an Anki filtered deck when they were imported, so an export to
Anki puts them back there (with their home deck and due date kept as Anki keeps them).

Cirrus has no filtered decks: such a card lives in its home deck. The placement is kept
in the ``anki_filtered_decks`` setting (a local one, it does not travel with a sync) with
the card's last review time then; a card answered in Cirrus since has left the deck, as it
would have in Anki.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from app.interop.foreign import ForeignBatch, ForeignFilteredDeck
from app.interop.stored_notes import has_filtered_cards
from app.storage.foreign_import import note_uid
from app.storage.settings_repo import get_setting, set_setting

KEY = "anki_filtered_decks"


def remember(conn: Connection, batch: ForeignBatch) -> None:
    """Note the filtered decks of the batch's cards (and forget those now outside one)."""
    value: dict[str, Any] = get_setting(conn, KEY) or {}
    members: dict[str, Any] = value.setdefault("cards", {})
    if not members and not has_filtered_cards(batch):  # (without reading stored notes)
        return
    placed = {(n.guid, c.ord): c.filtered_deck for n in batch.notes for c in n.cards}
    if not any(placed.values()) and not members:
        return
    last = _last_reviews(conn)
    decks: dict[str, Any] = value.setdefault("decks", {})
    for (guid, ord_), name in placed.items():
        if name is None:
            members.pop(f"{guid}/{ord_}", None)
            continue
        deck = batch.filtered_decks.get(name, ForeignFilteredDeck(name))
        decks[name] = {"resched": deck.reschedule, "terms": [list(t) for t in deck.terms]}
        members[f"{guid}/{ord_}"] = [name, last.get((note_uid(guid), ord_))]
    used = {name for name, _ in members.values()}
    value["decks"] = {name: deck for name, deck in decks.items() if name in used}
    set_setting(conn, KEY, value)


def placements(
    conn: Connection,
) -> tuple[dict[tuple[str, int], str], dict[str, ForeignFilteredDeck]]:
    """(guid, ord) -> filtered deck of cards still there, and those decks."""
    value: dict[str, Any] = get_setting(conn, KEY) or {}
    members: dict[str, Any] = value.get("cards", {})
    if not members:
        return {}, {}
    last = _last_reviews(conn)
    out: dict[tuple[str, int], str] = {}
    for key, (name, when) in members.items():
        guid, _, ord_ = key.rpartition("/")
        if last.get((note_uid(guid), int(ord_)), -1) == when:
            out[(guid, int(ord_))] = name
    decks = {
        name: ForeignFilteredDeck(
            name, bool(deck.get("resched", True)), tuple(tuple(t) for t in deck.get("terms", []))
        )
        for name, deck in value.get("decks", {}).items()
        if name in set(out.values())
    }
    return out, decks


def _last_reviews(conn: Connection) -> dict[tuple[str, int], int | None]:
    rows = conn.execute(
        text("SELECT n.uid, c.ord, c.last_review FROM card c JOIN note n ON n.id = c.note_id")
    )
    return {(str(uid), int(ord_)): last for uid, ord_, last in rows}
