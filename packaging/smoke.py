"""Smoke-test a Cirrus program: the frozen build, or ``python -m app`` for comparison.

    python packaging/smoke.py                      # the build in dist/
    python packaging/smoke.py PROGRAM [--runs 3]   # any cirrus executable

Each run starts the program offscreen with ``--data-dir DIR --smoke``: it opens the
collection, syncs the bundled decks, shows and answers one card, checks that Markdown,
tables and code highlighting render, prints ``cirrus smoke: ok key=value ...`` and exits
0. The first run uses an empty data folder (so it imports the bundled decks); later runs
reuse it. Then ``--version``, ``decks --json`` and ``backup --json`` must work too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 180


class SmokeError(RuntimeError):
    """The program failed the smoke test; the message says how."""


@dataclass
class SmokeResult:
    runs: list[dict[str, str]] = field(default_factory=list)

    def figure(self, key: str, runs: slice = slice(None)) -> float | None:
        values = [float(r[key]) for r in self.runs[runs] if key in r]
        return statistics.median(values) if values else None

    @property
    def first_start_ms(self) -> float | None:
        """Launch to first card on an empty data folder (includes importing the decks)."""
        return self.figure("start_ms", slice(0, 1))

    @property
    def start_ms(self) -> float | None:
        """Launch to first card with the collection in place: median of the later runs."""
        return self.figure("start_ms", slice(1, None)) or self.first_start_ms


def frozen_program(dist: Path) -> Path:
    """The console executable of the build in ``dist`` for this system."""
    if sys.platform.startswith("win"):
        return dist / "cirrus" / "cirrus-cli.exe"
    if sys.platform == "darwin":
        return dist / "Cirrus.app" / "Contents" / "MacOS" / "Cirrus"
    return dist / "cirrus" / "cirrus"


def python_command() -> list[str]:
    """``python -m app`` from this checkout, with the interpreter running this script."""
    return [sys.executable, "-m", "app"]


def _run(command: list[str], data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        "CIRRUS_LAUNCH_TIME_NS": str(time.time_ns()),
    }
    env.pop("CIRRUS_DATA_DIR", None)
    try:
        return subprocess.run(
            [*command, "--data-dir", str(data_dir), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=TIMEOUT_S,
            cwd=data_dir,
        )
    except subprocess.TimeoutExpired as exc:
        raise SmokeError(f"{' '.join(args)} did not finish in {TIMEOUT_S} s") from exc


def _check(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0 or "Traceback" in result.stderr:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise SmokeError(f"{what} exited {result.returncode}:\n{tail}")


def smoke_line(stdout: str) -> dict[str, str]:
    """The figures of the ``cirrus smoke: ok`` line as a dict."""
    for line in stdout.splitlines():
        if line.startswith("cirrus smoke: ok"):
            return dict(part.split("=", 1) for part in line.split()[3:])
    raise SmokeError(f"no 'cirrus smoke: ok' line in the output: {stdout!r}")


def smoke_run(command: list[str], folder: Path) -> dict[str, str]:
    """One ``--smoke`` run on ``folder``: its figures, or SmokeError."""
    run = _run(command, folder, "--smoke")
    _check(run, "--smoke")
    figures = smoke_line(run.stdout)
    if int(figures.get("cards", "0")) < 1 or int(figures.get("review_logs", "0")) < 1:
        raise SmokeError(f"no cards or no review written: {figures}")
    return figures


def cli_checks(command: list[str], folder: Path) -> None:
    """``--version``, ``decks --json`` and ``backup --json`` work on the collection."""
    version = _run(command, folder, "--version")
    _check(version, "--version")
    decks = _run(command, folder, "decks", "--json")
    _check(decks, "decks --json")
    if not json.loads(decks.stdout).get("decks"):
        raise SmokeError("decks --json listed no decks")
    backup = _run(command, folder, "backup", "--json")
    _check(backup, "backup --json")
    if not Path(json.loads(backup.stdout)["backup"]).is_file():
        raise SmokeError("backup --json named no file")


def smoke(command: list[str], runs: int = 1) -> SmokeResult:
    """Run the smoke test ``runs`` times on one new data folder, then the CLI checks."""
    with tempfile.TemporaryDirectory(prefix="cirrus-smoke-") as tmp:
        result = SmokeResult([smoke_run(command, Path(tmp)) for _ in range(runs)])
        cli_checks(command, Path(tmp))
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("program", nargs="?", type=Path, help="default: the build in dist/")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    program = args.program or frozen_program(ROOT / "dist")
    if not program.exists():
        print(f"smoke: {program} does not exist; build first: python packaging/build.py")
        return 1
    try:
        result = smoke([str(program)], runs=args.runs)
    except SmokeError as exc:
        print(f"smoke: FAILED: {exc}", file=sys.stderr)
        return 1
    for run in result.runs:
        print("cirrus smoke: ok " + " ".join(f"{k}={v}" for k, v in run.items()))
    print(f"smoke: passed ({program})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
