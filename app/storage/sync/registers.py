"""Last-writer-wins per field, with the stamps that decide it.

A stamp is ``"<ms:013d>.<device>.<seq:09d>"``: it sorts by time, then device, then the
device's sequence number, so every device picks the same winner whatever order events
come in. Each field also remembers the stamp its writer had seen (its base): an incoming
value whose base is not the value it replaces was written without knowing it — a
conflict, and the value that loses is kept in ``note_history``.
The field ``_alive`` is a thing's existence: a deletion writes False, an edit True.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text


def stamp(ts: int, device: str, seq: int) -> str:
    return f"{ts:013d}.{device}.{seq:09d}"


def stamp_time(value: str) -> int:
    return int(value.split(".", 1)[0])


@dataclass
class Register:
    values: dict[str, Any] = field(default_factory=dict)
    stamps: dict[str, list[str | None]] = field(default_factory=dict)
    """field -> [stamp, base]"""

    @property
    def alive(self) -> bool:
        return self.values.get("_alive", True) is not False

    def latest(self) -> int:
        return max((stamp_time(s[0]) for s in self.stamps.values() if s[0]), default=0)

    def stamp_of(self, name: str) -> str | None:
        return self.stamps.get(name, [None, None])[0]


@dataclass(frozen=True)
class Outcome:
    field: str
    kept: Any
    lost: Any
    lost_stamp: str
    winner_stamp: str


def load(conn: Connection, kind: str) -> dict[str, Register]:
    rows = conn.execute(
        text('SELECT "key", "values", stamps FROM sync_register WHERE kind = :k'), {"k": kind}
    )
    return {r[0]: Register(json.loads(r[1]), json.loads(r[2])) for r in rows}


def save(conn: Connection, kind: str, key: str, reg: Register) -> None:
    conn.execute(
        text(
            'INSERT INTO sync_register (kind, "key", "values", stamps) VALUES (:k, :y, :v, :s) '
            'ON CONFLICT(kind, "key") DO UPDATE SET "values" = excluded."values", '
            "stamps = excluded.stamps"
        ),
        {
            "k": kind,
            "y": key,
            "v": json.dumps(reg.values, sort_keys=True),
            "s": json.dumps(reg.stamps, sort_keys=True),
        },
    )


def write_local(reg: Register, changed: dict[str, Any], at: str) -> dict[str, str | None]:
    """Record this device's own change; returns the bases to send with it."""
    bases = {}
    for name, value in changed.items():
        base = reg.stamp_of(name)
        bases[name] = base
        reg.values[name] = value
        reg.stamps[name] = [at, base]
    return bases


def merge(
    reg: Register, values: dict[str, Any], bases: dict[str, Any], at: str
) -> tuple[bool, list[Outcome]]:
    """Fold one incoming event in; returns whether anything changed and the conflicts."""
    changed = False
    conflicts: list[Outcome] = []
    for name, value in values.items():
        current = reg.stamps.get(name)
        base = bases.get(name)
        if current is None or current[0] is None or at > current[0]:
            if current is not None and current[0] is not None and base != current[0]:
                old = reg.values.get(name)
                if old != value:
                    conflicts.append(Outcome(name, value, old, current[0], at))
            changed = changed or reg.values.get(name) != value or current is None
            reg.values[name] = value
            reg.stamps[name] = [at, base]
        elif at < current[0] and base == current[1] and reg.values.get(name) != value:
            conflicts.append(Outcome(name, reg.values.get(name), value, at, current[0]))
    return changed, conflicts
