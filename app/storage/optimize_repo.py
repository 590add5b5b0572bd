"""The review log a preset's optimisation reads, and writing its fitted parameters
(Core statements, no ORM objects)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from sqlalchemy import Connection, text

from app.core.errors import BadInputError
from app.core.optimizer import PARAMETER_COUNT, ReviewItem

DEFAULT_PRESET_ID = 1


def load_reviews(conn: Connection, preset_id: int) -> list[ReviewItem]:
    """The whole log of the cards whose deck uses the preset, by card, then time."""
    rows = conn.execute(
        text(
            "SELECT r.card_id, r.reviewed_at, r.rating, r.state_before FROM review_log r "
            "JOIN card c ON c.id = r.card_id JOIN note n ON n.id = c.note_id "
            "JOIN deck d ON d.id = n.deck_id WHERE d.preset_id = :p AND r.rating > 0 "
            "ORDER BY r.card_id, r.reviewed_at"
        ),
        {"p": preset_id},
    )
    return [ReviewItem(int(c), int(t), int(r), int(s)) for c, t, r, s in rows]


def preset_id_by_name(conn: Connection, name: str | None) -> int:
    """The id of the preset called ``name``; None means the Default preset (id 1)."""
    if name is None:
        return DEFAULT_PRESET_ID
    found = conn.execute(text("SELECT id FROM preset WHERE name = :n"), {"n": name}).scalar()
    if found is None:
        names = conn.execute(text("SELECT name FROM preset ORDER BY id")).scalars().all()
        raise BadInputError(
            f"no preset named '{name}' (presets: {', '.join(str(n) for n in names)})"
        )
    return int(found)


def preset_name(conn: Connection, preset_id: int) -> str:
    name = conn.execute(text("SELECT name FROM preset WHERE id = :i"), {"i": preset_id}).scalar()
    if name is None:
        raise BadInputError(f"no preset with id {preset_id}")
    return str(name)


def apply_parameters(conn: Connection, preset_id: int, parameters: Sequence[float]) -> None:
    """Store the preset's FSRS parameters (a JSON list of 21 numbers)."""
    values = [float(v) for v in parameters]
    if len(values) != PARAMETER_COUNT or not all(math.isfinite(v) for v in values):
        raise BadInputError(f"FSRS parameters must be {PARAMETER_COUNT} finite numbers")
    result = conn.execute(
        text("UPDATE preset SET parameters = :w WHERE id = :i"),
        {"w": json.dumps(values), "i": preset_id},
    )
    if result.rowcount == 0:
        raise BadInputError(f"no preset with id {preset_id}")
