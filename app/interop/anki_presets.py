"""Anki's deck options presets ("deck configs") and which deck uses which, from a package's
collection (schema 11: JSON in ``col.dconf``/``col.decks``; schema 18: the ``deck_config``
table's protobuf and each deck's ``kind``)."""

from __future__ import annotations

import json
import struct
from typing import Any

from app.core.presets import LEECH_SUSPEND, LEECH_TAG_ONLY, Preset
from app.interop import protobuf_wire as pb
from app.interop.foreign import ForeignPreset
from app.sqlite import sqlite3

ANKI_DEFAULT_ID = 1
_TAG_ONLY = 1
"""Anki's LeechAction: 0 suspend, 1 tag only."""


def read_presets(db: sqlite3.Connection) -> tuple[dict[int, ForeignPreset], dict[str, int]]:
    """(presets by Anki id, deck name -> preset id). Damaged entries are skipped."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "deck_config" in tables:
        return _schema18(db)
    return _schema11(db)


def _steps(minutes: Any) -> tuple[int, ...]:
    if not isinstance(minutes, list | tuple):
        return ()
    out = []
    for m in minutes:
        if isinstance(m, int | float) and not isinstance(m, bool) and 0 < m < 10**7:
            out.append(max(1, round(float(m) * 60)))
    return tuple(out)


def _section(conf: dict[str, Any], key: str) -> dict[str, Any]:
    value = conf.get(key)
    return value if isinstance(value, dict) else {}


def _clamp(value: Any, low: int, high: int, default: int) -> int:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return default
    return int(min(high, max(low, value)))


def _schema11(db: sqlite3.Connection) -> tuple[dict[int, ForeignPreset], dict[str, int]]:
    row = db.execute("SELECT dconf, decks FROM col").fetchone()
    try:
        confs = json.loads(row[0] or "{}")
        decks = json.loads(row[1] or "{}")
    except (TypeError, ValueError):
        return {}, {}
    presets: dict[int, ForeignPreset] = {}
    if isinstance(confs, dict):
        for key, c in confs.items():
            if not isinstance(c, dict) or not str(key).lstrip("-").isdigit():
                continue
            new, rev, lapse = (_section(c, k) for k in ("new", "rev", "lapse"))
            presets[int(key)] = ForeignPreset(
                anki_id=int(key),
                name=str(c.get("name") or f"Preset {key}")[:100],
                new_per_day=_clamp(new.get("perDay"), 0, 9999, 20),
                reviews_per_day=_clamp(rev.get("perDay"), 0, 99999, 200),
                learning_steps=_steps(new.get("delays", [1, 10])),
                relearning_steps=_steps(lapse.get("delays", [10])),
                desired_retention=_retention(c.get("desiredRetention")),
                maximum_interval=_clamp(rev.get("maxIvl"), 1, 36500, 36500),
                leech_threshold=_clamp(lapse.get("leechFails"), 1, 99, 8),
                leech_suspend=lapse.get("leechAction", _TAG_ONLY) == 0,
                bury_new=bool(new.get("bury", False)),
                bury_reviews=bool(rev.get("bury", False)),
            )
    uses: dict[str, int] = {}
    if isinstance(decks, dict):
        for d in decks.values():
            if isinstance(d, dict) and not d.get("dyn") and isinstance(d.get("conf"), int):
                uses[str(d.get("name", "")).replace("\x1f", "::")] = int(d["conf"])
    return presets, uses


def _retention(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return 0.9
    return min(0.99, max(0.7, float(value)))


def _floats(values: list[int | bytes]) -> list[float]:
    """Packed (or repeated) 32-bit floats."""
    out: list[float] = []
    for v in values:
        if isinstance(v, bytes):
            out.extend(struct.unpack(f"<{len(v) // 4}f", v[: len(v) // 4 * 4]))
        else:
            out.append(struct.unpack("<f", v.to_bytes(4, "little"))[0])
    return out


def _schema18(db: sqlite3.Connection) -> tuple[dict[int, ForeignPreset], dict[str, int]]:
    presets: dict[int, ForeignPreset] = {}
    for cid, name, blob in db.execute("SELECT id, name, config FROM deck_config"):
        try:
            f = pb.parse(blob or b"")
        except Exception:
            continue
        retention = _floats(f.get(37, []))
        params = _floats(f.get(6, []))
        presets[int(cid)] = ForeignPreset(
            anki_id=int(cid),
            name=str(name or f"Preset {cid}")[:100],
            new_per_day=_clamp(pb.number(f, 9, 20), 0, 9999, 20),
            reviews_per_day=_clamp(pb.number(f, 10, 200), 0, 99999, 200),
            learning_steps=_steps(_floats(f.get(1, []))),
            relearning_steps=_steps(_floats(f.get(2, []))),
            desired_retention=min(0.99, max(0.7, retention[0])) if retention else 0.9,
            maximum_interval=_clamp(pb.number(f, 16, 36500), 1, 36500, 36500),
            leech_threshold=_clamp(pb.number(f, 22, 8), 1, 99, 8),
            leech_suspend=pb.number(f, 21, 0) == 0,
            bury_new=bool(pb.number(f, 27, 0)),
            bury_reviews=bool(pb.number(f, 28, 0)),
            parameters=tuple(params) if len(params) == 21 else None,
        )
    uses: dict[str, int] = {}
    for name, kind in db.execute("SELECT name, kind FROM decks"):
        try:
            normal = pb.messages(pb.parse(kind or b""), 1)
            if normal:
                uses[str(name).replace("\x1f", "::")] = pb.number(pb.parse(normal[0]), 1, 1)
        except Exception:
            continue
    return presets, uses


def to_preset(foreign: ForeignPreset) -> Preset:
    """A package's preset as a Cirrus preset (its id is given when it is stored)."""
    return Preset(
        id=0,
        name=foreign.name,
        new_per_day=foreign.new_per_day,
        reviews_per_day=foreign.reviews_per_day,
        learning_steps=foreign.learning_steps,
        relearning_steps=foreign.relearning_steps,
        desired_retention=foreign.desired_retention,
        maximum_interval=foreign.maximum_interval,
        parameters=foreign.parameters,
        leech_threshold=foreign.leech_threshold,
        leech_action=LEECH_SUSPEND if foreign.leech_suspend else LEECH_TAG_ONLY,
        bury_new=foreign.bury_new,
        bury_reviews=foreign.bury_reviews,
    )


def from_preset(preset: Preset, anki_id: int) -> ForeignPreset:
    """A Cirrus preset as the package preset ``anki_id`` (the reverse of :func:`to_preset`)."""
    return ForeignPreset(
        anki_id=anki_id,
        name=preset.name,
        new_per_day=preset.new_per_day,
        reviews_per_day=preset.reviews_per_day,
        learning_steps=preset.learning_steps,
        relearning_steps=preset.relearning_steps,
        desired_retention=preset.desired_retention,
        maximum_interval=preset.maximum_interval,
        leech_threshold=preset.leech_threshold,
        leech_suspend=preset.leech_action == LEECH_SUSPEND,
        bury_new=preset.bury_new,
        bury_reviews=preset.bury_reviews,
        parameters=preset.parameters,
    )
