"""The window's answer to a collection that cannot be opened: say why, offer a way out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from app.storage.collection import DB_NAME, Collection
from app.ui.open_problem import OpenProblemDialog, open_with_recovery
from tests.conftest import FIXTURES, T0
from tests.read_only_folder import read_only_folder

pytestmark = pytest.mark.gui
SAMPLE = FIXTURES / "decks" / "sample.md"


def _drive(qtbot, act: Callable[[OpenProblemDialog], None], seen: list[str]) -> QTimer:
    """Wait for the dialog to come up, note its message, then ``act`` on it."""
    timer = QTimer()

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, OpenProblemDialog) and dialog.isVisible():
            timer.stop()
            seen.append(dialog.message.text())
            seen.append("restore offered" if dialog.restore_button.isVisible() else "no restore")
            act(dialog)

    timer.timeout.connect(poll)
    timer.start(20)
    return timer


def _click(qtbot, name: str) -> Callable[[OpenProblemDialog], None]:
    return lambda dialog: qtbot.mouseClick(getattr(dialog, name), Qt.MouseButton.LeftButton)


def test_a_truncated_collection_is_offered_its_newest_backup(qtbot, tmp_path: Path) -> None:
    data = tmp_path / "data"
    col = Collection.open(data)
    col.import_path(SAMPLE, T0)
    col.backup(T0)
    col.close()
    path = data / DB_NAME
    cut = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(cut)

    seen: list[str] = []
    timer = _drive(qtbot, _click(qtbot, "restore_button"), seen)
    opened = open_with_recovery(data)
    timer.stop()
    assert opened is not None
    restored, folder, note = opened
    try:
        assert folder == data
        assert "cut short" in seen[0] and seen[1] == "restore offered"
        assert restored.totals()["notes"] == 5
        kept = list((data / "backups").glob("damaged-*.sqlite"))
        assert len(kept) == 1 and kept[0].read_bytes() == cut  # nothing thrown away
        assert kept[0].name in note
    finally:
        restored.close()


def test_an_empty_collection_file_is_kept_and_another_folder_can_be_chosen(
    qtbot, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / DB_NAME).write_bytes(b"")
    other = tmp_path / "other"
    seen: list[str] = []
    timer = _drive(qtbot, _click(qtbot, "folder_button"), seen)
    opened = open_with_recovery(data, choose_folder=lambda _start: other)
    timer.stop()
    assert opened is not None
    col, folder, _ = opened
    col.close()
    assert folder == other and (other / DB_NAME).stat().st_size > 0
    assert "empty (0 bytes)" in seen[0] and seen[1] == "no restore"  # no backup to offer
    assert (data / DB_NAME).stat().st_size == 0


def test_quit_leaves_the_damaged_file_alone(qtbot, tmp_path: Path) -> None:
    (tmp_path / DB_NAME).write_bytes(b"x" * 4096)
    seen: list[str] = []
    timer = _drive(qtbot, _click(qtbot, "quit_button"), seen)
    assert open_with_recovery(tmp_path) is None
    timer.stop()
    assert "not a Cirrus collection" in seen[0]
    assert (tmp_path / DB_NAME).read_bytes() == b"x" * 4096


def test_a_read_only_folder_is_called_read_only_and_no_restore_is_offered(
    qtbot, tmp_path: Path
) -> None:
    seen: list[str] = []
    with read_only_folder(tmp_path) as folder:
        timer = _drive(qtbot, _click(qtbot, "quit_button"), seen)
        assert open_with_recovery(folder) is None
        timer.stop()
    assert "read-only" in seen[0] and "damaged" not in seen[0]
    assert seen[1] == "no restore"
