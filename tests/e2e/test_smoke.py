"""The real program starts, syncs the bundled decks, shows and answers a card."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_program_smoke_run(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(tmp_path), "--smoke"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("cirrus smoke: ok"))
    figures = dict(part.split("=") for part in line.split()[3:])
    assert int(figures["cards"]) >= 500
    assert int(figures["review_logs"]) == 1
    assert (tmp_path / "collection.sqlite").exists()
