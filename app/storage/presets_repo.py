"""Presets in SQL: list, save, add or clone, rename, delete, assign to decks; and the
"today only" daily limits of a deck."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import Connection, text

from app.core.presets import Preset

DEFAULT_ID = 1
_COLUMNS = (
    "id, name, new_per_day, reviews_per_day, learning_steps, relearning_steps, "
    "desired_retention, maximum_interval, parameters, fuzz, leech_threshold, leech_action, "
    "bury_new, bury_reviews, new_order"
)


def _preset(row: Any) -> Preset:
    return Preset(
        id=int(row[0]),
        name=str(row[1]),
        new_per_day=int(row[2]),
        reviews_per_day=int(row[3]),
        learning_steps=tuple(json.loads(row[4])),
        relearning_steps=tuple(json.loads(row[5])),
        desired_retention=float(row[6]),
        maximum_interval=int(row[7]),
        parameters=tuple(json.loads(row[8])) if row[8] else None,
        fuzz=bool(row[9]),
        leech_threshold=int(row[10]),
        leech_action=int(row[11]),
        bury_new=bool(row[12]),
        bury_reviews=bool(row[13]),
        new_order=int(row[14]),
    )


def all_presets(conn: Connection) -> list[Preset]:
    rows = conn.execute(text(f"SELECT {_COLUMNS} FROM preset ORDER BY id = 1 DESC, name"))
    return [_preset(r) for r in rows]


def get(conn: Connection, preset_id: int) -> Preset | None:
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM preset WHERE id = :i"), {"i": preset_id})
    found = row.first()
    return _preset(found) if found is not None else None


def _values(p: Preset) -> dict[str, Any]:
    values = asdict(p)
    values["learning_steps"] = json.dumps(list(p.learning_steps))
    values["relearning_steps"] = json.dumps(list(p.relearning_steps))
    values["parameters"] = json.dumps(list(p.parameters)) if p.parameters else None
    return values


def save(conn: Connection, p: Preset) -> None:
    p.check()
    columns = [c.strip() for c in _COLUMNS.split(",") if c.strip() != "id"]
    sets = ", ".join(f"{c} = :{c}" for c in columns)
    conn.execute(text(f"UPDATE preset SET {sets} WHERE id = :id"), _values(p))


def add(conn: Connection, name: str, like: Preset | None = None) -> int:
    """A new preset named ``name``: the defaults, or a copy of ``like`` (a clone)."""
    base = replace(like, name=name) if like is not None else Preset(id=0, name=name)
    base.check()
    values = _values(base)
    values.pop("id")
    columns = ", ".join(values)
    marks = ", ".join(f":{c}" for c in values)
    result = conn.execute(text(f"INSERT INTO preset ({columns}) VALUES ({marks})"), values)
    return int(result.lastrowid or 0)


def delete(conn: Connection, preset_id: int) -> int:
    """Delete a preset; its decks go back to the default one. Returns how many moved."""
    if preset_id == DEFAULT_ID:
        raise ValueError("the default preset cannot be deleted")
    moved = conn.execute(
        text("UPDATE deck SET preset_id = :d WHERE preset_id = :p"),
        {"d": DEFAULT_ID, "p": preset_id},
    ).rowcount
    conn.execute(text("DELETE FROM preset WHERE id = :p"), {"p": preset_id})
    return int(moved or 0)


def usage(conn: Connection) -> dict[int, int]:
    """Decks per preset."""
    rows = conn.execute(text("SELECT preset_id, COUNT(*) FROM deck GROUP BY preset_id"))
    return {int(p): int(n) for p, n in rows}


def assign(conn: Connection, deck_ids: list[int], preset_id: int) -> None:
    if not deck_ids:
        return
    ids = ",".join(str(int(i)) for i in deck_ids)
    conn.execute(text(f"UPDATE deck SET preset_id = :p WHERE id IN ({ids})"), {"p": preset_id})


def set_today(
    conn: Connection, deck_id: int, day_start: int, limits: tuple[int, int] | None
) -> None:
    """Set (or clear, with None) a deck's "today only" new and review limits."""
    new, reviews = limits if limits is not None else (None, None)
    conn.execute(
        text("UPDATE deck SET today_day = :d, today_new = :n, today_reviews = :r WHERE id = :i"),
        {"d": day_start if limits else None, "n": new, "r": reviews, "i": deck_id},
    )
