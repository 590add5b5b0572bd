"""A second launch on the same data folder hands over to the window already open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.storage.collection import Collection
from app.ui import import_flow
from app.ui.app import open_main_window, run_gui
from app.ui.single_instance import hand_over, listen_for_launches
from tests.conftest import FIXTURES

pytestmark = pytest.mark.gui
ROOT = Path(__file__).resolve().parents[2]
PACKAGE = FIXTURES / "anki" / "legacy_export.apkg"


def test_a_second_launch_brings_the_window_forward_with_its_file(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    started: list[Path] = []
    monkeypatch.setattr(import_flow.ImportFlow, "start", lambda self, path: started.append(path))
    data = tmp_path / "my data"
    col = Collection.open(data)
    try:
        window = open_main_window(col)
        qtbot.addWidget(window)
        listen_for_launches(window, data)
        window.showMinimized()
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
        second = subprocess.Popen(
            [sys.executable, "-m", "app", "--data-dir", str(data), "--open", str(PACKAGE)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        qtbot.waitUntil(lambda: bool(started), timeout=60_000)
        _out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert started == [PACKAGE.resolve()]
        assert not window.isMinimized()
        assert col.totals()["notes"] == 0  # the second launch wrote nothing
        window.close()
    finally:
        col.close()


def test_with_no_window_open_a_launch_does_not_hand_over(qtbot, tmp_path: Path) -> None:
    assert not hand_over(tmp_path)


def test_a_launch_while_a_command_holds_the_collection_names_that_command(
    qtbot, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    Collection.open(data).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from app.storage import lock; "
            "from app.storage.collection import Collection; lock.program = 'cirrus import'; "
            "c = Collection.open(Path(sys.argv[1])); print('OPEN', flush=True); "
            "sys.stdin.read(); c.close()",
            str(data),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    seen: list[str] = []
    timer = QTimer()

    def close_the_message() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            timer.stop()
            seen.append(box.text())
            box.accept()

    timer.timeout.connect(close_the_message)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "OPEN"
        timer.start(20)
        assert run_gui(data) == 2
    finally:
        timer.stop()
        holder.communicate("", timeout=60)
    assert len(seen) == 1
    assert f"open in cirrus import (process {holder.pid}" in seen[0]
