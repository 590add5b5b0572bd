"""Which cards a note makes."""

from __future__ import annotations

from app.core.cloze import cloze_numbers
from app.core.models import NoteKind, NoteSpec


def card_ords(note: NoteSpec) -> list[int]:
    """Card ordinals: reversed notes make two cards, cloze notes one per number, a case
    study's scenario none (it is shown with its questions)."""
    if note.kind == NoteKind.CASE:
        return []
    if note.kind == NoteKind.REVERSED:
        return [0, 1]
    if note.kind == NoteKind.CLOZE:
        return [n - 1 for n in cloze_numbers(note.prompt + "\n" + note.front)]
    return [0]
