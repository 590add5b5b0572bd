"""Single-note changes behind the Collection (``collection.notes``): add, edit fields,
delete, suspend cards (the work is in :mod:`app.storage.note_ops`); each keeps the
Collection's caches right."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from app.core.timeconv import to_ms
from app.storage import latex_images, note_ops

if TYPE_CHECKING:
    from app.storage.collection import Collection


class Notes:
    def __init__(self, collection: Collection) -> None:
        self.col = collection

    def latex_image(self, latex: str) -> str | None:
        """Anki's pre-rendered image of a LaTeX block (a stored media name), if any."""
        with self.col.engine.connect() as conn:
            return latex_images.prerendered(conn, latex)

    def add(
        self, deck_id: int, prompt: str, answer: str, now: datetime, tags: Sequence[str] = ()
    ) -> int:
        with self.col._write() as conn:
            note_id = note_ops.add_note(conn, deck_id, prompt, answer, to_ms(now), tags)
        self.col._changed()
        return note_id

    def edit_fields(self, note_id: int, values: dict[str, str | None], now: datetime) -> None:
        with self.col._write() as conn:
            note_ops.edit_note_fields(conn, note_id, values, to_ms(now))

    def delete(self, note_id: int, now: datetime) -> None:
        with self.col._write() as conn:
            note_ops.delete_note(conn, note_id, to_ms(now))
        self.col._changed()

    def set_suspended(self, card_ids: Sequence[int], suspended: bool) -> None:
        with self.col._write() as conn:
            note_ops.set_suspended(conn, card_ids, suspended)
        self.col._changed()
