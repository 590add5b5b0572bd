"""Cirrus beside the real Anki on the same data: ``python -m benchmarks [NAME...]``.

Workloads (all by default): study_screen, core_loop, import_modern, import_legacy,
import_100k, stats, db_size, start. Needs the ``bench`` extra (``anki``, and ``aqt``,
Anki desktop, for ``start``, which also needs an X display: ``DISPLAY``).

Every measurement runs in fresh processes; lock-step workloads answer one card on each
side in turn. Results go to ``docs/benchmarks.json`` and ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import sqlite3
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import dataset, packages, report, start_speed
from benchmarks.runner import ROOT, load, pcts, run_worker, spread

NAMES = (
    "study_screen",
    "core_loop",
    "import_modern",
    "import_legacy",
    "import_100k",
    "stats",
    "db_size",
    "start",
)


def lockstep(name: str, args: argparse.Namespace) -> dict[str, Any]:
    dataset.ensure(args.cards, args.logs)
    runs = []
    for rep in range(args.reps):
        raw = run_worker(name, str(args.cards), str(args.logs), str(args.answers), str(rep + 1))
        runs.append(raw)
    out: dict[str, Any] = {"answers_per_process": args.answers, "processes": args.reps}
    for clock in ("wall_ms", "cpu_ms"):
        per_run = []
        for raw in runs:
            ours, theirs = pcts(raw[clock]["cirrus"]), pcts(raw[clock]["anki"])
            per_run.append({"cirrus": ours, "anki": theirs})
        out[clock] = {
            side: {p: statistics.median(r[side][p] for r in per_run) for p in ("p50", "p95", "p99")}
            for side in ("cirrus", "anki")
        }
        out[clock]["ratio"] = {
            p: spread([r["cirrus"][p] / r["anki"][p] for r in per_run])
            for p in ("p50", "p95", "p99")
        }
    # flat over a long day: the first and the last 500 answers of each process
    if args.answers >= 1000:
        for clock in ("wall_ms", "cpu_ms"):
            out[f"first_last_500_{clock}"] = {
                part: {
                    side: {
                        p: statistics.median(pcts(r[clock][side][cut])[p] for r in runs)
                        for p in ("p50", "p95")
                    }
                    for side in ("cirrus", "anki")
                }
                for part, cut in (("first", slice(0, 500)), ("last", slice(-500, None)))
            }
    # flat over the day: p50 of the last quarter of answers over the first quarter
    quarter = max(1, args.answers // 4)
    out["drift_last_over_first_quarter"] = {
        side: spread(
            [
                statistics.median(r["wall_ms"][side][-quarter:])
                / statistics.median(r["wall_ms"][side][:quarter])
                for r in runs
            ]
        )
        for side in ("cirrus", "anki")
    }
    return out


def imports(fmt: str, args: argparse.Namespace) -> dict[str, Any]:
    package = packages.ensure_20k(fmt, args.import_notes)
    samples: dict[str, list[dict[str, Any]]] = {"cirrus": [], "anki": []}
    for rep in range(args.reps):
        with tempfile.TemporaryDirectory(prefix="cirrus-bench-") as tmp:
            order = ("cirrus", "anki") if rep % 2 == 0 else ("anki", "cirrus")
            for side in order:
                samples[side].append(
                    run_worker(
                        f"import_{side}",
                        str(package),
                        str(Path(tmp) / side),
                        str(args.import_notes),
                    )
                )
    return _import_figures(samples)


def _import_figures(samples: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {"processes": len(samples["cirrus"])}
    for key in ("wall", "cpu", "rss_mb"):
        out[key] = {side: spread([s[key] for s in samples[side]]) for side in samples}
        out[key]["ratio"] = spread(
            [c[key] / a[key] for c, a in zip(samples["cirrus"], samples["anki"], strict=True)]
        )
    return out


def import_100k(args: argparse.Namespace) -> dict[str, Any]:
    root = dataset.ensure(args.cards, args.logs)
    package = str(root / "bench.apkg")
    samples: dict[str, list[dict[str, Any]]] = {"cirrus": [], "anki": []}
    for rep in range(args.reps):  # fresh processes, the side going first alternating
        with tempfile.TemporaryDirectory(prefix="cirrus-bench-") as tmp:
            for side in ("anki", "cirrus") if rep % 2 == 0 else ("cirrus", "anki"):
                samples[side].append(run_worker(f"import_{side}", package, str(Path(tmp) / side)))
    return _import_figures(samples)


def stats(args: argparse.Namespace) -> dict[str, Any]:
    dataset.ensure(args.cards, args.logs)
    small = packages.ensure_small()
    raw = run_worker("stats", str(args.cards), str(args.logs), str(small), "5")
    warm_c = [w for w, _ in raw["warm"]["cirrus"]]
    warm_a = [w for w, _ in raw["warm"]["anki"]]
    ratio = [c / a for c, a in zip(warm_c, warm_a, strict=True)]
    return {
        "warm_s": {"cirrus": spread(warm_c), "anki": spread(warm_a), "ratio": spread(ratio)},
        "cirrus_first_open_s": raw["cirrus_first_open"]["wall"],
        "after_import_s": {
            "cirrus": raw["cirrus_after_import"]["wall"],
            "anki": raw["anki_after_import"]["wall"],
            "ratio": raw["cirrus_after_import"]["wall"] / raw["anki_after_import"]["wall"],
        },
    }


def db_size(args: argparse.Namespace) -> dict[str, Any]:
    root = dataset.ensure(args.cards, args.logs)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="cirrus-bench-") as tmp:
        for side, path in (
            ("anki", root / "anki" / "collection.anki2"),
            ("cirrus", root / "cirrus" / "collection.sqlite"),
        ):
            copy = Path(tmp) / side
            shutil.copyfile(path, copy)
            wal = Path(str(path) + "-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(str(copy) + "-wal"))
            db = sqlite3.connect(copy)
            # Anki's tables sort names with its own collation: a stand-in lets VACUUM run
            db.create_collation(
                "unicase", lambda a, b: (a.lower() > b.lower()) - (a.lower() < b.lower())
            )
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.execute("VACUUM")
            (cards,) = db.execute(
                "SELECT COUNT(*) FROM " + ("cards" if side == "anki" else "card")
            ).fetchone()
            db.close()
            out[side] = {
                "bytes": copy.stat().st_size,
                "bytes_per_card": copy.stat().st_size / cards,
            }
    out["ratio"] = out["cirrus"]["bytes_per_card"] / out["anki"]["bytes_per_card"]
    return out


def machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    import anki.buildinfo

    from app.sqlite import sqlite3 as cirrus_sqlite3

    return {
        "cpu": model,
        "cores": len(__import__("os").sched_getaffinity(0)),
        "python": platform.python_version(),
        "anki": anki.buildinfo.version,
        "system": platform.platform(),
        "sqlite": f"{cirrus_sqlite3.sqlite_version} ({cirrus_sqlite3.__name__})",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=", ".join(NAMES))
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=12, help="reviews per review card")
    parser.add_argument("--answers", type=int, default=300, help="answers per process")
    parser.add_argument("--reps", type=int, default=3, help="fresh processes per workload")
    parser.add_argument("--import-notes", type=int, default=20_000)
    parser.add_argument(
        "--start-cards", default="10000,100000,300000", help="collection sizes for start"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.json")
    args = parser.parse_args()
    names = args.names or list(NAMES)
    unknown = set(names) - set(NAMES)
    if unknown:
        parser.error(f"unknown workload: {', '.join(sorted(unknown))}")
    results: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    results["machine"] = machine()
    results.setdefault("workloads", {})
    for name in names:
        before = load()
        if name in ("study_screen", "core_loop"):
            figures = lockstep(name, args)
        elif name in ("import_modern", "import_legacy"):
            figures = imports(name.removeprefix("import_"), args)
        elif name == "start":
            figures = {
                "sizes": {
                    str(cards): start_speed.run(cards, args.reps)
                    for cards in map(int, args.start_cards.split(","))
                }
            }
        else:
            figures = {"import_100k": import_100k, "stats": stats, "db_size": db_size}[name](args)
        figures["load_before"] = before
        figures["load_after"] = load()
        figures["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        figures["cards"] = args.cards
        results["workloads"][name] = figures
        print(name, json.dumps(figures, indent=1))
        args.out.write_text(json.dumps(results, indent=1) + "\n")
        report.write(results, args.out.with_suffix(".md").with_name("benchmarks.md"))


if __name__ == "__main__":
    main()
