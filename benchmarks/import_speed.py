"""Import speed of a 20,000-note modern Anki package, beside the real Anki's in the same run.

Needs the ``bench`` extra (the ``anki`` library) to build the package the way Anki writes
it (``collection.anki21b``, zstd, protobuf media map):

    pip install -e '.[bench]'
    python benchmarks/import_speed.py [--notes 20000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.storage.collection import Collection  # noqa: E402


def build_package(folder: Path, notes: int) -> Path:
    from anki.collection import AddNoteRequest, ExportAnkiPackageOptions
    from anki.collection import Collection as AnkiCollection
    from anki.decks import DeckId
    from anki.import_export_pb2 import ExportLimit

    col = AnkiCollection(str(folder / "source.anki2"))
    rng = random.Random(1)
    basic = col.models.by_name("Basic")
    requests = []
    for i in range(notes):
        deck = DeckId(col.decks.id(f"Bench::Deck {i % 20:02d}"))
        note = col.new_note(basic)
        note["Front"] = f"Question {i}: which service fits workload {rng.randrange(10**6)}?"
        note["Back"] = f"<b>Answer {i}</b>: Service Bus with sessions, see <i>docs</i>."
        note.tags = [f"service::s{i % 16}", "bench"]
        requests.append(AddNoteRequest(note=note, deck_id=deck))
    col.add_notes(requests)
    out = folder / "bench.apkg"
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=True, legacy=False
        ),
        limit=ExportLimit(),
    )
    col.close()
    return out


def time_cirrus(package: Path, folder: Path) -> float:
    col = Collection.open(folder / "cirrus")
    col.set_setting("bundled_hash", "skip")
    try:
        start = time.perf_counter()
        summary = col.import_path(package, datetime.now(UTC))
        elapsed = time.perf_counter() - start
        assert summary.added == ARGS.notes, summary
    finally:
        col.close()
    return elapsed


def time_anki(package: Path, folder: Path) -> float:
    from anki.collection import Collection as AnkiCollection
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = AnkiCollection(str(folder / "target.anki2"))
    try:
        start = time.perf_counter()
        col.import_anki_package(
            ImportAnkiPackageRequest(
                package_path=str(package), options=ImportAnkiPackageOptions(with_scheduling=True)
            )
        )
        return time.perf_counter() - start
    finally:
        col.close()


def main() -> None:
    try:
        import anki  # noqa: F401
    except ImportError:
        print("needs the bench extra: pip install -e '.[bench]'")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        package = build_package(folder, ARGS.notes)
        size_kb = package.stat().st_size // 1024
        ours = time_cirrus(package, folder)
        theirs = time_anki(package, folder)
    n = ARGS.notes
    print(f"package: {n} notes, modern format ({size_kb} KB)")
    print(f"cirrus import: {ours:.2f} s = {n / ours:,.0f} notes/s")
    print(f"anki   import: {theirs:.2f} s = {n / theirs:,.0f} notes/s")
    print(f"ratio cirrus/anki time: {ours / theirs:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=20_000)
    ARGS = parser.parse_args()
    main()
