"""Tools > Sync: choose a folder, sync, see the other devices; the status bar says what
happened; another device's new files are merged without a click."""

from __future__ import annotations

import random
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import text

from app.core.models import Rating
from app.storage.collection import Collection
from app.ui.main_window import MainWindow
from tests.conftest import FIXTURES, T0

pytestmark = pytest.mark.gui


@pytest.fixture
def other_device(tmp_path: Path):
    """A second computer that has studied one card and synced to the shared folder."""
    share = tmp_path / "Dropbox"
    share.mkdir()
    col = Collection.open(tmp_path / "desktop", tz=UTC, rng=random.Random(3))
    col.set_setting("sync_device_name", "DESKTOP")
    col.import_path(FIXTURES / "decks" / "sample.md", T0)
    col.sync(share, T0)
    yield col, share
    col.close()


def _review_ids(col: Collection) -> set[str]:
    with col.engine.connect() as conn:
        return {r[0] for r in conn.execute(text("SELECT lower(hex(id)) FROM review_log"))}


def test_choosing_a_folder_syncs_and_lists_the_other_device(
    open_window, other_device, qtbot, monkeypatch, tmp_path: Path
) -> None:
    desktop, share = other_device
    card = desktop.next_card(T0)
    answer = desktop.answer(card.card_id, Rating.GOOD, T0)
    desktop.sync(share, T0)
    window = open_window()
    window.executor.synchronous = True
    assert window.sync.indicator.text() == ""

    menus = [a.text() for a in window.menuBar().actions()]
    assert menus.count("&Tools") == 1
    next(a for a in window.tools_menu.actions() if a.text() == "&Sync…").trigger()
    panel = window.sync_panel
    assert panel is not None and panel.folder_label.text() == "Sync is off."
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(share))
    qtbot.mouseClick(panel.choose_button, Qt.MouseButton.LeftButton)

    assert answer in _review_ids(window.collection)
    assert window.sync.indicator.text().startswith("Synced")
    assert panel.folder_label.text() == f"Folder: {share}"
    names = [
        panel.devices.topLevelItem(i).text(0) for i in range(panel.devices.topLevelItemCount())
    ]
    assert names == ["DESKTOP"]
    own = window.collection.setting("sync_device_id")
    assert panel.this_device.text().endswith(f"({own[:8]})")
    assert panel.outcome.text().startswith("Last sync 2026-11-2")  # local time
    panel.grab().save(str(tmp_path / "sync-panel.png"))
    window.grab().save(str(tmp_path / "main-window.png"))

    panel.off_button.click()
    assert panel.folder_label.text() == "Sync is off."
    assert window.collection.setting("sync_folder") is None


def test_a_missing_folder_shows_in_the_status_bar(open_window, other_device) -> None:
    _desktop, share = other_device
    window = open_window()
    window.executor.synchronous = True
    window.sync.choose(share)
    assert window.sync.indicator.text().startswith("Synced")
    share.rename(share.with_name("Dropbox-offline"))
    window.sync.sync_now()
    assert window.sync.indicator.text() == "Sync folder not available: retrying"
    window.show_sync()
    assert "not available" in window.sync_panel.outcome.text()


def test_new_files_from_another_device_are_merged_without_a_click(
    open_window, other_device, qtbot
) -> None:
    desktop, share = other_device
    window = open_window()
    window.executor.synchronous = True
    window.sync.choose(share)
    window.sync.debounce.setInterval(50)
    card = desktop.next_card(T0 + timedelta(minutes=1))
    answer = desktop.answer(card.card_id, Rating.EASY, T0 + timedelta(minutes=1))
    desktop.sync(share, T0 + timedelta(minutes=1))
    qtbot.waitUntil(lambda: answer in _review_ids(window.collection), timeout=10000)


def test_opening_the_window_syncs_on_the_worker(other_device, qtbot, tmp_path: Path) -> None:
    desktop, share = other_device
    card = desktop.next_card(T0)
    answer = desktop.answer(card.card_id, Rating.HARD, T0)
    desktop.sync(share, T0)
    laptop = Collection.open(tmp_path / "laptop", tz=UTC, rng=random.Random(4))
    laptop.set_setting("sync_folder", str(share))
    window = MainWindow(laptop, clock=lambda: T0)
    qtbot.addWidget(window)
    try:
        # the sync is on the worker: the window is up and says so before it ends
        assert window.sync.indicator.text() == "Syncing…"
        qtbot.waitUntil(lambda: window.sync.indicator.text().startswith("Synced"), timeout=20000)
        assert answer in _review_ids(laptop)
        assert window.sync.last is not None and window.sync.last.merged > 0
        assert f"{window.sync.last.merged} merged" in window.sync.indicator.text()
    finally:
        window.executor.wait()
        window.close()
        laptop.close()


def _answer_one_in_the_window(window, qtbot) -> None:
    qtbot.keyClick(window.decks_view.tree, Qt.Key.Key_Return)
    qtbot.keyClick(window.study_view, Qt.Key.Key_Space)
    qtbot.keyClick(window.study_view, "3")


def test_answers_are_sent_when_the_learner_pauses(open_window, other_device, qtbot) -> None:
    desktop, share = other_device
    window = open_window()
    window.executor.synchronous = True
    window.sync.choose(share)
    window.sync.send_later.setInterval(50)
    before = _review_ids(window.collection)
    _answer_one_in_the_window(window, qtbot)
    (answer,) = _review_ids(window.collection) - before
    qtbot.waitUntil(lambda: window.sync.last is not None and window.sync.last.sent > 0)
    desktop.sync(share, T0 + timedelta(minutes=5))
    assert answer in _review_ids(desktop)


def test_closing_the_window_sends_what_was_studied(open_window, other_device, qtbot) -> None:
    desktop, share = other_device
    window = open_window()
    window.executor.synchronous = True
    window.sync.choose(share)
    before = _review_ids(window.collection)
    _answer_one_in_the_window(window, qtbot)
    (answer,) = _review_ids(window.collection) - before
    window.close()
    desktop.sync(share, T0 + timedelta(minutes=5))
    assert answer in _review_ids(desktop)


def test_the_card_shown_moves_on_when_another_device_answered_it(
    open_window, other_device, qtbot
) -> None:
    desktop, share = other_device
    window = open_window()
    window.executor.synchronous = True
    window.sync.choose(share)
    qtbot.keyClick(window.decks_view.tree, Qt.Key.Key_Return)
    shown = window.study_view.card
    assert shown is not None
    card = desktop.next_card(T0)
    assert card.prompt == shown.prompt  # the same card on both computers
    desktop.answer(card.card_id, Rating.GOOD, T0)
    desktop.sync(share, T0)
    window.sync.sync_now()
    assert window.study_view.card is not None
    assert window.study_view.card.card_id != shown.card_id
    assert "another device" in window.statusBar().currentMessage()


def test_a_device_whose_clock_is_ahead_is_named_in_the_status_bar(
    open_window, other_device
) -> None:
    desktop, share = other_device
    desktop.sync(share, T0 + timedelta(hours=5))  # the desktop's clock is five hours ahead
    window = open_window()
    window.executor.synchronous = True
    window.sync.choose(share)
    assert "DESKTOP's clock is 5 hours ahead (Tools > Sync)" in window.sync.indicator.text()
    window.show_sync()
    assert "its edits can win over later ones made here" in window.sync_panel.outcome.text()


def test_a_deletion_that_wins_over_an_edit_made_here_is_shown(open_window, other_device) -> None:
    desktop, share = other_device
    window = open_window()
    window.executor.synchronous = True
    window.sync.choose(share)
    col = window.collection
    with col.engine.connect() as conn:
        note_id, uid, prompt = conn.execute(
            text("SELECT id, uid, prompt_md FROM note ORDER BY uid LIMIT 1")
        ).one()
    col.notes.edit_fields(note_id, {"answer_md": "edited here first"}, T0)
    with desktop.engine.connect() as conn:
        theirs = conn.execute(text("SELECT id FROM note WHERE uid = :u"), {"u": uid}).scalar_one()
    desktop.notes.delete(theirs, T0 + timedelta(minutes=1))  # deleted there, later
    desktop.sync(share, T0 + timedelta(minutes=1))
    window.sync.sync_now()
    assert "1 conflicts (Tools > Sync)" in window.sync.indicator.text()
    window.show_sync()
    outcome = window.sync_panel.outcome.text()
    assert f'note "{prompt[:20]}' in outcome and "deleted: deleted later on DESKTOP" in outcome
    with col.engine.connect() as conn:
        assert conn.execute(text("SELECT 1 FROM note WHERE uid = :u"), {"u": uid}).first() is None
