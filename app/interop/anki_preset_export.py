"""Deck presets as Anki's schema-11 ``col.dconf`` JSON (the inverse of ``anki_presets``).

Steps are minutes in Anki, seconds in Cirrus; Anki's leech action is 0 suspend, 1 tag
only. Anki's own Default (id 1) is always present, as Anki requires."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.interop.anki_presets import ANKI_DEFAULT_ID
from app.interop.foreign import ForeignPreset


def _minutes(steps: tuple[int, ...]) -> list[float]:
    return [round(s / 60, 4) for s in steps]


def preset_json(p: ForeignPreset, now_s: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.anki_id,
        "name": p.name,
        "mod": now_s,
        "usn": -1,
        "maxTaken": 60,
        "autoplay": True,
        "timer": 0,
        "replayq": True,
        "dyn": False,
        "new": {
            "delays": _minutes(p.learning_steps),
            "ints": [1, 4, 0],
            "initialFactor": 2500,
            "order": 1,
            "perDay": p.new_per_day,
            "bury": p.bury_new,
        },
        "rev": {
            "perDay": p.reviews_per_day,
            "ease4": 1.3,
            "ivlFct": 1.0,
            "maxIvl": p.maximum_interval,
            "bury": p.bury_reviews,
            "hardFactor": 1.2,
        },
        "lapse": {
            "delays": _minutes(p.relearning_steps),
            "mult": 0,
            "minInt": 1,
            "leechFails": p.leech_threshold,
            "leechAction": 0 if p.leech_suspend else 1,
        },
        "desiredRetention": p.desired_retention,
    }
    if p.parameters is not None:
        out["fsrsParams6"] = list(p.parameters)
    return out


def dconf(presets: Iterable[ForeignPreset], now_s: int) -> dict[str, Any]:
    out = {str(p.anki_id): preset_json(p, now_s) for p in presets}
    if str(ANKI_DEFAULT_ID) not in out:
        default = ForeignPreset(anki_id=ANKI_DEFAULT_ID, name="Default", learning_steps=(60, 600))
        out[str(ANKI_DEFAULT_ID)] = preset_json(default, now_s)
    return out
