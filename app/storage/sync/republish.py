"""Everything this device knows, written again for a folder that does not have it: a
folder chosen for the first time after syncing elsewhere, or the same one emptied and
chosen again. Without it such a folder would only get what changed from then on.

Edits keep the stamps they won with (their time, device and sequence), so they order in
the new folder exactly as they did in the old one; answers, undos and import bases go
in as well. Merging any of it twice changes nothing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, text

from app.storage.sync import reviews


def _split(stamp: str) -> tuple[int, str, int]:
    ts, device, seq = stamp.split(".")
    return int(ts), device, int(seq)


def set_events(conn: Connection) -> list[dict[str, Any]]:
    """One ``set`` event per thing and stamp, from the merged registers."""
    events = []
    rows = conn.execute(
        text('SELECT kind, "key", "values", stamps FROM sync_register ORDER BY kind, "key"')
    )
    for kind, key, values_json, stamps_json in rows:
        values, stamps = json.loads(values_json), json.loads(stamps_json)
        groups: dict[str, dict[str, Any]] = {}
        for name, (stamp, base) in stamps.items():
            if stamp is None or name not in values:
                continue
            group = groups.setdefault(stamp, {"values": {}, "base": {}})
            group["values"][name] = values[name]
            group["base"][name] = base
        for stamp, group in sorted(groups.items()):
            ts, device, seq = _split(stamp)
            events.append(
                {
                    "type": "set",
                    "kind": kind,
                    "key": key,
                    "values": group["values"],
                    "base": group["base"],
                    "id": uuid.uuid4().hex,
                    "device": device,
                    "seq": seq,
                    "ts": ts,
                }
            )
    return events


def answer_bodies(conn: Connection) -> list[dict[str, Any]]:
    """Every answer, set-aside answer and undo this device holds (bodies, unstamped)."""
    return reviews.review_bodies(conn, unsent_only=False)
