"""A second launch on the same data folder hands over to the window already open."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.storage.collection import Collection
from app.ui import import_flow
from app.ui.app import open_main_window
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
