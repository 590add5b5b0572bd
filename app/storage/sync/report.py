"""What one sync tells the learner: counts, conflicts in words, the devices seen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

SKEW_MS = 10 * 60 * 1000
"""Clocks further apart than this are worth telling the learner about."""


@dataclass
class SyncReport:
    folder: str
    device: str
    sent: int = 0
    merged: int = 0
    conflicts: list[str] = field(default_factory=list)
    devices: list[dict[str, Any]] = field(default_factory=list)
    waiting: int = 0
    """Files still being written or half-synced: read again next time."""
    segment: str | None = None
    clocks: list[str] = field(default_factory=list)
    """Devices whose clock was ahead of this one's when they last synced."""

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "device": self.device,
            "sent": self.sent,
            "merged": self.merged,
            "conflicts": len(self.conflicts),
            "conflict_details": list(self.conflicts),
            "waiting": self.waiting,
            "devices": self.devices,
            "clocks": list(self.clocks),
        }


FIELD_NAMES = {
    "prompt_md": "question",
    "front_md": "front",
    "answer_md": "answer",
    "extra_md": "extra",
    "source": "source",
    "tags": "tags",
    "deck": "deck",
}


def conflict_title(
    kind: str, key: str, values: dict[str, Any], note: dict[str, Any] | None = None
) -> str:
    """How a conflict names the thing: a note by its question, a card by its number and
    its note's question, others by name."""
    if kind == "card" and note is not None:
        uid, _, ord_ = key.rpartition("/")
        return f"card {int(ord_) + 1} of " + conflict_title("note", uid, note)
    if kind == "note":
        text_ = str(values.get("prompt_md") or values.get("front_md") or key)
        line = " ".join(text_.split())
        return f'note "{line[:60]}{"…" if len(line) > 60 else ""}"'
    if kind == "deck" and values.get("name"):
        return f'deck "{values["name"]}"'
    return f"{kind} {key}"


def clock_ahead(last_sync: Any, now_ms: int) -> str | None:
    """How far ahead of ``now_ms`` a device's last sync time (ISO 8601) is, in words, when
    it is more than :data:`SKEW_MS` (a device's clock can be behind unseen: its last sync
    looks merely old)."""
    try:
        then = datetime.fromisoformat(str(last_sync))
    except ValueError:
        return None
    if then.tzinfo is None:
        return None
    ahead = int(then.timestamp() * 1000) - now_ms
    if ahead <= SKEW_MS:
        return None
    minutes = ahead // 60_000
    if minutes < 120:
        return f"{minutes} minutes"
    hours = minutes // 60
    return f"{hours} hours" if hours < 48 else f"{hours // 24} days"
