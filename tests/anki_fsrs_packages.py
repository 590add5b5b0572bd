"""Anki packages with FSRS memory and reviews, built by the real Anki, for sync tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.interop.anki_oracle import export, new_anki

DECK = "Anki home"


def _answer(col: Any, card_id: int, *eases: int) -> None:
    for ease in eases:
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, ease)


def anki_packages(folder: Path) -> tuple[Path, Path]:
    """Two exports of one Anki collection with FSRS on: the second after more reviews."""
    col = new_anki(folder / "anki")
    try:
        col.set_config("fsrs", True)
        basic = col.models.by_name("Basic")
        home = col.decks.id(DECK)
        ids = []
        for i in range(6):
            note = col.new_note(basic)
            note["Front"], note["Back"] = f"anki question {i}", "answer"
            col.add_note(note, home)
            ids.append(note.cards()[0].id)
        _answer(col, ids[0], 4)  # a review card straight away
        _answer(col, ids[1], 3, 3)  # through the learning steps
        _answer(col, ids[2], 1, 3, 3)
        _answer(col, ids[3], 3)  # still learning
        first = export(col, folder / "first.apkg", legacy=False)
        col.sched.set_due_date([ids[0]], "0")
        _answer(col, ids[0], 3)  # reviewed again in Anki after the first export
        _answer(col, ids[4], 4)
        second = export(col, folder / "second.apkg", legacy=False)
    finally:
        col.close()
    return first, second
