"""Folding a device's old journal segments into one snapshot so the folder stays small.

Only the device that wrote them compacts them: it writes ``snapshot-<N>.jsonl`` holding
every event of its complete files up to segment N (each event once, by id; an answer
that was undone is left out, its tombstone kept), then deletes those files. A device
reading at that moment either finds the old files or the snapshot; both hold the same
events and merging them twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from app.storage.sync.journal import SyncFolder, read_file

KEEP_SEGMENTS = 32


def compact(folder: SyncFolder, device: str, keep: int = KEEP_SEGMENTS) -> str | None:
    """Compact when more than ``keep`` files have piled up; returns the snapshot's name."""
    files = folder.files(device)
    if len(files) <= keep:
        return None
    chosen = []
    events: dict[str, dict[str, Any]] = {}
    for file in files:
        read = read_file(file.path)
        if not read.complete:
            continue  # a copy still arriving: left for a later compaction
        chosen.append(file)
        for event in read.events:
            events.setdefault(str(event["id"]), event)
    if len(chosen) < 2:
        return None
    undone = {e["rid"] for e in events.values() if e["type"] == "undo"}
    kept = [e for e in events.values() if not (e["type"] == "review" and e["rid"] in undone)]
    kept.sort(key=lambda e: (int(e["seq"]), str(e["id"])))
    number = max(f.number for f in chosen)
    name = f"snapshot-{number:08d}.jsonl"
    if any(f.name == name for f in chosen):
        number = folder.next_number(device, number)
        name = f"snapshot-{number:08d}.jsonl"
    folder.write_segment(device, number, kept, kind="snapshot")
    folder.remove_own(chosen)
    return name
