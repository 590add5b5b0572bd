"""Tools > Check Database, and the one message for a backup folder that cannot be written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.sqlite import sqlite3
from app.storage import backups
from app.ui.lifecycle import Lifecycle
from app.ui.main_window import MainWindow

pytestmark = pytest.mark.gui


def _menu_action(window: MainWindow, menu: str, text: str):  # type: ignore[no-untyped-def]
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu:
            for action in top.menu().actions():
                if action.text().replace("&", "") == text:
                    return action
    raise AssertionError(f"no {menu} > {text}")


def _sql(window: MainWindow, statement: str) -> list[tuple]:
    db = sqlite3.connect(window.collection.db_path)
    try:
        rows = db.execute(statement).fetchall()
        db.commit()
        return rows
    finally:
        db.close()


def test_check_database_lists_findings_and_repairs(qtbot, open_window) -> None:
    window = open_window()
    window.executor.synchronous = True
    card = _sql(window, "SELECT MIN(id) FROM card")[0][0]
    _sql(window, f"UPDATE card SET state = 2, stability = -1, difficulty = 11 WHERE id = {card}")
    media = window.collection.media_dir
    media.mkdir(parents=True, exist_ok=True)
    (media / ("f" * 64 + ".png")).write_bytes(b"nothing uses me")

    _menu_action(window, "Tools", "Check Database…").trigger()
    dialog = window.check_dialog
    assert dialog is not None and dialog.isVisible()
    rows = {
        dialog.table.item(r, 0).text(): dialog.table.item(r, 1).text()
        for r in range(dialog.table.rowCount())
    }
    assert rows == {"Cards with an impossible memory state": "1", "Media files nothing uses": "1"}
    assert dialog.table.item(0, 2).text().startswith("Repair will ")
    assert "Found 2 kinds of problem" in dialog.summary.text()
    assert dialog.repair_button.isEnabled()

    qtbot.mouseClick(dialog.repair_button, Qt.MouseButton.LeftButton)
    statuses = {dialog.table.item(r, 2).text() for r in range(dialog.table.rowCount())}
    assert statuses == {"Repaired"}
    assert "Repaired 2 of 2" in dialog.summary.text()
    assert not dialog.repair_button.isEnabled()
    backup = Path(dialog.summary.text().rsplit(": ", 1)[1])
    assert backup.is_file() and backup.parent == window.collection.backup_dir()
    stability, difficulty = _sql(
        window, f"SELECT stability, difficulty FROM card WHERE id = {card}"
    )[0]
    assert stability > 0 and 1 <= difficulty <= 10
    assert not (media / ("f" * 64 + ".png")).exists()

    dialog.run_check()  # the same dialog, checked again
    assert dialog.table.rowCount() == 0 and dialog.summary.text() == "No problems found."


def _block_backups(window: MainWindow, tmp_path: Path) -> Path:
    (tmp_path / "gone").write_text("a file where the backup drive was")
    folder = tmp_path / "gone" / "cirrus"
    window.collection.set_setting("backup_dir", str(folder))
    return folder


def test_unwritable_backup_folder_shows_one_message(
    qtbot, open_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = open_window()
    window.executor.synchronous = True
    folder = _block_backups(window, tmp_path)
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: shown.append((title, text)))
    monkeypatch.setattr(
        QMessageBox, "critical", lambda _p, title, text: shown.append((title, text))
    )

    lifecycle = Lifecycle(QApplication.instance(), window)  # the start-up daily backup
    try:
        qtbot.waitUntil(lambda: len(shown) == 1)
        window.backups.daily()  # the hourly check fails again: no second message
        window.backups.at_session_end()
        window.close()  # the backup on quit fails too: logged, not shown again
    finally:
        lifecycle.uninstall()
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "Backups are not being written"
    assert text.startswith(f"Cannot write backups to {folder}: a file is in the way")
    assert "Traceback" not in text


def test_quit_and_session_end_each_write_a_backup(qtbot, open_window) -> None:
    window = open_window()
    folder = window.collection.backup_dir()
    window.backups.at_session_end()
    first = window.backups.last
    assert first is not None and first.parent == folder
    window.collection.set_setting("exam_date", "2027-01-15")
    window.close()
    last = window.backups.last
    assert last is not None and last.is_file()
    copy = folder / "check.sqlite"
    backups.unpack_backup(last, copy)
    db = sqlite3.connect(copy)
    saved = dict(db.execute("SELECT key, value FROM setting").fetchall())
    db.close()
    assert json.loads(saved["exam_date"]) == "2027-01-15"  # written after the session backup
    assert "window_geometry" in saved  # the quit backup comes after the window is saved
