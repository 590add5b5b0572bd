"""What one fresh measuring process does: ``python -m benchmarks.workers NAME ARGS...``.

Prints one JSON object on its last line. Lock-step workloads hold a Cirrus and an Anki
collection of the same data in one process and answer one card on each side in turn, so
both see the same machine load; the side that goes first alternates every answer.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Step = Callable[[int], None]


def peak_rss_mb() -> float:
    """This process's peak resident memory (``VmHWM``: unlike ``ru_maxrss`` it does not
    carry the parent's peak across ``exec``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


# -- imports ---------------------------------------------------------------------------


def import_cirrus(package: str, data_dir: str, expect: str = "0") -> dict[str, Any]:
    # the modules an import runs on are loaded before the clock, as Anki's whole library
    # is by its import (Cirrus loads them on the first import, not at start)
    import app.storage.import_room  # noqa: F401
    from app.storage.collection import Collection

    col = Collection.open(Path(data_dir), tz=UTC)
    col.set_setting("bundled_hash", "skip")
    before = peak_rss_mb()
    wall, cpu, summary = timed(lambda: col.import_path(Path(package), datetime.now(UTC)))
    if int(expect):
        assert summary.added == int(expect), summary
    col.close()
    return {"wall": wall, "cpu": cpu, "rss_mb": peak_rss_mb(), "rss_before_mb": before}


def import_anki(package: str, folder: str, expect: str = "0") -> dict[str, Any]:
    from anki.collection import Collection as AnkiCollection
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    Path(folder).mkdir(parents=True, exist_ok=True)
    col = AnkiCollection(str(Path(folder) / "collection.anki2"))
    before = peak_rss_mb()
    request = ImportAnkiPackageRequest(
        package_path=package, options=ImportAnkiPackageOptions(with_scheduling=True)
    )
    wall, cpu, _ = timed(lambda: col.import_anki_package(request))
    if int(expect):
        assert col.note_count() == int(expect)
    col.close()
    return {"wall": wall, "cpu": cpu, "rss_mb": peak_rss_mb(), "rss_before_mb": before}


# -- answering -------------------------------------------------------------------------


def _ratings(seed: int, n: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.choice((1, 3, 3, 3, 4)) for _ in range(n)]


def cirrus_steps(data_dir: Path, screen: bool) -> tuple[Any, Step]:
    from app.core.models import Rating
    from app.core.study_render import study_html
    from app.storage.collection import Collection

    col = Collection.open(data_dir, tz=UTC, rng=random.Random(7))

    def step(rating: int) -> None:
        now = datetime.now(UTC)
        card = col.next_card(now, "Bench")
        assert card is not None, "cirrus ran out of cards"
        study_html(card, reveal=False)  # what the study screen renders, side by side
        if screen:
            col.counts(now, "Bench")
        study_html(card, reveal=True)
        if screen:
            col.preview(card, now)
        col.answer(card.card_id, Rating(rating), datetime.now(UTC), 4000)

    return col, step


def anki_steps(path: Path, screen: bool) -> tuple[Any, Step]:
    from anki.collection import Card  # (anki.cards first would be an import cycle)
    from anki.collection import Collection as AnkiCollection

    col = AnkiCollection(str(path))
    shown: list[tuple[int, int, int]] = []  # the counts the screen would show

    def step(rating: int) -> None:
        queued = col.sched.get_queued_cards()
        top = queued.cards[0]
        card = Card(col)
        card._load_from_backend_card(top.card)
        card.start_timer()
        card.question()
        if screen:
            shown.append((queued.new_count, queued.learning_count, queued.review_count))
        card.answer()
        if screen:
            col.sched.describe_next_states(top.states)
        answer = col.sched.build_answer(card=card, states=top.states, rating=rating - 1)  # type: ignore[arg-type]
        col.sched.answer_card(answer)

    return col, step


def lockstep(cards: str, logs: str, answers: str, seed: str, screen: bool) -> dict[str, Any]:
    from benchmarks import dataset

    root = dataset.folder(int(cards), int(logs))
    with tempfile.TemporaryDirectory(prefix="cirrus-bench-") as tmp:
        anki_path, cirrus_dir = dataset.copy_to(root, Path(tmp))
        cirrus, cirrus_step = cirrus_steps(cirrus_dir, screen)
        anki, anki_step = anki_steps(anki_path, screen)
        sides = {"cirrus": cirrus_step, "anki": anki_step}
        wall: dict[str, list[float]] = {"cirrus": [], "anki": []}
        cpu: dict[str, list[float]] = {"cirrus": [], "anki": []}
        try:
            for i, rating in enumerate(_ratings(int(seed), int(answers))):
                order = ("cirrus", "anki") if i % 2 == 0 else ("anki", "cirrus")
                for side in order:
                    w, c, _ = timed(lambda s=side, r=rating: sides[s](r))  # type: ignore[misc]
                    wall[side].append(w * 1000)
                    cpu[side].append(c * 1000)
        finally:
            cirrus.close()
            anki.close()
    return {"wall_ms": wall, "cpu_ms": cpu}


def study_screen(cards: str, logs: str, answers: str, seed: str) -> dict[str, Any]:
    return lockstep(cards, logs, answers, seed, screen=True)


def core_loop(cards: str, logs: str, answers: str, seed: str) -> dict[str, Any]:
    return lockstep(cards, logs, answers, seed, screen=False)


# -- statistics ------------------------------------------------------------------------


def stats(cards: str, logs: str, small_package: str, reps: str) -> dict[str, Any]:
    """Warm: every service group at once (Cirrus) against Anki's whole-collection
    statistics (``graphs`` over a year); then the first request after importing a
    40-note package on each side."""
    from anki.collection import Collection as AnkiCollection
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    from app.storage.collection import Collection
    from benchmarks import dataset

    root = dataset.folder(int(cards), int(logs))
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="cirrus-bench-") as tmp:
        anki_path, cirrus_dir = dataset.copy_to(root, Path(tmp))
        col = Collection.open(cirrus_dir, tz=UTC)
        anki = AnkiCollection(str(anki_path))
        try:
            now = datetime.now(UTC)
            w, c, _ = timed(lambda: col.stats("service", now))
            out["cirrus_first_open"] = {"wall": w, "cpu": c}
            warm: dict[str, list[list[float]]] = {"cirrus": [], "anki": []}
            for _ in range(int(reps)):
                w, c, _ = timed(lambda: col.stats("service", now))
                warm["cirrus"].append([w, c])
                w, c, _ = timed(lambda: anki._backend.graphs(search="", days=365))
                warm["anki"].append([w, c])
            out["warm"] = warm
            col.import_path(Path(small_package), now)
            w, c, _ = timed(lambda: col.stats("service", now))
            out["cirrus_after_import"] = {"wall": w, "cpu": c}
            anki.import_anki_package(
                ImportAnkiPackageRequest(
                    package_path=small_package,
                    options=ImportAnkiPackageOptions(with_scheduling=True),
                )
            )
            w, c, _ = timed(lambda: anki._backend.graphs(search="", days=365))
            out["anki_after_import"] = {"wall": w, "cpu": c}
        finally:
            col.close()
            anki.close()
    return out


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "import_cirrus": import_cirrus,
    "import_anki": import_anki,
    "study_screen": study_screen,
    "core_loop": core_loop,
    "stats": stats,
}

if __name__ == "__main__":
    result = WORKERS[sys.argv[1]](*sys.argv[2:])
    print(json.dumps(result))
