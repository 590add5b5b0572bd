"""Decks with siblings for the study-queue and counts tests, and a write beside the
answer path."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from app.storage.collection import Collection
from tests.conftest import deck_text


def sibling_cards(prefix: str, n: int, reversed_every: int = 3) -> str:
    """Notes with one card, and every ``reversed_every``-th with two (siblings)."""
    out = []
    for i in range(n):
        kind = "; type: reversed" if i % reversed_every == 0 else ""
        out.append(f"## {prefix} question {i}\n<!-- id: {prefix}{i}{kind} -->\nAnswer {i}\n\n")
    return "".join(out)


def write_sibling_deck(folder: Path, name: str, deck: str, prefix: str, n: int) -> Path:
    path = folder / f"{name}.md"
    path.write_text(deck_text(sibling_cards(prefix, n), deck=deck, uid=name), encoding="utf-8")
    return path


def toggle_suspension(col: Collection, index: int) -> None:
    """Suspend or unsuspend one card as the browser does: a write beside the answer path."""
    with col.engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM card ORDER BY id"))]
        conn.execute(
            text("UPDATE card SET suspended = 1 - suspended WHERE id = :i"),
            {"i": ids[index % len(ids)]},
        )
