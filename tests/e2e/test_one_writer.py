"""One writer: while one process has the collection open, no other process writes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.sqlite import sqlite3
from app.storage.collection import DB_NAME, Collection
from app.storage.engine import read_only_uri
from tests.conftest import FIXTURES, T0

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "e2e" / "review_loop_child.py"
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}


def _prepare(data: Path) -> Path:
    col = Collection.open(data)
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    col.set_setting("bundled_hash", "skip")  # study only the sample deck
    backup = col.backup(T0)
    col.close()
    return backup


def _holder(data: Path) -> subprocess.Popen[str]:
    """A real study window on ``data`` that keeps the collection open (prints ``OPEN``)."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(data), "--hold"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "OPEN"
    return child


def _in_process(capsys, data: Path, *args: str) -> tuple[int, dict]:
    """The CLI in this test process (which never holds the lock itself)."""
    code = main(["--data-dir", str(data), *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _cirrus(data: Path, *args: str) -> tuple[int, dict]:
    """The CLI in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data), *args, "--json"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


def _aggregate_rows(data: Path) -> int:
    db = sqlite3.connect(read_only_uri(data / DB_NAME), uri=True)
    try:
        return int(db.execute("SELECT COUNT(*) FROM review_day_stats").fetchone()[0])
    finally:
        db.close()


def _finish(child: subprocess.Popen[str]) -> list[str]:
    out, err = child.communicate("go\n", timeout=120)
    assert child.returncode == 0, err
    return out.splitlines()


def test_a_second_process_is_refused_while_the_first_holds_the_collection(
    tmp_path: Path, capsys
) -> None:
    data = tmp_path / "data"
    backup = _prepare(data)
    holder = _holder(data)
    try:
        code, out = _cirrus(data, "import", str(FIXTURES / "decks" / "sample.md"))
        assert code == 2
        assert out["kind"] == "locked"
        assert f"process {holder.pid}" in out["error"]
        assert "review_loop_child.py" in out["error"]  # the program that holds it

        code, out = _in_process(capsys, data, "restore", str(backup))
        assert code == 2 and out["kind"] == "locked"
        assert f"process {holder.pid}" in out["error"]

        # Reading still works, from a read-only view.
        code, out = _in_process(capsys, data, "decks")
        assert code == 0 and out["totals"]["notes"] == 5
        code, out = _in_process(capsys, data, "stats", "--by", "deck")
        assert code == 0 and out["groups"]
        assert _aggregate_rows(data) == 0  # the view refreshed its statistics in memory only
    finally:
        lines = _finish(holder)
    acked = [line for line in lines if line.startswith("ACK")]
    assert len(acked) == 5 and lines[-1] == "DONE"
    # The holder's answers are all there: the refused restore did not replace them.
    code, out = _in_process(capsys, data, "decks")
    assert code == 0 and out["totals"]["review_logs"] == len(acked)
    # Once it has closed, the same import goes through.
    code, out = _in_process(capsys, data, "import", str(FIXTURES / "decks" / "sample.md"))
    assert code == 0 and out["unchanged"] == 5


def test_two_windows_answering_together_lose_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _prepare(data)
    first = _holder(data)
    assert first.stdin is not None
    first.stdin.write("go\n")  # the first window answers while the second one starts
    first.stdin.flush()
    try:
        second = subprocess.run(
            [sys.executable, str(CHILD), str(data)],
            capture_output=True,
            text=True,
            env=ENV,
            timeout=120,
        )
    finally:
        lines = _finish(first)
    assert second.returncode != 0
    assert "ACK" not in second.stdout  # refused before it could answer anything
    assert f"is open in review_loop_child.py (process {first.pid}" in second.stderr
    acked = [line for line in lines if line.startswith("ACK")]
    col = Collection.open(data)
    try:
        assert col.totals()["review_logs"] == len(acked) > 0
    finally:
        col.close()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data"
    _prepare(data)
    holder = _holder(data)
    code, _ = _in_process(capsys, data, "import", str(FIXTURES / "decks" / "sample.md"))
    assert code == 2
    holder.kill()  # SIGKILL: no clean-up runs
    holder.communicate(timeout=60)
    assert holder.returncode == -signal.SIGKILL
    code, out = _in_process(capsys, data, "import", str(FIXTURES / "decks" / "sample.md"))
    assert code == 0 and out["unchanged"] == 5
