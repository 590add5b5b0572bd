"""SIGTERM stops the real program cleanly: the GUI writes a backup, the CLI rolls back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.sqlite import sqlite3
from app.storage import backups
from app.storage.collection import Collection
from tests.conftest import T0
from tests.storage.test_leftovers import media_pack

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(os.name != "posix", reason="POSIX signals")]
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}


def _wait_for(condition, what: str, child: subprocess.Popen[bytes]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 120
    while not condition():
        assert child.poll() is None, f"the program exited before {what}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def test_sigterm_to_the_running_gui_writes_a_backup(tmp_path: Path) -> None:
    sig = signal.SIGTERM  # SIGHUP and SIGINT take the same path
    data = tmp_path / "data"
    col = Collection.open(data)
    col.sync_bundled(T0)
    two_hours_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    col.backup(two_hours_ago)  # so the daily backup at start writes none
    col.close()
    log = data / "logs" / "cirrus.log"
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "--data-dir", str(data)],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(
            lambda: log.is_file() and "main window open" in log.read_text(), "the window", child
        )
        child.send_signal(sig)
        _, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 0, err.decode()
    assert b"Traceback" not in err
    found = backups.rotated_backups(data / "backups")
    assert found[0][0] > two_hours_ago + timedelta(hours=1)  # a new one, from the quit
    copy = tmp_path / "last.sqlite"
    backups.unpack_backup(found[0][1], copy)
    db = sqlite3.connect(copy)
    keys = {r[0] for r in db.execute("SELECT key FROM setting")}
    db.close()
    assert "window_geometry" in keys  # written by the window's own close path, then backed up
    assert f"stopping on {sig.name}" in log.read_text()


def test_sigterm_to_a_cli_import_rolls_back_and_cleans_up(tmp_path: Path) -> None:
    data = tmp_path / "data"
    col = Collection.open(data)
    col.sync_bundled(T0)
    before = col.totals()
    col.close()
    pack = media_pack(tmp_path, 600)
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "import", str(pack), "--data-dir", str(data)],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    tmp = data / "tmp"
    _wait_for(
        lambda: tmp.is_dir() and any(p.name.startswith("stage-") for p in tmp.iterdir()),
        "the import to stage media",
        child,
    )
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 1
    assert err.decode() == "cirrus: terminated; the unfinished step was not written\n"
    assert out == b""
    assert list(tmp.iterdir()) == []  # cleaned up by the command itself, not the next start
    assert not (data / "media").exists() or list((data / "media").iterdir()) == []
    col = Collection.open(data)
    try:
        assert col.totals() == before
    finally:
        col.close()


def test_quitting_the_app_without_closing_the_window_writes_a_backup(tmp_path: Path) -> None:
    data = tmp_path / "data"
    col = Collection.open(data)
    two_hours_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    col.backup(two_hours_ago)
    col.close()
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "e2e" / "quit_child.py"), str(data)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["VISIBLE"] == "False"  # closed through its own close path
    written = Path(lines["BACKUP"])
    assert written.is_file() and written.parent == data / "backups"
    assert backups.rotated_backups(data / "backups")[0][0] > two_hours_ago + timedelta(hours=1)
