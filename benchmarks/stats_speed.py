"""Statistics speed on 100,000 cards and about 1,000,000 review logs.

Prints the time to build the per-day aggregates once from the whole log (done after an
import, off the window's thread), the time for the per-service table (every service
group at once, what the statistics window asks for), and the time after one more answer
(the incremental path). Anki's deck statistics scan the whole log on every request: about
0.16 s for a 96k-review deck on this machine class is the figure to compare with.

    python benchmarks/stats_speed.py [--cards 100000] [--logs-per-card 12]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.models import Rating  # noqa: E402
from benchmarks.build_collection import NOW, build  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        col = build(Path(tmp), ARGS.cards, logs_per_card=ARGS.logs_per_card)
        try:
            logs = col.totals()["review_logs"]
            start = time.perf_counter()
            col.refresh_stats()
            aggregate = time.perf_counter() - start
            runs = []
            for _ in range(5):
                start = time.perf_counter()
                groups = col.stats("service", NOW)
                runs.append(time.perf_counter() - start)
            card = col.next_card(NOW)
            assert card is not None
            col.answer(card.card_id, Rating.GOOD, NOW)
            start = time.perf_counter()
            col.stats("service", NOW)
            incremental = time.perf_counter() - start
            start = time.perf_counter()
            col.report("service", NOW, NOW)
            report = time.perf_counter() - start
        finally:
            col.close()
    print(f"cards: {ARGS.cards}, review logs: {logs}, service groups: {len(groups)}")
    print(f"aggregates built once from the whole log: {aggregate:.2f} s")
    print(f"per-service table (all groups): median {statistics.median(runs):.3f} s")
    print(f"per-service table after one more answer: {incremental:.3f} s")
    print(f"whole statistics window report (table, charts, calibration): {report:.3f} s")
    print(f"ratio to Anki's one-deck statistics (0.16 s): {statistics.median(runs) / 0.16:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--logs-per-card", type=int, default=12)
    ARGS = parser.parse_args()
    main()
