"""Anki packages the import workloads read, written by the real Anki (cached)."""

from __future__ import annotations

import random
from pathlib import Path

from benchmarks.dataset import cache_root


def build(out: Path, notes: int, legacy: bool, prefix: str = "Bench") -> Path:
    from anki.collection import AddNoteRequest, ExportAnkiPackageOptions
    from anki.collection import Collection as AnkiCollection
    from anki.decks import DeckId
    from anki.import_export_pb2 import ExportLimit

    out.parent.mkdir(parents=True, exist_ok=True)
    source = out.with_suffix(".anki2")
    source.unlink(missing_ok=True)
    col = AnkiCollection(str(source))
    rng = random.Random(1)
    basic = col.models.by_name("Basic")
    assert basic is not None
    requests = []
    for i in range(notes):
        deck = DeckId(col.decks.id(f"{prefix}::Deck {i % 20:02d}"))
        note = col.new_note(basic)
        note["Front"] = (
            f"{prefix} question {i}: which service fits workload {rng.randrange(10**6)}?"
        )
        note["Back"] = f"<b>Answer {i}</b>: Service Bus with sessions, see <i>docs</i>."
        note.tags = [f"service::s{i % 16:02d}", "bench"]
        requests.append(AddNoteRequest(note=note, deck_id=deck))
    col.add_notes(requests)
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=True, legacy=legacy
        ),
        limit=ExportLimit(),
    )
    col.close()
    source.unlink(missing_ok=True)
    return out


def ensure_20k(fmt: str, notes: int) -> Path:
    out = cache_root() / f"import-{fmt}-{notes}.apkg"
    if not out.exists():
        build(out, notes, legacy=fmt == "legacy")
    return out


def ensure_small() -> Path:
    out = cache_root() / "small-40.apkg"
    if not out.exists():
        build(out, 40, legacy=False, prefix="Small")
    return out
