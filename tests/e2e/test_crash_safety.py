"""An answer acknowledged on screen survives the process being killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from app.storage.collection import Collection
from tests.conftest import FIXTURES, T0

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kill_after", [1, 4])
def test_sigkill_right_after_an_answer_keeps_it(tmp_path: Path, kill_after: int) -> None:
    data = tmp_path / "data"
    col = Collection.open(data)
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    col.set_setting("bundled_hash", "skip")  # study only the sample deck
    col.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "e2e" / "review_loop_child.py"), str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    acked: list[int] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("ACK"):
                acked.append(int(line.split()[2]))
                if len(acked) == kill_after:
                    os.kill(child.pid, signal.SIGKILL)
                    break
    finally:
        child.kill()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert len(acked) == kill_after

    col = Collection.open(data)  # recovers the write-ahead log
    try:
        with col.engine.connect() as conn:
            logged = [
                r[0]
                for r in conn.execute(
                    text("SELECT card_id FROM review_log ORDER BY reviewed_at, rowid")
                )
            ]
            states = dict(conn.execute(text("SELECT id, reps FROM card")).all())
    finally:
        col.close()
    assert logged[:kill_after] == acked
    assert all(states[card_id] >= 1 for card_id in acked)
