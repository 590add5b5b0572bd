"""Search speed on a 100,000-card collection, beside the real Anki's ``find_cards``.

Anki builds the collection (notes of three note types in nested decks, hierarchical tags,
Unicode text, reviews, suspended and flagged cards) and exports it as ``.apkg``; Cirrus
imports that package. Each of 20 queries then runs on both sides, interleaved (the side
that goes first alternates), ``--repeat`` times; the table shows medians, the spread
(fastest-slowest) and the ratio of the medians (below 1: Cirrus is faster).

Needs the ``bench`` extra (the ``anki`` library):

    pip install -e '.[bench]'
    python benchmarks/search_speed.py [--cards 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.storage.collection import Collection  # noqa: E402

QUERIES = [
    "dog",
    '"quick brown"',
    "w*kload",
    "日本",
    '"front:question 1*"',
    '"deck:Bench::Group 1::Deck 05"',
    "deck:Bench::Group 2*",
    "tag:service::s3",
    "tag:domain::*",
    "-tag:bench",
    "is:new",
    "is:due",
    "is:review prop:ivl>=10",
    "prop:s>20",
    "prop:r<0.8",
    "rated:7",
    "flag:1 OR is:suspended",
    "card:2",
    "note:Basic*",
    "(deck:Bench::Group 1* OR tag:service::s1) -is:new",
]
DAY = 86_400


def build_package(folder: Path, cards: int) -> Path:
    from anki.collection import AddNoteRequest, ExportAnkiPackageOptions
    from anki.collection import Collection as AnkiCollection
    from anki.decks import DeckId
    from anki.import_export_pb2 import ExportLimit

    col = AnkiCollection(str(folder / "source.anki2"))
    col.set_config("fsrs", True)
    rng = random.Random(1)
    basic = col.models.by_name("Basic")
    reverse = col.models.by_name("Basic (and reversed card)")
    cloze = col.models.by_name("Cloze")
    decks = [
        DeckId(col.decks.id(f"Bench::Group {g}::Deck {d:02d}")) for g in range(4) for d in range(8)
    ]
    words = ["dog", "cat", "quick brown fox", "日本語", "Москва", "workload", "été"]
    requests = []
    made = 0
    i = 0
    while made < cards:
        kind = i % 10
        if kind < 7:
            note = col.new_note(basic)
            made += 1
        elif kind < 9:
            note = col.new_note(reverse)
            made += 2
        else:
            note = col.new_note(cloze)
            made += 1
        word = words[rng.randrange(len(words))]
        first = f"Question {i}: which service fits the {word} workload {rng.randrange(10**6)}?"
        second = f"<b>Answer {i}</b>: Service Bus with sessions, see <i>docs</i> ({word})."
        if kind == 9:
            note["Text"] = f"{first} {{{{c1::{second}}}}}"
        else:
            note["Front"], note["Back"] = first, second
        note.tags = [f"service::s{i % 16}", f"domain::d{i % 5}", "bench"] if i % 7 else []
        requests.append(AddNoteRequest(note=note, deck_id=decks[i % len(decks)]))
        i += 1
    col.add_notes(requests)
    _schedule(col, rng)
    out = folder / "bench.apkg"
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
        ),
        limit=ExportLimit(),
    )
    col.close()
    return out


def _schedule(col: Any, rng: random.Random) -> None:
    """Put 60 % of the cards in review with FSRS memory and a short history (bulk SQL)."""
    crt = int(col.db.scalar("select crt from col"))
    today = (int(time.time()) - crt) // DAY
    cards, logs = [], []
    for (cid,) in col.db.all("select id from cards"):
        pick = rng.random()
        if pick >= 0.6:
            continue
        ivl = rng.randint(1, 60)
        reviewed = today - rng.randint(0, ivl + 10)
        due = reviewed + ivl
        last = min(crt + reviewed * DAY + 3600, int(time.time()) - 60)
        s = ivl * rng.uniform(0.7, 1.3)
        memory = {"s": round(s, 3), "d": round(rng.uniform(1, 10), 3), "decay": 0.1542}
        data = json.dumps({**memory, "lrt": last})  # FSRS-6's default decay, as in Cirrus
        flags = 1 if pick < 0.03 else 0
        queue = -1 if pick < 0.05 else 2
        cards.append((ivl, due, data, flags, queue, cid))
        for n in range(3):
            moment = (last - n * ivl * DAY) * 1000 + len(logs)  # unique: days apart
            logs.append((moment, cid, rng.choice((1, 3, 3, 4)), ivl))
    # one statement per chunk: row by row, Anki's database layer commits every statement
    for start in range(0, len(cards), 500):
        chunk = cards[start : start + 500]
        values = ", ".join("(?, ?, ?, ?, ?, ?)" for _ in chunk)
        col.db.execute(
            f"with v(cid, queue, ivl, due, data, flags) as (values {values}) "
            "update cards set type = 2, queue = v.queue, ivl = v.ivl, due = v.due, "
            "data = v.data, flags = v.flags, reps = 3 from v where cards.id = v.cid",
            *[
                x
                for ivl, due, data, flags, q, cid in chunk
                for x in (cid, q, ivl, due, data, flags)
            ],
        )
    for start in range(0, len(logs), 500):
        chunk = logs[start : start + 500]
        values = ", ".join("(?, ?, -1, ?, ?, 0, 0, 8000, 1)" for _ in chunk)
        col.db.execute(
            "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) "
            f"values {values}",
            *[x for row in chunk for x in row],
        )


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    try:
        from anki.collection import Collection as AnkiCollection
    except ImportError:
        print("needs the bench extra: pip install -e '.[bench]'")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        package = build_package(folder, ARGS.cards)
        built = time.perf_counter() - start
        cirrus = Collection.open(folder / "cirrus")
        cirrus.set_setting("bundled_hash", "skip")
        start = time.perf_counter()
        cirrus.import_path(package, datetime.now(UTC))
        imported = time.perf_counter() - start
        anki = AnkiCollection(str(folder / "source.anki2"))
        try:
            total = len(anki.find_cards(""))
            print(f"collection: {total} cards (Anki build {built:.0f} s, import {imported:.0f} s)")
            ours: dict[str, list[float]] = {q: [] for q in QUERIES}
            theirs: dict[str, list[float]] = {q: [] for q in QUERIES}
            counts: dict[str, tuple[int, int]] = {}
            for rep in range(ARGS.repeat):
                for n, query in enumerate(QUERIES):
                    sides = [
                        ("c", lambda q=query: cirrus.search_cards(q)),
                        ("a", lambda q=query: anki.find_cards(q)),
                    ]
                    if (rep + n) % 2:
                        sides.reverse()
                    found = {}
                    for side, fn in sides:
                        elapsed, result = _timed(fn)
                        (ours if side == "c" else theirs)[query].append(elapsed)
                        found[side] = len(result)  # type: ignore[arg-type]
                    counts[query] = (found["c"], found["a"])
        finally:
            anki.close()
            cirrus.close()
    print(f"{ARGS.repeat} runs per query, interleaved; times in ms: median (fastest-slowest)")
    print(f"{'query':<52} {'cards':>13} {'cirrus':>20} {'anki':>20} {'ratio':>6}")
    ratios = []
    for query in QUERIES:
        c, a = ours[query], theirs[query]
        ratio = statistics.median(c) / statistics.median(a)
        ratios.append(ratio)
        nc, na = counts[query]
        print(
            f"{query:<52} {nc:>6}/{na:<6} {_ms(c):>20} {_ms(a):>20} {ratio:>6.2f}"
            + ("" if nc == na else "  (counts differ)")
        )
    print(
        f"ratio of medians, cirrus/anki: worst {max(ratios):.2f}, "
        f"median {statistics.median(ratios):.2f}; slower than Anki on "
        f"{sum(r > 1 for r in ratios)} of {len(ratios)} queries"
    )


def _ms(times: list[float]) -> str:
    return (
        f"{statistics.median(times) * 1000:.1f} ({min(times) * 1000:.1f}-{max(times) * 1000:.1f})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    ARGS = parser.parse_args()
    main()
