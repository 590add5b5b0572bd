"""The data both sides measure: an FSRS collection built by the real Anki, and its export
imported into Cirrus.

Built once per day and size into a cache folder (``CIRRUS_BENCH_CACHE``, default
``/tmp/cirrus-bench``); every measuring process works on a fresh copy of it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

DECKS = 20
BACK = (
    "<b>Sessions.</b> Senders set <code>SessionId</code>; a receiver locks one session "
    "at a time (FIFO for related messages) {i}."
)


def cache_root() -> Path:
    return Path(os.environ.get("CIRRUS_BENCH_CACHE", "/tmp/cirrus-bench"))


def folder(cards: int, logs_per_card: int) -> Path:
    day = datetime.now(UTC).strftime("%Y%m%d")
    return cache_root() / f"fsrs-{cards}-{logs_per_card}-{day}"


def build_anki(path: Path, cards: int, logs_per_card: int, seed: int = 1) -> None:
    """An Anki collection with FSRS on: 80 % review cards (about a sixth due today) with
    ``logs_per_card`` reviews each, 20 % new, in 20 decks with service tags."""
    from anki.collection import AddNoteRequest
    from anki.collection import Collection as AnkiCollection
    from anki.decks import DeckId

    rng = random.Random(seed)
    col = AnkiCollection(str(path))
    col.set_config("fsrs", True)
    col.decks.select(DeckId(col.decks.id("Bench")))
    basic = col.models.by_name("Basic")
    assert basic is not None
    deck_ids = [DeckId(col.decks.id(f"Bench::Deck {d:02d}")) for d in range(DECKS)]
    conf = col.decks.config_dict_for_deck_id(deck_ids[0])
    conf["new"]["perDay"] = 100
    conf["rev"]["perDay"] = 9999
    col.decks.update_config(conf)
    requests = []
    for i in range(cards):
        note = col.new_note(basic)
        note["Front"] = f"Question {i}: which feature gives FIFO for related messages?"
        note["Back"] = BACK.format(i=i)
        note.tags = [f"service::s{i % 16:02d}", f"domain::{i % 4 + 1}-d", "bench"]
        requests.append(AddNoteRequest(note=note, deck_id=deck_ids[i * DECKS // cards]))
    col.add_notes(requests)
    today = col.sched.today
    crt = col.crt
    now_s = int(time.time())
    card_ids = col.db.list("SELECT id FROM cards ORDER BY id")
    card_rows = []
    log_rows = []
    used: set[int] = set()
    for cid in card_ids:
        if rng.random() >= 0.8:
            continue
        stability = rng.uniform(1, 200)
        elapsed = max(1, int(rng.uniform(0, 1.2 * stability)))
        interval = max(1, round(stability))
        due = today - elapsed + interval
        data = json.dumps({"s": round(stability, 4), "d": round(rng.uniform(1, 10), 4), "dr": 0.9})
        card_rows.append((due, interval, logs_per_card, data, cid))
        last_ms = (now_s - (elapsed + 1) * 86_400) * 1000 + rng.randrange(86_400_000 // 2)
        for k in range(logs_per_card):
            rid = last_ms - int(k * interval * 86_400_000 / logs_per_card)
            while rid in used:
                rid += 1
            used.add(rid)
            kind = 0 if k == logs_per_card - 1 else 1
            ease = rng.choice((1, 3, 3, 3, 4))
            log_rows.append((rid, cid, ease, interval, interval, 0, 5000, kind))
    assert crt == col.crt
    col.close()
    # the scheduling state goes in with plain SQLite, in one transaction (the backend's
    # executemany commits row by row)
    db = sqlite3.connect(path)
    db.executemany(
        "UPDATE cards SET type = 2, queue = 2, due = ?, ivl = ?, reps = ?, factor = 2500, "
        "data = ? WHERE id = ?",
        card_rows,
    )
    db.executemany(
        "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
        "VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
        log_rows,
    )
    db.commit()
    db.close()


def export_apkg(anki_path: Path, out: Path) -> None:
    from anki.collection import Collection as AnkiCollection
    from anki.collection import ExportAnkiPackageOptions
    from anki.import_export_pb2 import ExportLimit

    col = AnkiCollection(str(anki_path))
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=True, with_media=False, legacy=False
        ),
        limit=ExportLimit(),
    )
    col.close()


def ensure(cards: int, logs_per_card: int) -> Path:
    """The cache folder with ``anki/collection.anki2``, ``bench.apkg`` and ``cirrus/``
    (the package imported into Cirrus), building what is missing."""
    from benchmarks import runner

    root = folder(cards, logs_per_card)
    done = root / "ready.json"
    if done.exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    (root / "anki").mkdir(parents=True)
    build_anki(root / "anki" / "collection.anki2", cards, logs_per_card)
    export_apkg(root / "anki" / "collection.anki2", root / "bench.apkg")
    # the import into Cirrus is measured as it is made (fresh process, peak memory)
    cirrus = runner.run_worker("import_cirrus", str(root / "bench.apkg"), str(root / "cirrus"))
    # Cirrus keeps its own Default preset on import (Anki's Default maps to it): give it
    # the limits the Anki collection has
    db = sqlite3.connect(root / "cirrus" / "collection.sqlite")
    with db:
        db.execute("UPDATE preset SET new_per_day = 100, reviews_per_day = 9999")
    db.close()
    anki = runner.run_worker("import_anki", str(root / "bench.apkg"), str(root / "anki-import"))
    shutil.rmtree(root / "anki-import", ignore_errors=True)
    done.write_text(json.dumps({"cirrus_import": cirrus, "anki_import": anki}))
    return root


def checkpoint(path: Path) -> None:
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def copy_to(root: Path, target: Path) -> tuple[Path, Path]:
    """Fresh copies of both collections: (Anki's collection file, Cirrus's data folder)."""
    target.mkdir(parents=True, exist_ok=True)
    anki = target / "anki"
    shutil.copytree(root / "anki", anki)
    shutil.copytree(root / "cirrus", target / "cirrus", ignore=shutil.ignore_patterns("*.lock"))
    return anki / "collection.anki2", target / "cirrus"
