"""Deck presets that come with an Anki package: kept and assigned as in Anki.

A deck the import creates gets its package preset. Anki's own "Default" preset maps to
Cirrus's Default (whose options the learner already chose, so they are not overwritten);
any other preset is added under its name, or the learner's preset of that name is used.
Decks that already existed keep the preset the learner gave them."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, text

from app.interop.anki_presets import ANKI_DEFAULT_ID, to_preset
from app.interop.foreign import ForeignPreset
from app.storage import presets_repo


def assign_package_presets(
    conn: Connection,
    presets: Mapping[int, ForeignPreset],
    deck_presets: Mapping[str, int],
    created: Mapping[str, int],
) -> None:
    """Give each newly created deck (name -> id) the preset its package gave it."""
    local: dict[int, int] = {}
    for name, deck_id in created.items():
        anki_id = deck_presets.get(name)
        if anki_id is None or anki_id == ANKI_DEFAULT_ID or anki_id not in presets:
            continue
        if anki_id not in local:
            local[anki_id] = _preset_id(conn, presets[anki_id])
        presets_repo.assign(conn, [deck_id], local[anki_id])


def _preset_id(conn: Connection, foreign: ForeignPreset) -> int:
    row = conn.execute(text("SELECT id FROM preset WHERE name = :n"), {"n": foreign.name}).first()
    if row is not None:
        return int(row[0])
    preset = to_preset(foreign)
    return presets_repo.add(conn, foreign.name, preset)
