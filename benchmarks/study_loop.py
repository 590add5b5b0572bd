"""Answering speed and start-up time on a seeded 100,000-card collection.

Prints p50/p95/p99 of one "next card + render + answer" step over 1,000 answers and
the time from launch to the first card shown. With the ``bench`` extra installed (the
real ``anki`` library) it runs Anki's equivalent loop on the same shape of data in the
same run and prints the ratio.

    python benchmarks/study_loop.py [--cards 100000] [--answers 1000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.models import Rating  # noqa: E402
from app.core.render import card_html  # noqa: E402
from benchmarks.build_collection import NOW, build  # noqa: E402


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return q[49], q[94], q[98]


def cirrus_loop(data_dir: Path, answers: int) -> list[float]:
    col = build(data_dir, ARGS.cards)
    rng = random.Random(3)
    times = []
    now = NOW
    try:
        for _ in range(answers):
            start = time.perf_counter()
            card = col.next_card(now)
            assert card is not None
            card_html(card.kind, card.ord, card.prompt, card.front, card.answer, reveal=False)
            card_html(card.kind, card.ord, card.prompt, card.front, card.answer, reveal=True)
            col.answer(card.card_id, Rating(rng.choice((1, 3, 3, 3, 4))), now, 4000)
            times.append((time.perf_counter() - start) * 1000)
            now += timedelta(seconds=5)
    finally:
        col.close()
    return times


def start_time(data_dir: Path) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "--smoke"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("cirrus smoke: ok"))
    return float(dict(p.split("=") for p in line.split()[3:])["first_card_ms"])


def anki_loop(answers: int) -> list[float] | None:
    try:
        from anki.collection import Collection as AnkiCollection
    except ImportError:
        return None
    folder = Path(tempfile.mkdtemp(prefix="anki-bench-"))
    col = AnkiCollection(str(folder / "collection.anki2"))
    model = col.models.by_name("Basic")
    deck_id = col.decks.id("Bench")
    rng = random.Random(1)
    notes = []
    for i in range(ARGS.cards):
        note = col.new_note(model)
        note["Front"] = f"Question {i}: which feature gives FIFO for related messages?"
        note["Back"] = f"<b>Sessions.</b> Senders set <code>SessionId</code> {i}"
        notes.append(note)
    from anki.collection import AddNoteRequest

    col.add_notes([AddNoteRequest(note=n, deck_id=deck_id) for n in notes])
    card_ids = col.find_cards("deck:Bench")
    review = [c for c in card_ids if rng.random() < 0.8]
    col.sched.set_due_date(review, "0")  # review cards, due today
    conf = col.decks.config_dict_for_deck_id(deck_id)
    conf["new"]["perDay"] = 20
    conf["rev"]["perDay"] = 200
    col.decks.update_config(conf)
    col.decks.select(deck_id)
    times = []
    try:
        for _ in range(answers):
            start = time.perf_counter()
            card = col.sched.getCard()
            if card is None:
                break
            card.question()
            card.answer()
            col.sched.answerCard(card, rng.choice((1, 3, 3, 3, 4)))
            times.append((time.perf_counter() - start) * 1000)
    finally:
        col.close()
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ours = cirrus_loop(Path(tmp) / "bench", ARGS.answers)
        first_card = start_time(Path(tmp) / "bench")
    p50, p95, p99 = percentiles(ours)
    print(f"cards: {ARGS.cards}, answers: {len(ours)}")
    print(f"cirrus next+render+answer ms: p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f}")
    print(f"cirrus start to first card shown (offscreen, {ARGS.cards} cards): {first_card:.0f} ms")
    theirs = anki_loop(ARGS.answers)
    if theirs is None:
        print("anki: not installed (pip install -e '.[bench]' to compare in the same run)")
        return
    a50, a95, a99 = percentiles(theirs)
    print(f"anki   getCard+render+answer ms: p50 {a50:.2f}  p95 {a95:.2f}  p99 {a99:.2f}")
    print(f"ratio cirrus/anki: p50 {p50 / a50:.2f}  p95 {p95 / a95:.2f}  p99 {p99 / a99:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=1000)
    ARGS = parser.parse_args()
    main()
