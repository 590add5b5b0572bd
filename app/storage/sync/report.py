"""What one sync tells the learner: counts, conflicts in words, the devices seen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
