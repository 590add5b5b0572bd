"""SIGKILL during an import with media leaves no orphan file once the collection reopens."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from app.storage.collection import Collection
from tests.conftest import T0
from tests.storage.test_leftovers import media_pack, media_state

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")]
ROOT = Path(__file__).resolve().parents[2]
PICTURES = 600
ROUNDS = int(os.environ.get("CIRRUS_KILL_ROUNDS", "4"))


def _import_until_killed(pack: Path, data: Path, delay: float) -> bool:
    """Run ``cirrus import`` and SIGKILL it ``delay`` seconds after it starts staging media.
    Returns whether it was killed (False: it finished first)."""
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "import", str(pack), "--data-dir", str(data)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    tmp = data / "tmp"
    try:
        while child.poll() is None:
            if tmp.is_dir() and any(p.name.startswith("stage-") for p in tmp.iterdir()):
                break
            time.sleep(0.002)
        time.sleep(delay)
        killed = child.poll() is None
        if killed:
            os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=120)
    return killed and child.returncode == -signal.SIGKILL


def test_random_sigkills_during_imports_leave_no_orphan_media(tmp_path: Path) -> None:
    data = tmp_path / "data"
    col = Collection.open(data)
    col.sync_bundled(T0)  # so that each child goes straight to the import
    col.close()
    rng = random.Random(9)
    killed = 0
    interrupted_with_leftovers = 0
    for round_ in range(ROUNDS):
        pack = media_pack(tmp_path, PICTURES, f"pack{round_}")
        if _import_until_killed(pack, data, rng.uniform(0.0, 0.25)):
            killed += 1
            tmp = data / "tmp"
            interrupted_with_leftovers += tmp.is_dir() and any(tmp.iterdir())
    assert killed >= 1 and interrupted_with_leftovers >= 1  # the kills did land mid-import

    files, rows = media_state(data)  # opening sweeps the leftovers
    assert files == rows  # no orphan file and no listed file missing
    assert list((data / "tmp").iterdir()) == []
    col = Collection.open(data)
    try:
        with col.engine.connect() as conn:
            per_deck = conn.execute(
                text(
                    "SELECT d.name, COUNT(n.id) FROM deck d LEFT JOIN note n ON n.deck_id = d.id "
                    "WHERE d.name LIKE 'Pictures::%' GROUP BY d.id"
                )
            ).all()
        assert all(count == PICTURES for _, count in per_deck)  # each import all or nothing
        summary = col.import_path(tmp_path / "pack0", T0)  # and it still imports in full
    finally:
        col.close()
    assert summary.media == PICTURES
    files, rows = media_state(data)
    assert files == rows and len(rows) >= PICTURES
