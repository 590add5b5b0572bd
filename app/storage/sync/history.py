"""The versions of a note that lost a sync conflict, as the note editor shows them.

``note_history`` keeps each losing value with its stamp (``<ms>.<device>.<seq>``); a
note that came back because an edit was newer than its deletion keeps the deletion there
too (field ``_alive``), so the editor can say why the note is still here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from app.storage.sync.registers import stamp_time

FIELD_LABELS = {
    "prompt_md": "Heading",
    "front_md": "Question",
    "answer_md": "Answer",
    "fields": "Fields",
    "tags": "Tags",
    "source": "Source",
    "deck": "Deck",
    "_alive": "Deleted",
}


@dataclass(frozen=True)
class LostVersion:
    id: int
    field: str
    """The synced field (``prompt_md``, ``fields``, ``tags``, …; ``_alive``: a deletion)."""
    value: Any
    """The value that lost: text, a list of field values (``fields``) or of tags."""
    device: str
    """The name of the computer that made it."""
    made_at: int
    """When it was made (ms since 1970)."""

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)


def lost_versions(conn: Connection, note_id: int, limit: int = 20) -> list[LostVersion]:
    """The newest versions of a note that a sync did not keep, newest first."""
    uid = conn.execute(text("SELECT uid FROM note WHERE id = :i"), {"i": note_id}).scalar()
    if uid is None:
        return []
    rows = conn.execute(
        text(
            "SELECT id, field, value, stamp FROM note_history WHERE note_uid = :u "
            "AND reason = 'sync conflict' ORDER BY stamp DESC, id DESC LIMIT :n"
        ),
        {"u": uid, "n": limit},
    ).all()
    names = _device_names(conn)
    # a note type's note: its question line is made from its fields, shown once as fields
    with_fields = {str(r[3]) for r in rows if r[1] == "fields"}
    out = []
    for row_id, field, value, stamp in rows:
        if field == "prompt_md" and str(stamp) in with_fields:
            continue
        parsed = json.loads(value)
        if field == "fields" and isinstance(parsed, str):
            parsed = json.loads(parsed)  # the column's own JSON list
        device = str(stamp).split(".")[1] if str(stamp).count(".") >= 2 else ""
        out.append(
            LostVersion(
                int(row_id),
                str(field),
                parsed,
                names.get(device, device[:8] or "another computer"),
                stamp_time(str(stamp)),
            )
        )
    return out


def _device_names(conn: Connection) -> dict[str, str]:
    rows: dict[str, str] = dict(
        conn.execute(
            text("SELECT key, value FROM setting WHERE key IN ('sync_devices', 'sync_device_id')")
        ).all()
    )
    names: dict[str, str] = {}
    for device in json.loads(rows.get("sync_devices") or "[]"):
        if isinstance(device, dict) and device.get("id"):
            names[str(device["id"])] = str(device.get("name") or device["id"])[:40]
    if rows.get("sync_device_id"):
        names[str(json.loads(rows["sync_device_id"]))] = "this computer"
    return names
